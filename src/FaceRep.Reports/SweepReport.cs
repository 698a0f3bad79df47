using FaceRep.Core.Metrics;
using FaceRep.Core.Statistics;
using FaceRep.Results.Analysis;
using FaceRep.Results.Store;

namespace FaceRep.Reports;

/// <summary>One source's headline metric in one (task, protocol, shots) cell, over its seeds.</summary>
/// <param name="Source">Pre-training source.</param>
/// <param name="Shots">Shot fraction.</param>
/// <param name="Summary">Count, mean and sample standard deviation over seeds.</param>
/// <param name="Interval">Percentile bootstrap 95% interval of the mean over seeds.</param>
public sealed record CellSummary(string Source, double Shots, Summary Summary, ConfidenceInterval Interval);

/// <summary>A task and protocol: its headline metric for every source and shot fraction.</summary>
/// <param name="Task">Task.</param>
/// <param name="Protocol">Protocol.</param>
/// <param name="Metric">The task's headline metric.</param>
/// <param name="Sources">Sources, in the order the report lists them.</param>
/// <param name="Shots">Shot fractions, ascending.</param>
/// <param name="Cells">The summaries present.</param>
public sealed record TaskSection(string Task, string Protocol, MetricDefinition Metric, IReadOnlyList<string> Sources, IReadOnlyList<double> Shots, IReadOnlyList<CellSummary> Cells)
{
    /// <summary>
    /// The floor at each shot fraction: the headline metric of the constant predictor made from
    /// each evaluation's training labels alone, averaged over the evaluations (absent where the
    /// results predate floors).
    /// </summary>
    public IReadOnlyDictionary<double, double> Floors { get; init; } = new Dictionary<double, double>();

    /// <summary>
    /// The task's ceiling, where the sweep ran one: the untrained backbone fine-tuned on all labels
    /// with the spec's long budget, over its seeds (source "scratch", shots 1). Null otherwise.
    /// </summary>
    public CellSummary? Ceiling { get; init; }

    /// <summary>The cell of a source and shot fraction, or null.</summary>
    public CellSummary? Cell(string source, double shots) => Cells.FirstOrDefault(c => c.Source == source && c.Shots == shots);

    /// <summary>A file-name-safe key.</summary>
    public string Key => $"{Task}-{Protocol}";
}

/// <summary>What the sweep ran, from the result store.</summary>
/// <param name="Pretrain">Pre-training jobs recorded for the sweep.</param>
/// <param name="Evaluations">Evaluation jobs recorded for the sweep.</param>
/// <param name="Results">Evaluation jobs with a result.</param>
/// <param name="Retried">Results that took more than one attempt.</param>
/// <param name="DeviceHours">Evaluation device-hours (sum of the results' wall-clock time).</param>
/// <param name="Devices">Distinct devices that produced results.</param>
/// <param name="First">Earliest result.</param>
/// <param name="Last">Latest result.</param>
/// <param name="Versions">Software versions that produced the results.</param>
public sealed record RunStatistics(
    int Pretrain, int Evaluations, int Results, int Retried, double DeviceHours, int Devices,
    DateTimeOffset? First, DateTimeOffset? Last, IReadOnlyList<string> Versions)
{
    /// <summary>Evaluation jobs without a result: failed, cancelled or not run yet.</summary>
    public int Missing => Math.Max(0, Evaluations - Results);
}

/// <summary>Everything a sweep's report shows, computed from its result rows alone.</summary>
/// <param name="Sweep">Sweep name.</param>
/// <param name="Generated">When the report was computed.</param>
/// <param name="Source">Where the results were read from (never a password).</param>
/// <param name="Sections">Per task and protocol, the metric against shots for every source.</param>
/// <param name="Rankings">Ranks of the sources per cell.</param>
/// <param name="MeanRanks">Each source's mean rank.</param>
/// <param name="Questions">The conclusions.</param>
/// <param name="Statistics">Run statistics.</param>
/// <param name="Spec">The sweep spec, or null when not known.</param>
/// <param name="Alpha">The family-wise level of the conclusions.</param>
/// <param name="Tuning">The learning rates chosen on the validation split where the sweep tuned them.</param>
public sealed record SweepReport(
    string Sweep, DateTimeOffset Generated, string Source,
    IReadOnlyList<TaskSection> Sections, IReadOnlyList<CellRanking> Rankings,
    IReadOnlyList<(string Source, double MeanRank, int Cells)> MeanRanks,
    IReadOnlyList<Question> Questions, RunStatistics Statistics, string? Spec, double Alpha, HyperSelectionResult Tuning)
{
    /// <summary>Each source against the untrained backbone (scratch), per task; empty without scratch.</summary>
    public IReadOnlyList<AgainstUntrained> Untrained { get; init; } = [];

    /// <summary>Each benchmark's official metrics per source, shot fraction and test subset, with published figures.</summary>
    public IReadOnlyList<BenchmarkSection> Benchmarks { get; init; } = [];

    /// <summary>The sweep's training curves (pre-training loss and k-NN per source, head loss per task).</summary>
    public TrainingCurves Curves { get; init; } = TrainingCurves.None;

    /// <summary>Builds the report of <paramref name="rows"/> (one sweep's results).</summary>
    /// <param name="sweep">Sweep name.</param>
    /// <param name="rows">Its result rows.</param>
    /// <param name="jobs">Its recorded (pre-training, evaluation) job counts.</param>
    /// <param name="source">Where the rows came from.</param>
    /// <param name="spec">The spec text, if known.</param>
    /// <param name="alpha">Family-wise level for the conclusions.</param>
    /// <param name="now">The time to stamp the report with.</param>
    public static SweepReport Build(string sweep, IReadOnlyList<ResultRow> rows, (int Pretrain, int Evaluations) jobs, string source, string? spec, double alpha, DateTimeOffset now)
    {
        // Everything below sees one run per cell: where learning rates were tuned, the one chosen on validation.
        var tuning = HyperSelection.Select(rows);
        var named = Conclusions.Disambiguate(tuning.Rows);
        var rankings = SourceRanking.Rank(named);
        var meanRanks = SourceRanking.MeanRanks(rankings);
        var order = meanRanks.Select((m, i) => (m.Source, i)).ToDictionary(p => p.Source, p => p.i, StringComparer.Ordinal);
        // Each task's ceiling, once: every protocol's section shows the same one.
        var ceilings = tuning.Ceiling.GroupBy(r => r.Scope)
            .Select(g => (Task: g.Key, Cell: Summarise("scratch", 1.0, g, MetricDefinitions.ForTask(g.Key)[0])))
            .Where(c => c.Cell.Summary.Count > 0)
            .ToDictionary(c => c.Task, c => c.Cell, StringComparer.Ordinal);
        var sections = named.GroupBy(r => (Task: r.Scope, r.Protocol))
            .OrderBy(g => KnownTaskOrder(g.Key.Task)).ThenBy(g => g.Key.Task, StringComparer.Ordinal).ThenBy(g => g.Key.Protocol, StringComparer.Ordinal)
            .Select(g =>
            {
                var metric = MetricDefinitions.ForTask(g.Key.Task)[0];
                var cells = g.GroupBy(r => (r.Pretrain, r.Shots))
                    .Select(c => Summarise(c.Key.Pretrain, c.Key.Shots, c, metric))
                    .Where(c => c.Summary.Count > 0)
                    .ToList();
                var sources = cells.Select(c => c.Source).Distinct(StringComparer.Ordinal)
                    .OrderBy(s => order.GetValueOrDefault(s, int.MaxValue)).ThenBy(s => s, StringComparer.Ordinal).ToList();
                var floor = MetricDefinitions.FloorPrefix + metric.Name;
                var floors = g.Where(r => r.Metrics.TryGetValue(floor, out var v) && double.IsFinite(v))
                    .GroupBy(r => r.Shots)
                    .ToDictionary(f => f.Key, f => f.Average(r => r.Metrics[floor]));
                return new TaskSection(g.Key.Task, g.Key.Protocol, metric, sources, cells.Select(c => c.Shots).Distinct().Order().ToList(), cells)
                {
                    Floors = floors,
                    Ceiling = ceilings.GetValueOrDefault(g.Key.Task),
                };
            })
            .Where(s => s.Cells.Count > 0)
            .ToList();

        var statistics = new RunStatistics(
            jobs.Pretrain, jobs.Evaluations, rows.Count, rows.Count(r => r.Attempt > 1), rows.Sum(r => r.DurationSeconds) / 3600,
            rows.Select(r => r.Device).Distinct(StringComparer.Ordinal).Count(),
            rows.Count == 0 ? null : rows.Min(r => r.FinishedUtc), rows.Count == 0 ? null : rows.Max(r => r.FinishedUtc),
            rows.Select(r => r.Versions).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList());
        return new SweepReport(sweep, now, source, sections, rankings, meanRanks, Conclusions.Answer(tuning.Rows, alpha), statistics, spec, alpha, tuning)
        {
            Untrained = AgainstUntrained.Of(named, meanRanks.Select(m => m.Source), alpha),
            Benchmarks = BenchmarkSections.Of(named, name => named.FirstOrDefault(r => r.Benchmark == name)?.BenchmarkKind is { Length: > 0 } kind ? kind : null),
        };
    }

    /// <summary><paramref name="metric"/> over <paramref name="rows"/> (one cell's seeds): mean, spread and bootstrap interval.</summary>
    private static CellSummary Summarise(string source, double shots, IEnumerable<ResultRow> rows, MetricDefinition metric)
    {
        var values = rows.Select(r => r.Metrics.TryGetValue(metric.Name, out var v) ? v : double.NaN).Where(double.IsFinite).ToList();
        return new CellSummary(source, shots, Summary.Of(values), BootstrapCi.OfMean(values, resamples: 2000));
    }

    private static int KnownTaskOrder(string task) =>
        Core.Specs.KnownNames.Tasks.Contains(task) ? Core.Specs.KnownNames.Tasks.TakeWhile(t => t != task).Count() : int.MaxValue;
}
