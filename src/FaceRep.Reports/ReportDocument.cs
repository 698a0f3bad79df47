using System.Globalization;
using FaceRep.Results.Analysis;

namespace FaceRep.Reports;

/// <summary>A block of a report, rendered alike to Markdown and HTML.</summary>
public abstract record Block;

/// <summary>A heading.</summary>
/// <param name="Level">1 to 4.</param>
/// <param name="Text">Its text.</param>
/// <param name="Id">An anchor id.</param>
public sealed record Heading(int Level, string Text, string Id) : Block;

/// <summary>A paragraph of plain text (no markup).</summary>
/// <param name="Text">Its text.</param>
/// <param name="Emphasis">Whether to set it apart (a finding's summary).</param>
public sealed record Paragraph(string Text, bool Emphasis = false) : Block;

/// <summary>A table. A cell's heat, when given, is its rank's place from best (0) to worst (1).</summary>
/// <param name="Kind">A class name for the table (<c>evidence</c>, <c>results</c>, <c>ranks</c>).</param>
/// <param name="Headers">Column headers.</param>
/// <param name="Rows">Cells, row by row.</param>
/// <param name="Heat">Per cell, null or a heat in [0, 1].</param>
public sealed record Table(string Kind, IReadOnlyList<string> Headers, IReadOnlyList<IReadOnlyList<string>> Rows, IReadOnlyList<IReadOnlyList<double?>>? Heat = null) : Block;

/// <summary>A chart.</summary>
/// <param name="File">Its file name under <c>charts/</c>.</param>
/// <param name="Alt">Alternative text.</param>
/// <param name="Png">The image.</param>
public sealed record Chart(string File, string Alt, byte[] Png) : Block;

/// <summary>Preformatted text.</summary>
/// <param name="Language">Its language for highlighting.</param>
/// <param name="Text">The text.</param>
public sealed record Code(string Language, string Text) : Block;

/// <summary>Lays a <see cref="SweepReport"/> out as blocks: conclusions first, then results, ranks, run statistics and spec.</summary>
public static class ReportDocument
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The report's title.</summary>
    public static string Title(SweepReport report) => $"Sweep {report.Sweep}: results and conclusions";

    /// <summary>The blocks of <paramref name="report"/>; charts are rendered unless <paramref name="charts"/> is false.</summary>
    public static IReadOnlyList<Block> Layout(SweepReport report, bool charts = true)
    {
        var s = report.Statistics;
        var blocks = new List<Block>
        {
            new Heading(1, Title(report), "top"),
            new Paragraph($"Computed {report.Generated.ToString("yyyy-MM-dd HH:mm 'UTC'", Invariant)} from {report.Source}: " +
                          $"{Count(s.Results, "evaluation result")} of {Count(s.Evaluations, "evaluation job")} ({Count(s.Pretrain, "pre-training job")}). " +
                          $"Every statement below is computed from these results; each question's p-values are corrected together " +
                          $"with Holm's method at family-wise level α = {report.Alpha.ToString(Invariant)}."),
            new Heading(2, "Conclusions", "conclusions"),
            new Paragraph("Every estimate is in the metric's display units and signed so that a positive value goes the way the hypothesis says " +
                          "(a lower NME, a higher ICC or accuracy), with a 95% Student t interval."),
        };

        foreach (var question in report.Questions)
        {
            blocks.Add(new Heading(3, question.Title, question.Key));
            blocks.Add(new Paragraph(Wording.Summary(question), Emphasis: true));
            blocks.Add(new Paragraph($"Hypothesis: {question.Hypothesis}. {question.Method}"));
            if (question.Evidence.Count > 0)
                blocks.Add(question.Key == "best-source" ? BestTable(question) : EvidenceTable(question));
        }

        if (report.Tuning.Choices.Count > 0 || report.Tuning.Unselectable > 0)
            blocks.AddRange(TuningBlocks(report.Tuning));

        blocks.AddRange(UntrainedBlocks(report));

        blocks.Add(new Heading(2, "Results by task", "results"));
        blocks.Add(new Paragraph("Mean ± standard deviation over seeds, with the percentile bootstrap 95% interval of the mean and the number of seeds; " +
                                 "in the charts the bars are the bootstrap intervals."));
        foreach (var section in report.Sections)
        {
            blocks.Add(new Heading(3, $"{section.Task} · {section.Protocol}: {Wording.MetricHeading(section.Metric)}", $"task-{section.Key}"));
            if (charts)
                blocks.Add(new Chart($"{section.Key}.png", $"{section.Task} {section.Protocol}: {section.Metric.Name} against shots", Charts.Render(section)));
            blocks.Add(ResultsTable(section));
        }

        blocks.AddRange(BenchmarkBlocks(report));
        blocks.AddRange(CurveBlocks(report.Curves, charts));

        blocks.Add(new Heading(2, "Ranks", "ranks"));
        blocks.Add(new Paragraph("Rank of each source in each (task, protocol, shots) cell by its mean headline metric (1 best; ties share the average rank), and its mean rank over the cells."));
        blocks.Add(RankTable(report));

        blocks.Add(new Heading(2, "Run statistics", "run"));
        blocks.Add(new Table("stats", ["", ""],
        [
            ["pre-training jobs", s.Pretrain.ToString(Invariant)],
            ["evaluation jobs", s.Evaluations.ToString(Invariant)],
            ["with a result", s.Results.ToString(Invariant)],
            ["without a result (failed, cancelled or not run)", s.Missing.ToString(Invariant)],
            ["results that needed a retry", s.Retried.ToString(Invariant)],
            ["evaluation device-hours", s.DeviceHours.ToString("0.00", Invariant)],
            ["devices", s.Devices.ToString(Invariant)],
            ["first and last result", s.First is null ? "—" : $"{s.First:yyyy-MM-dd HH:mm:ss} – {s.Last:yyyy-MM-dd HH:mm:ss} UTC"],
            ["software", string.Join("; ", s.Versions)],
        ]));

        blocks.Add(new Heading(2, "Spec", "spec"));
        blocks.Add(report.Spec is null ? new Paragraph("The spec was not recorded with these results.") : new Code("yaml", report.Spec.TrimEnd()));
        return blocks;
    }

    private static IEnumerable<Block> BenchmarkBlocks(SweepReport report)
    {
        if (report.Benchmarks.Count == 0)
            yield break;
        yield return new Heading(2, "Benchmarks", "benchmarks");
        yield return new Paragraph(
            "Each benchmark's official metrics, computed as its community's reference code computes them on predictions mapped back to the original " +
            "images: per source and shot fraction, on the whole test split (full) and on each official test subset, mean ± standard deviation over " +
            "seeds (n). The floor is the constant predictor of each evaluation's training labels; a published figure is shown where this protocol is its " +
            "paper's, as a reference line, not a result of this sweep (it used all training labels and a ResNet-50). A cross-validated benchmark (DISFA) " +
            "has no test split: full pools every face's prediction by the fold that held its subject out, and foldK is fold K's faces alone.");
        foreach (var section in report.Benchmarks)
        {
            yield return new Heading(3, $"{section.Scope} · {section.Protocol}", $"benchmark-{Slug(section.Scope)}-{section.Protocol}");
            var headers = new List<string> { "source", "shots", "subset" };
            headers.AddRange(section.Metrics.Select(Wording.MetricHeading));
            var rows = section.Rows.Select(row => (IReadOnlyList<string>)new[] { row.Source, row.Shots is { } shots ? Wording.Shots(shots) : "", row.Subset }
                .Concat(section.Metrics.Select(m => row.Values.TryGetValue(m.Name, out var s) ? FormatSummary(m, s, published: row.Shots is null) : "—")).ToArray()).ToList();
            yield return new Table($"benchmark-{Slug(section.Scope)}", headers, rows);
            if (section.UnitRows.Count == 0)
                continue;
            yield return new Paragraph($"Per action unit, on the whole test split ({string.Join(", ", section.UnitMetrics.Select(m => m.Name))} of each unit; their means are the table above's):");
            yield return new Table($"benchmark-{Slug(section.Scope)}-units",
                ["source", "shots", "action unit", .. section.UnitMetrics.Select(Wording.MetricHeading)],
                section.UnitRows.Select(row => (IReadOnlyList<string>)new[] { row.Source, row.Shots is { } shots ? Wording.Shots(shots) : "", row.Subset }
                    .Concat(section.UnitMetrics.Select(m => row.Values.TryGetValue(m.Name, out var s) ? FormatSummary(m, s, published: false) : "—")).ToArray()).ToList());
        }
    }

    private static string Slug(string text) => new([.. text.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')]);

    private static string FormatSummary(Core.Metrics.MetricDefinition metric, Core.Statistics.Summary summary, bool published) =>
        published ? Wording.Value(metric, summary.Mean)
        : summary.Count > 1 ? $"{Wording.Value(metric, summary.Mean)} ± {Wording.Value(metric, summary.StdDev)} (n={summary.Count})"
        : $"{Wording.Value(metric, summary.Mean)} (n={summary.Count})";

    private static IEnumerable<Block> UntrainedBlocks(SweepReport report)
    {
        if (report.Untrained.Count == 0)
            yield break;
        yield return new Heading(2, "Against the untrained backbone", "untrained");
        yield return new Paragraph(
            "Each source against scratch (a random, untrained backbone under the same protocol) in every (task, protocol, shots) cell both were " +
            "evaluated in: paired by seed on the task's headline metric, Holm-corrected over each source's cells at α = " + report.Alpha.ToString(Invariant) +
            " (as `facerep results compare SOURCE scratch`). Each entry counts the cells where the source is better, worse, indistinguishable, " +
            "and untestable (fewer than three matched seeds). A source that is nowhere better has not been shown to learn anything the task can use.");
        var order = report.Sections.Select(s => (s.Task, s.Protocol)).ToList();
        var tasks = report.Untrained.SelectMany(a => a.Tasks.Select(t => (t.Task, t.Protocol))).Distinct().OrderBy(order.IndexOf).ToList();
        yield return new Table("untrained", ["source", .. tasks.Select(t => $"{t.Task} · {t.Protocol}")],
            report.Untrained.Select(a => (IReadOnlyList<string>)
            [
                a.Source,
                .. tasks.Select(t => a.Tasks.FirstOrDefault(v => (v.Task, v.Protocol) == t) is { } v ? Verdicts(v) : "—"),
            ]).ToList());
    }

    private static string Verdicts(TaskVerdicts v) =>
        v.Untestable == v.Cells ? $"untestable ({v.Cells} of {v.Cells} cells under 3 seeds)"
        : $"better {v.Better} · worse {v.Worse} · indistinguishable {v.Indistinguishable}" + (v.Untestable > 0 ? $" · untestable {v.Untestable}" : "") + $" (of {v.Cells})";

    private static IEnumerable<Block> CurveBlocks(TrainingCurves curves, bool charts)
    {
        if (curves.Pretraining.Count == 0 && curves.Heads.Count == 0)
            yield break;
        yield return new Heading(2, "Training curves", "curves");
        if (curves.Pretraining.Count > 0)
        {
            yield return new Paragraph(
                $"Each pre-training job's loss (the mean over the steps between two points) and its online k-NN identity accuracy on a held-out probe of " +
                $"{Core.Experiments.KnnProbe.Identities} SynthFace identities (cosine, k = 20, weighted vote; chance {100.0 / Core.Experiments.KnnProbe.Identities:0.#}%), " +
                "measured before the first step (the untrained backbone) and at intervals after. A source whose k-NN accuracy ends near the untrained " +
                "backbone's has features no better than a random network's for telling identities apart.");
            yield return new Table("curves", ["source", "steps", "loss first", "loss last", "k-NN untrained", "k-NN end", "end ÷ untrained"],
                curves.Pretraining.Select(c => (IReadOnlyList<string>)
                [
                    c.Source, c.Points.Max(p => p.Step).ToString(Invariant), Number(c.LossFirst), Number(c.LossLast), Percent(c.KnnStart), Percent(c.KnnEnd),
                    c.KnnStart is > 0 && c.KnnEnd is { } end ? (end / c.KnnStart.Value).ToString("0.00", Invariant) + "×" : "—",
                ]).ToList());
            if (charts)
            {
                yield return new Chart("pretraining-loss.png", "pre-training loss against step, per source", CurveCharts.PretrainingLoss(curves.Pretraining));
                if (curves.Pretraining.Any(c => c.KnnStart is not null))
                    yield return new Chart("pretraining-knn.png", "online k-NN identity accuracy against step, per source", CurveCharts.PretrainingKnn(curves.Pretraining, Core.Experiments.KnnProbe.Identities));
            }
        }

        if (charts)
        {
            foreach (var task in curves.Heads.GroupBy(h => (h.Task, h.Protocol)))
            {
                var heads = task.ToList();
                yield return new Chart($"head-loss-{task.Key.Task}-{task.Key.Protocol}.png", $"{task.Key.Task} {task.Key.Protocol}: head loss against step, per source", CurveCharts.HeadLoss(heads));
            }
        }
    }

    private static string Number(double? value) => value is { } v ? v.ToString("G4", Invariant) : "—";

    private static string Percent(double? value) => value is { } v ? (v * 100).ToString("0.0", Invariant) + "%" : "—";

    private static IEnumerable<Block> TuningBlocks(HyperSelectionResult tuning)
    {
        var rates = tuning.Choices.SelectMany(c => c.Candidates.Select(k => k.LearningRate)).Distinct().Order().ToList();
        yield return new Heading(2, "Learning-rate selection", "tuning");
        yield return new Paragraph(
            $"{tuning.Choices.Count} cells (source, task, protocol, shots, seed) ran {rates.Count} learning rates each " +
            $"({string.Join(", ", rates.Select(r => r.ToString("G4", Invariant)))}). In each, the run with the best validation value of the task's headline metric " +
            "was kept, and everything in this report uses its test metrics; test metrics took no part in the choice." +
            (tuning.Unselectable > 0 ? $" {tuning.Unselectable} tuned cells had no finite validation metric and are left out." : ""));
        var headers = new List<string> { "task", "protocol", "shots" };
        headers.AddRange(rates.Select(r => $"lr {r.ToString("G4", Invariant)} chosen"));
        yield return new Table("tuning", headers, tuning.Choices
            .GroupBy(c => (c.Task, c.Protocol, c.Shots))
            .OrderBy(g => g.Key.Task, StringComparer.Ordinal).ThenBy(g => g.Key.Protocol, StringComparer.Ordinal).ThenBy(g => g.Key.Shots)
            .Select(g => (IReadOnlyList<string>)new[] { g.Key.Task, g.Key.Protocol, Wording.Shots(g.Key.Shots) }
                .Concat(rates.Select(r => $"{g.Count(c => c.Chosen == r)} of {g.Count()}")).ToList())
            .ToList());
    }

    private static Table EvidenceTable(Question question)
    {
        var withProtocol = question.Evidence.Select(e => e.Protocol).Distinct().Count() > 1;
        // Estimates are signed so that positive is the hypothesised direction, whatever the metric's direction.
        var estimate = question.Key == "gain-vs-shots"
            ? "gain lost per 10× more shots [95% CI]"
            : $"gain of {question.Evidence[0].First} over {question.Evidence[0].Second} [95% CI]";
        return new Table("evidence", ["task", "metric", "n", estimate, "d_z", "p", "Holm p", "verdict"],
            question.Evidence.Select(e => (IReadOnlyList<string>)
            [
                Wording.Scope(e, withProtocol), $"{e.Metric.Name}{Unit(e)}", e.Count.ToString(Invariant), Wording.Estimate(e),
                Wording.Effect(e.EffectSize), Wording.P(e.P), Wording.P(e.HolmP), Wording.Verdict(e.Support),
            ]).ToList());
    }

    private static Table BestTable(Question question) =>
        new("evidence", ["task", "protocol", "shots", "best mean", "runner-up", "seeds", "margin [95% CI]", "Holm p", "verdict"],
            question.Evidence.Select(e => (IReadOnlyList<string>)
            [
                e.Task, e.Protocol, e.Shots is { } shots ? Wording.Shots(shots) : "", e.First, e.Second, e.Count.ToString(Invariant),
                Wording.Estimate(e) + Unit(e), Wording.P(e.HolmP), Wording.BestVerdict(e),
            ]).ToList());

    private static string Unit(Evidence e) => e.Metric.DisplayUnit.Length > 0 ? $" ({e.Metric.DisplayUnit})" : "";

    private static Table ResultsTable(TaskSection section)
    {
        var rows = section.Sources.Select(source => (IReadOnlyList<string>)
            new[] { source }.Concat(section.Shots.Select(shots => section.Cell(source, shots) is { } c
                ? $"{Wording.Value(section.Metric, c.Summary.Mean)} ± {Wording.Value(section.Metric, c.Summary.StdDev)} " +
                  $"[{Wording.Value(section.Metric, c.Interval.Lower)}, {Wording.Value(section.Metric, c.Interval.Upper)}] (n={c.Summary.Count})"
                : "—")).ToList()).ToList();
        if (section.Floors.Count > 0)
        {
            // What the training labels alone give: a source at or beyond it has learned nothing useful.
            rows.Add(new[] { Wording.FloorLabel }.Concat(section.Shots.Select(shots =>
                section.Floors.TryGetValue(shots, out var f) ? Wording.Value(section.Metric, f) : "—")).ToList());
        }

        if (section.Ceiling is { } c)
        {
            // What the architecture reaches on the task with every label and a long budget, from
            // scratch: the same reference under every column, not one of the sources.
            var value = $"{Wording.Value(section.Metric, c.Summary.Mean)} ± {Wording.Value(section.Metric, c.Summary.StdDev)} (n={c.Summary.Count})";
            rows.Add(new[] { Wording.CeilingLabel }.Concat(section.Shots.Select(_ => value)).ToList());
        }

        return new Table("results", new[] { "source" }.Concat(section.Shots.Select(Wording.Shots)).ToList(), rows);
    }

    private static Table RankTable(SweepReport report)
    {
        var cells = report.Rankings;
        var headers = new List<string> { "source", "mean rank" };
        var protocols = report.Sections.Select(s => s.Protocol).Distinct().Count() > 1;
        headers.AddRange(cells.Select(c => $"{c.Task} {(protocols ? c.Protocol + " " : "")}{Wording.Shots(c.Shots)}"));
        var rows = new List<IReadOnlyList<string>>();
        var heat = new List<IReadOnlyList<double?>>();
        foreach (var (source, meanRank, _) in report.MeanRanks)
        {
            var row = new List<string> { source, meanRank.ToString("0.0", Invariant) };
            var rowHeat = new List<double?> { null, Heat(meanRank, report.MeanRanks.Count) };
            foreach (var cell in cells)
            {
                row.Add(cell.Ranks.TryGetValue(source, out var rank) ? rank.ToString("0.#", Invariant) : "—");
                rowHeat.Add(cell.Ranks.TryGetValue(source, out var r) ? Heat(r, cell.Ranks.Count) : null);
            }

            rows.Add(row);
            heat.Add(rowHeat);
        }

        return new Table("ranks", headers, rows, heat);
    }

    private static string Count(int n, string noun) => $"{n.ToString(Invariant)} {noun}{(n == 1 ? "" : "s")}";

    private static double Heat(double rank, int count) => count <= 1 ? 0 : (rank - 1) / (count - 1);
}
