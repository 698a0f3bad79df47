namespace FaceRep.Data.Formats;

/// <summary>
/// A file does not follow the format it was read as. The message names the file, the line (when the
/// format has lines) and the offending value, as <c>file:line: reason (value 'v')</c>.
/// </summary>
public sealed class DataFormatException : FormatException
{
    public DataFormatException(string file, int? line, string? value, string reason)
        : base(Compose(file, line, value, reason))
    {
        File = file;
        Line = line;
        Value = value;
        Reason = reason;
    }

    public DataFormatException(string file, int? line, string? value, string reason, Exception inner)
        : base(Compose(file, line, value, reason), inner)
    {
        File = file;
        Line = line;
        Value = value;
        Reason = reason;
    }

    /// <summary>The file (or directory) being read.</summary>
    public string File { get; }

    /// <summary>The 1-based line number, or null when the format has no lines.</summary>
    public int? Line { get; }

    /// <summary>The offending text or value, when there is one.</summary>
    public string? Value { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Reason { get; }

    private static string Compose(string file, int? line, string? value, string reason)
    {
        var where = line is { } l ? $"{file}:{l}" : file;
        return value is null ? $"{where}: {reason}" : $"{where}: {reason} (value '{Shorten(value)}')";
    }

    private static string Shorten(string value) => value.Length <= 120 ? value : string.Concat(value.AsSpan(0, 117), "...");
}

/// <summary>One image cannot be decoded. <see cref="Item"/> names it: a file path or <c>file.h5[images][i]</c>.</summary>
public sealed class CorruptSampleException : Exception
{
    public CorruptSampleException(string item, string reason)
        : base($"{item}: {reason}")
    {
        Item = item;
        Reason = reason;
    }

    public CorruptSampleException(string item, string reason, Exception inner)
        : base($"{item}: {reason}", inner)
    {
        Item = item;
        Reason = reason;
    }

    /// <summary>The image's name: a file path, or <c>file.h5[dataset][index]</c>.</summary>
    public string Item { get; }

    /// <summary>Why it cannot be decoded.</summary>
    public string Reason { get; }
}
