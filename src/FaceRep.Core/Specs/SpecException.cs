namespace FaceRep.Core.Specs;

/// <summary>One problem found in a sweep spec, located by file, line, column and field path.</summary>
/// <param name="File">The spec's file name (or "&lt;text&gt;" for a spec given as text).</param>
/// <param name="Line">1-based line, 0 when unknown.</param>
/// <param name="Column">1-based column, 0 when unknown.</param>
/// <param name="Field">Field path such as <c>pretrain[1].method</c>, or empty for the document.</param>
/// <param name="Message">What is wrong, naming the offending value.</param>
public sealed record SpecError(string File, int Line, int Column, string Field, string Message)
{
    /// <inheritdoc />
    public override string ToString()
    {
        var where = Line > 0 ? $"{File}:{Line}:{Column}" : File;
        return Field.Length > 0 ? $"{where}: {Field}: {Message}" : $"{where}: {Message}";
    }
}

/// <summary>Thrown when a sweep spec is invalid; carries every problem found, not only the first.</summary>
public sealed class SpecException : Exception
{
    /// <summary>Creates the exception from the problems found.</summary>
    public SpecException(IReadOnlyList<SpecError> errors)
        : base(Describe(errors))
    {
        Errors = errors;
    }

    /// <summary>Creates the exception for a single problem.</summary>
    public SpecException(SpecError error)
        : this([error])
    {
    }

    /// <summary>The problems, in document order.</summary>
    public IReadOnlyList<SpecError> Errors { get; }

    private static string Describe(IReadOnlyList<SpecError> errors) =>
        errors.Count == 1
            ? errors[0].ToString()
            : $"{errors.Count} problems in the sweep spec:{Environment.NewLine}  " +
              string.Join(Environment.NewLine + "  ", errors.Select(e => e.ToString()));
}
