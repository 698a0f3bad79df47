using FaceRep.Results.Analysis;
using FaceRep.Results.Store;

namespace FaceRep.Reports;

/// <summary>How one source fared against the untrained backbone in one task and protocol: its cells by verdict.</summary>
/// <param name="Task">Task.</param>
/// <param name="Protocol">Protocol.</param>
/// <param name="Better">Cells where the source is significantly better than scratch (after Holm).</param>
/// <param name="Worse">Cells where it is significantly worse.</param>
/// <param name="Indistinguishable">Cells tested without a significant difference.</param>
/// <param name="Untestable">Cells with fewer than three matched seeds.</param>
public sealed record TaskVerdicts(string Task, string Protocol, int Better, int Worse, int Indistinguishable, int Untestable)
{
    /// <summary>All cells of the task and protocol.</summary>
    public int Cells => Better + Worse + Indistinguishable + Untestable;
}

/// <summary>A pre-training source against the untrained backbone (<c>scratch</c>: a random frozen backbone under the same protocol), per task.</summary>
/// <param name="Source">The source.</param>
/// <param name="Tasks">Per task and protocol, its cells by verdict.</param>
public sealed record AgainstUntrained(string Source, IReadOnlyList<TaskVerdicts> Tasks)
{
    /// <summary>The untrained backbone's source label.</summary>
    public const string Baseline = "scratch";

    /// <summary>
    /// Every source compared with scratch over the cells both were evaluated in (paired by seed,
    /// Holm over each source's cells at <paramref name="alpha"/>), as <c>results compare SOURCE scratch</c>
    /// does; empty when the rows have no scratch source.
    /// </summary>
    public static IReadOnlyList<AgainstUntrained> Of(IReadOnlyList<ResultRow> rows, IEnumerable<string> sources, double alpha) =>
        Cells(rows, sources, alpha).Select(source =>
        {
            var tasks = source.Cells.GroupBy(c => (c.Task, c.Protocol)).Select(g => new TaskVerdicts(g.Key.Task, g.Key.Protocol,
                g.Count(c => c.Verdict == Verdict.FirstBetter), g.Count(c => c.Verdict == Verdict.SecondBetter),
                g.Count(c => c.Verdict == Verdict.Inconclusive), g.Count(c => c.Verdict == Verdict.NotSupported))).ToList();
            return new AgainstUntrained(source.Source, tasks);
        }).Where(a => a.Tasks.Count > 0).ToList();

    /// <summary>
    /// Each source's cells compared with scratch (the source first), Holm over the source's cells at
    /// <paramref name="alpha"/>; empty when the rows have no scratch source.
    /// </summary>
    public static IReadOnlyList<(string Source, IReadOnlyList<CellComparison> Cells)> Cells(IReadOnlyList<ResultRow> rows, IEnumerable<string> sources, double alpha)
    {
        if (!rows.Any(r => r.Pretrain == Baseline))
            return [];
        return sources.Where(s => s != Baseline).Select(source => (source, SourceComparison.Compare(rows, source, Baseline, alpha))).ToList();
    }
}
