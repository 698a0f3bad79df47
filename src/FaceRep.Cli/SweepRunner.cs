using System.Globalization;
using FaceRep.Core.Experiments;
using FaceRep.Core.Metrics;
using FaceRep.Core.Specs;
using FaceRep.Data;
using FaceRep.Grid.Abstractions;
using FaceRep.Results.Store;
using FaceRep.Training.Backbones;
using FaceRep.Training.Methods;
using FaceRep.Training.Runs;
using Spectre.Console;

namespace FaceRep.Cli;

/// <summary>Submits a sweep, shows its progress until it ends, and prints its results table.</summary>
public sealed class SweepRunner(IClusterClient client, IResultStore results, IAnsiConsole console)
{
    /// <summary>Parses, validates and expands a spec, refusing anything this build cannot run.</summary>
    /// <exception cref="SpecException">The spec is invalid or asks for something unavailable.</exception>
    public static GridExpansion Prepare(string specText, string fileName)
    {
        var spec = new SweepSpecParser().Parse(specText, fileName);
        var errors = new List<SpecError>();
        void Unavailable(string field, string what, string value, IEnumerable<string> available) =>
            errors.Add(new SpecError(fileName, 0, 0, field, $"{what} '{value}' is not available in this build yet; available: {string.Join(", ", available)}"));

        if (!BackboneRegistry.Names.Contains(spec.Backbone.Arch))
            Unavailable("backbone.arch", "architecture", spec.Backbone.Arch, BackboneRegistry.Names);
        foreach (var method in spec.Pretrain.Select(p => p.Method).Distinct().Where(m => !PretrainMethods.IsAvailable(m)))
            Unavailable("pretrain", "method", method, PretrainMethods.Available);
        foreach (var dataset in spec.Pretrain.Where(p => !KnownNames.NeedsNoTraining(p.Method)).Select(p => p.Dataset).Distinct().Where(d => !SynthFaceCatalog.IsKnown(d)))
            Unavailable("pretrain", "dataset", dataset, SynthFaceCatalog.PretrainDatasets);
        foreach (var task in spec.Tasks.Where(t => !JobRunner.AvailableTasks.Contains(t)))
            Unavailable("tasks", "task", task, JobRunner.AvailableTasks);
        if (errors.Count > 0)
            throw new SpecException(errors);

        // Each method checks its own settings and options, so a bad one is refused before anything runs.
        var grid = GridExpander.Expand(spec);
        foreach (var job in grid.Pretrain)
        {
            foreach (var problem in PretrainMethods.Get(job.Config.Method).Validate(job.Config))
                errors.Add(new SpecError(fileName, 0, 0, $"pretrain ({job.Config.Label})", problem));
        }

        if (errors.Count > 0)
            throw new SpecException(errors);
        return grid;
    }

    /// <summary>Runs the sweep to the end and returns the exit code.</summary>
    /// <param name="grid">The expanded sweep.</param>
    /// <param name="specText">Its spec.</param>
    /// <param name="reports">Directory under which the sweep's report is written (in a folder named after it), or null for none.</param>
    /// <param name="cancellationToken">Stops watching.</param>
    public async Task<int> RunAsync(GridExpansion grid, string specText, string? reports, CancellationToken cancellationToken)
    {
        var spec = grid.Spec;
        var sweep = client.GetGrain<ISweepGrain>(spec.Name);

        console.MarkupLineInterpolated($"Sweep [bold]{spec.Name}[/]: {grid.Pretrain.Count} pre-training and {grid.Evaluations.Count} evaluation jobs.");
        var submitted = await sweep.SubmitAsync(SweepSubmissions.From(grid, specText));
        if (!submitted.Accepted)
        {
            console.MarkupLineInterpolated($"[red]Refused:[/] {submitted.Error}");
            return ExitCodes.BadInput;
        }

        if (submitted.Status.ReusedAtSubmit > 0)
        {
            console.MarkupLineInterpolated(
                $"Reusing {submitted.Status.ReusedAtSubmit} finished job(s) from earlier runs; {submitted.Status.Total - submitted.Status.Succeeded - submitted.Status.Failed} to run.");
        }

        var final = await WatchAsync(sweep, submitted.Status, cancellationToken);
        await PrintResultsAsync(spec, cancellationToken);
        if (reports is not null && await ReportCommand.BuildAsync(results, spec.Name, Path.GetDirectoryName(Path.GetFullPath(reports)) ?? reports, 0.05, cancellationToken) is { } report)
            ReportCommand.PrintSummary(console, report, Reports.ReportWriter.Write(report, Path.Combine(reports, spec.Name)));
        if (final.Failed > 0)
        {
            console.MarkupLineInterpolated($"[red]{final.Failed} job(s) failed.[/] See the log for their errors.");
            return ExitCodes.JobFailures;
        }

        return ExitCodes.Ok;
    }

    private async Task<SweepStatus> WatchAsync(ISweepGrain sweep, SweepStatus initial, CancellationToken cancellationToken)
    {
        var watcher = new Watcher();
        var reference = client.CreateObjectReference<ISweepObserver>(watcher);
        await sweep.SubscribeAsync(reference);
        var started = DateTime.UtcNow;
        var resubscribe = new Every(ResubscribePeriod, started);
        var status = initial;
        string? last = null;
        try
        {
            while (true)
            {
                var counts = Describe(status);
                if (counts != last)
                {
                    console.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"  [[{DateTime.UtcNow - started:mm\\:ss}]] {counts}"));
                    last = counts;
                }

                if (status.IsComplete || status.IsCancelled)
                    return status;

                // Notifications wake us early; the poll keeps progress honest if one is lost.
                await watcher.NextAsync(TimeSpan.FromSeconds(1), cancellationToken);
                status = await sweep.GetStatusAsync();
                // A subscription lapses if the sweep grain moves (its silo restarts): renew it now and then.
                if (resubscribe.Due(DateTime.UtcNow))
                    await sweep.SubscribeAsync(reference);
            }
        }
        finally
        {
            await sweep.UnsubscribeAsync(reference);
            client.DeleteObjectReference<ISweepObserver>(reference);
        }
    }

    /// <summary>How often the watch renews its subscription to the sweep's notifications.</summary>
    private static readonly TimeSpan ResubscribePeriod = TimeSpan.FromMinutes(1);

    private static string Describe(SweepStatus s)
    {
        var done = s.Succeeded + s.Failed;
        var failed = s.Failed > 0 ? $"[red]{s.Failed} failed[/]" : "0 failed";
        return $"{done}/{s.Total} done · {s.Running} running · {s.Ready} ready · {s.Waiting} waiting · {failed}";
    }

    private async Task PrintResultsAsync(SweepSpec spec, CancellationToken cancellationToken)
    {
        foreach (var task in spec.Tasks)
        {
            var metric = MetricDefinitions.ForTask(task)[0];
            var rows = await results.SummariseAsync(spec.Name, metric.Name, cancellationToken);
            foreach (var protocol in spec.Protocols)
            {
                var cells = rows.Where(r => r.Task == task && r.Protocol == protocol).ToList();
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
                                $"{cell.Mean * metric.DisplayScale:F2} ± {cell.StdDev * metric.DisplayScale:F2} (n={cell.Count})"));
                    }

                    table.AddRow(line.ToArray());
                }

                console.Write(table);
            }
        }
    }

    /// <summary>Receives the sweep's progress notifications.</summary>
    private sealed class Watcher : ISweepObserver
    {
        private TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnProgress(SweepStatus status) => Interlocked.Exchange(ref _signal, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

        public async Task NextAsync(TimeSpan timeout, CancellationToken cancellationToken)
        {
            try
            {
                await Volatile.Read(ref _signal).Task.WaitAsync(timeout, cancellationToken);
            }
            catch (TimeoutException)
            {
                // A poll is due.
            }
        }
    }
}
