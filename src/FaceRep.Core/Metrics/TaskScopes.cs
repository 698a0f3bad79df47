namespace FaceRep.Core.Metrics;

/// <summary>
/// What a result measures: a task on SynthFace (<c>landmarks</c>) or a task on an imported benchmark
/// (<c>landmarks on 300w</c>). Analyses and reports group by it, so results on different data are never
/// ranked against each other.
/// </summary>
public static class TaskScopes
{
    private const string On = " on ";

    /// <summary>The scope of <paramref name="task"/> measured on <paramref name="benchmark"/> (empty or null: SynthFace).</summary>
    public static string Of(string task, string? benchmark) => string.IsNullOrEmpty(benchmark) ? task : task + On + benchmark;

    /// <summary>The task of a scope.</summary>
    public static string TaskOf(string scope)
    {
        var at = scope.IndexOf(On, StringComparison.Ordinal);
        return at < 0 ? scope : scope[..at];
    }

    /// <summary>The benchmark of a scope, or null for SynthFace.</summary>
    public static string? BenchmarkOf(string scope)
    {
        var at = scope.IndexOf(On, StringComparison.Ordinal);
        return at < 0 ? null : scope[(at + On.Length)..];
    }
}
