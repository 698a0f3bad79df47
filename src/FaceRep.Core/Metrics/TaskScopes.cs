namespace FaceRep.Core.Metrics;

/// <summary>
/// What a result measures: a task on SynthFace (<c>landmarks</c>) or a task on an imported benchmark
/// (<c>landmarks on 300w</c>; <c>landmarks on mine (aflw19)</c> when the benchmark's name is not its kind, so its
/// metrics are known from the scope alone). Analyses and reports group by it, so results on different data are never
/// ranked against each other.
/// </summary>
public static class TaskScopes
{
    private const string On = " on ";

    /// <summary>
    /// The scope of <paramref name="task"/> measured on <paramref name="benchmark"/> of kind <paramref name="kind"/> (benchmark
    /// empty or null: SynthFace; kind empty, null or the benchmark's name: not repeated).
    /// </summary>
    public static string Of(string task, string? benchmark, string? kind = null) =>
        string.IsNullOrEmpty(benchmark) ? task
        : string.IsNullOrEmpty(kind) || kind == benchmark ? task + On + benchmark
        : $"{task}{On}{benchmark} ({kind})";

    /// <summary>The task of a scope.</summary>
    public static string TaskOf(string scope)
    {
        var at = scope.IndexOf(On, StringComparison.Ordinal);
        return at < 0 ? scope : scope[..at];
    }

    /// <summary>The benchmark (its name) of a scope, or null for SynthFace.</summary>
    public static string? BenchmarkOf(string scope)
    {
        var at = scope.IndexOf(On, StringComparison.Ordinal);
        if (at < 0)
            return null;
        var rest = scope[(at + On.Length)..];
        var open = rest.IndexOf(" (", StringComparison.Ordinal);
        return open > 0 && rest.EndsWith(')') ? rest[..open] : rest;
    }

    /// <summary>The kind of a scope's benchmark (<c>aflw19</c>): the one it names, else the benchmark's name; null for SynthFace.</summary>
    public static string? KindOf(string scope)
    {
        if (BenchmarkOf(scope) is not { } name)
            return null;
        var rest = scope[(scope.IndexOf(On, StringComparison.Ordinal) + On.Length)..];
        return rest.Length > name.Length ? rest[(name.Length + 2)..^1] : name;
    }
}
