using System.Globalization;
using FaceRep.Core.Metrics;
using FaceRep.Core.Specs;
using FaceRep.Grid.Planning;
using FaceRep.Grid.Abstractions;
using FaceRep.Results.Analysis;
using FaceRep.Results.Store;
using Spectre.Console;

namespace FaceRep.Cli;

/// <summary>Submits a sweep, shows its progress until it ends, and prints its results table.</summary>
public sealed class SweepRunner(IClusterClient client, IResultStore results, IAnsiConsole console)
{
    /// <summary>Runs the sweep to the end and returns the exit code.</summary>
    /// <param name="plan">The planned sweep.</param>
    /// <param name="reports">Directory under which the sweep's report is written (in a folder named after it), or null for none.</param>
    /// <param name="retryFailed">Run again the jobs that failed in an earlier run.</param>
    /// <param name="cancellationToken">Stops watching (throws <see cref="OperationCanceledException"/>); the caller stops the jobs.</param>
    public async Task<int> RunAsync(SweepPlan plan, string? reports, bool retryFailed, CancellationToken cancellationToken)
    {
        var grid = plan.Grid;
        var spec = grid.Spec;
        var sweep = client.GetGrain<ISweepGrain>(spec.Name);

        console.MarkupLineInterpolated($"Sweep [bold]{spec.Name}[/]: {grid.Pretrain.Count} pre-training and {grid.Evaluations.Count} evaluation jobs.");
        var submitted = await sweep.SubmitAsync(plan.Submission());
        if (!submitted.Accepted)
        {
            console.MarkupLineInterpolated($"[red]Refused:[/] {submitted.Error}");
            return ExitCodes.BadInput;
        }

        var status = submitted.Status;
        if (status.FailedAtSubmit > 0 && retryFailed)
        {
            var retried = await sweep.RetryFailedAsync();
            status = await sweep.GetStatusAsync();
            console.MarkupLineInterpolated($"Running again {retried} job(s) that failed in an earlier run.");
        }

        if (status.ReusedAtSubmit > 0 || status.FailedAtSubmit > 0)
            console.MarkupLine(Reusing(status, retryFailed));

        var final = await SweepWatch.For(console).FollowAsync(client, spec.Name, cancellationToken);
        await PrintResultsAsync(spec, cancellationToken);
        if (reports is not null && await ReportCommand.BuildAsync(results, spec.Name, Path.GetDirectoryName(Path.GetFullPath(reports)) ?? reports, 0.05, cancellationToken) is { } report)
            ReportCommand.PrintSummary(console, report, Reports.ReportWriter.Write(report, Path.Combine(reports, spec.Name)));
        if (final.Failed > 0)
        {
            console.MarkupLineInterpolated($"[red]{final.Failed} job(s) failed.[/] See the log for their errors; run again with --retry-failed to run them again.");
            return ExitCodes.JobFailures;
        }

        return ExitCodes.Ok;
    }

    /// <summary>The line that says what earlier runs left: finished jobs reused, failed ones apart.</summary>
    internal static string Reusing(SweepStatus status, bool retried)
    {
        var parts = new List<string>();
        if (status.ReusedAtSubmit > 0)
            parts.Add($"Reusing {status.ReusedAtSubmit} finished job(s) from earlier runs");
        if (status.FailedAtSubmit > 0)
        {
            parts.Add(retried
                ? $"{status.FailedAtSubmit} that failed earlier run again"
                : $"[red]{status.FailedAtSubmit} failed in an earlier run[/] and stay failed (--retry-failed runs them again)");
        }

        parts.Add($"{status.Total - status.Succeeded - status.Failed} to run.");
        var line = string.Join("; ", parts);
        return char.ToUpperInvariant(line[0]) + line[1..];
    }

    /// <summary>
    /// Each trained source's verdict against the untrained backbone per (task, protocol, shots), as the
    /// report's "Against the untrained backbone" decides it: paired by seed, Holm over the source's cells.
    /// </summary>
    internal static Dictionary<(string Source, string Task, string Protocol, double Shots), Verdict> AgainstUntrained(IReadOnlyList<ResultRow> rows) =>
        Reports.AgainstUntrained.Cells(HyperSelection.Select(rows).Rows, rows.Select(r => r.Pretrain).Distinct(StringComparer.Ordinal), 0.05)
            .SelectMany(s => s.Cells.Select(c => (Key: (s.Source, c.Task, c.Protocol, c.Shots), c.Verdict)))
            .ToDictionary(p => p.Key, p => p.Verdict);

    /// <summary>The mark a cell gets for its verdict against the untrained backbone.</summary>
    internal static string Mark(Verdict? verdict) => verdict switch
    {
        Verdict.FirstBetter => " [green]▲[/]",
        Verdict.SecondBetter => " [red]▼[/]",
        Verdict.Inconclusive => " [dim]=[/]",
        _ => "",
    };

    private async Task PrintResultsAsync(SweepSpec spec, CancellationToken cancellationToken)
    {
        var stored = await results.ReadAsync(spec.Name, cancellationToken);
        var verdicts = AgainstUntrained(stored);
        // A benchmark's scope names its kind when its name is not it; the results know the kind.
        string Scope(BenchmarkTaskSpec b) => stored.FirstOrDefault(r => r.Task == b.Task && r.Benchmark == b.Benchmark)?.Scope ?? TaskScopes.Of(b.Task, b.Benchmark, b.Kind);
        foreach (var task in spec.Tasks.Concat(spec.Benchmarks.Select(Scope)))
        {
            var metric = MetricDefinitions.ForTask(task)[0];
            var rows = await results.SummariseAsync(spec.Name, metric.Name, cancellationToken);
            // Every evaluation also measured the constant predictor on its subset's labels: the floor.
            var floors = await results.SummariseAsync(spec.Name, MetricDefinitions.FloorPrefix + metric.Name, cancellationToken);
            var ceiling = rows.FirstOrDefault(r => r.Task == task && r.Protocol == KnownNames.CeilingProtocol);
            foreach (var protocol in spec.Protocols)
            {
                var cells = rows.Where(r => r.Task == task && r.Protocol == protocol).ToList();
                var floorCells = floors.Where(r => r.Task == task && r.Protocol == protocol).ToList();
                var arrow = metric.Direction == MetricDirection.LowerIsBetter ? "lower is better" : "higher is better";
                var table = new Table()
                    .Title($"{task} · {protocol} · {metric.Name}{(metric.DisplayUnit.Length > 0 ? $" ({metric.DisplayUnit})" : "")}, mean ± std over seeds ({arrow})")
                    .AddColumn("pre-training");
                foreach (var shots in spec.Shots)
                    table.AddColumn(new TableColumn($"{shots * 100:0.##}% shots").RightAligned());

                foreach (var source in cells.Select(c => c.Pretrain).Distinct())
                {
                    var line = new List<string> { Markup.Escape(source) };
                    foreach (var shots in spec.Shots)
                    {
                        var cell = cells.FirstOrDefault(c => c.Pretrain == source && c.Shots == shots);
                        line.Add(cell is null
                            ? "–"
                            : string.Create(CultureInfo.InvariantCulture,
                                $"{cell.Mean * metric.DisplayScale:F2} ± {cell.StdDev * metric.DisplayScale:F2} (n={cell.Count})")
                              + Mark(verdicts.TryGetValue((source, task, protocol, shots), out var verdict) ? verdict : null));
                    }

                    table.AddRow(line.ToArray());
                }

                if (floorCells.Count > 0)
                {
                    // The same subsets under every source: one floor per shot count.
                    var line = new List<string> { "[dim]floor: labels alone[/]" };
                    foreach (var shots in spec.Shots)
                    {
                        var at = floorCells.Where(c => c.Shots == shots).ToList();
                        line.Add(at.Count == 0
                            ? "–"
                            : string.Create(CultureInfo.InvariantCulture, $"[dim]{at.Average(c => c.Mean) * metric.DisplayScale:F2}[/]"));
                    }

                    table.AddRow(line.ToArray());
                }

                if (ceiling is not null && spec.Ceiling is { } budget)
                {
                    // The same reference under every column: the untrained backbone fine-tuned on all labels, long.
                    var value = string.Create(CultureInfo.InvariantCulture,
                        $"[dim]{ceiling.Mean * metric.DisplayScale:F2} ± {ceiling.StdDev * metric.DisplayScale:F2} (n={ceiling.Count})[/]");
                    table.AddRow(new[] { $"[dim]ceiling: scratch, all labels, {budget.Steps} steps[/]" }.Concat(spec.Shots.Select(_ => value)).ToArray());
                }

                console.Write(table);
            }
        }

        if (verdicts.Count > 0)
        {
            console.MarkupLine("Against the untrained backbone (scratch), paired over seeds, Holm over each source's cells: "
                + "[green]▲[/] better, [red]▼[/] worse, [dim]=[/] indistinguishable; no mark: fewer than three matched seeds.");
        }
    }
}
