using System.CommandLine;
using System.Globalization;
using FaceRep.Core.Specs;
using FaceRep.Grid.Abstractions;
using FaceRep.Grid.Planning;
using Spectre.Console;

namespace FaceRep.Cli;

/// <summary><c>facerep sweep submit | watch | status | list | cancel | retry</c>: sweeps on a cluster.</summary>
public static class SweepCommands
{
    /// <summary>The <c>sweep</c> verb and its sub-verbs.</summary>
    public static Command Create()
    {
        var command = new Command("sweep", "Submit, watch and manage sweeps on a cluster (--cluster or FACEREP_CLUSTER).");
        command.Subcommands.Add(Submit());
        command.Subcommands.Add(Watch());
        command.Subcommands.Add(Status());
        command.Subcommands.Add(List());
        command.Subcommands.Add(Cancel());
        command.Subcommands.Add(Retry());
        return command;
    }

    private static Argument<string> SweepArgument() => new("sweep") { Description = "The sweep's id: the name in its spec." };

    private static Option<bool> PlainOption() => new("--plain")
    {
        Description = "Print a line per change instead of a live display (the default when output is not a terminal).",
    };

    private static Command Submit()
    {
        var spec = new Argument<string>("spec") { Description = "The sweep spec (YAML)." };
        var watch = new Option<bool>("--watch") { Description = "Follow the sweep until it ends (as sweep watch)." };
        var plain = PlainOption();
        var cluster = new ClusterOptions();
        var data = new Option<string?>("--data")
        {
            Description = "Directory of imported datasets to resolve the spec's names with (default: the sets the cluster's silos hold).",
        };
        var command = new Command("submit", "Submit a sweep spec to the cluster; submitting it again resumes it (finished jobs are kept).") { spec, watch, plain, data };
        cluster.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            var console = AnsiConsole.Console;
            var path = result.GetValue(spec)!;
            string text;
            SweepPlan? plan = null;
            var dataDir = result.GetValue(data);
            try
            {
                text = new SweepSpecParser().ReadFile(path);
                // A spec naming only SynthFace sets is planned before the cluster is contacted; one naming
                // imported sets with the silos' own catalogs, unless --data gives one here.
                var names = new SweepSpecParser(checkDataset: _ => null, checkBenchmark: _ => null).Parse(text, Path.GetFileName(path));
                if (dataDir is not null || (!names.Pretrain.Any(p => !KnownNames.NeedsNoTraining(p.Method) && !KnownNames.IsSynthDataset(p.Dataset)) && names.Benchmarks.Count == 0))
                    plan = SweepPlanner.Plan(text, Path.GetFileName(path), dataDir is null ? null : Data.ImageSets.DatasetCatalog.Open([Path.GetFullPath(dataDir)]));
            }
            catch (SpecException e)
            {
                return Commands.ReportSpecErrors(console, e);
            }

            return await cluster.WithConnectionAsync(result, console, cancellationToken, async connection =>
            {
                var held = await ClusterCommands.HeldDatasetsAsync(connection);
                var heldBenchmarks = await ClusterCommands.HeldBenchmarksAsync(connection);
                try
                {
                    plan ??= SweepPlanner.Plan(text, Path.GetFileName(path), Data.ImageSets.DatasetCatalog.Of(held, $"the silos of {connection.Target}", heldBenchmarks));
                }
                catch (SpecException e)
                {
                    return Commands.ReportSpecErrors(console, e);
                }

                // A set no silo holds would leave its jobs waiting for ever.
                var contents = held.Select(h => h.Manifest.Content).ToHashSet(StringComparer.Ordinal);
                var missing = plan.Grid.Pretrain.Select(p => p.Config).Where(c => c.IsImportedDataset)
                    .SelectMany(c => c.DatasetContent!.Split('+').Select(content => (c.Dataset, Content: content)))
                    .Where(d => !contents.Contains(d.Content)).Distinct().ToList();
                foreach (var (dataset, content) in missing)
                    console.MarkupLineInterpolated($"[red]error:[/] {path}: no silo of {connection.Target} holds dataset '{dataset}' (content {content[..Math.Min(16, content.Length)]}); copy it under a silo's DatasetRoots (the silos hold: {(held.Count == 0 ? "none" : string.Join(", ", held.Select(h => h.Name).Distinct()))})");
                // Likewise a benchmark (given with --data) that no silo holds.
                var benchmarkContents = heldBenchmarks.Select(b => b.Manifest.Content).ToHashSet(StringComparer.Ordinal);
                var missingBenchmarks = plan.Grid.Evaluations.Select(e => e.Config).Where(c => c.OnBenchmark && !benchmarkContents.Contains(c.BenchmarkContent!))
                    .Select(c => (c.Benchmark, Content: c.BenchmarkContent!)).Distinct().ToList();
                foreach (var (benchmark, content) in missingBenchmarks)
                    console.MarkupLineInterpolated($"[red]error:[/] {path}: no silo of {connection.Target} holds benchmark '{benchmark}' (content {content[..Math.Min(16, content.Length)]}); copy it under a silo's DatasetRoots (the silos hold: {(heldBenchmarks.Count == 0 ? "none" : string.Join(", ", heldBenchmarks.Select(h => h.Name).Distinct()))})");
                if (missing.Count > 0 || missingBenchmarks.Count > 0)
                    return ExitCodes.BadInput;
                var grid = plan.Grid;
                var name = grid.Spec.Name;
                SubmitResult submitted;
                try
                {
                    submitted = await connection.Client.GetGrain<ISweepGrain>(name).SubmitAsync(plan.Submission());
                }
                catch (Exception e) when (ClusterConnection.IsConnectionError(e))
                {
                    console.MarkupLineInterpolated($"[red]error:[/] the cluster {connection.Target} stopped answering while taking the sweep: {ClusterConnection.Reason(e)}; submit again to resume");
                    return ExitCodes.Unreachable;
                }

                if (!submitted.Accepted)
                {
                    console.MarkupLineInterpolated($"[red]error:[/] {path}: {submitted.Error}");
                    return ExitCodes.BadInput;
                }

                await WarnUnplaceableAsync(connection, grid.Spec.Placement, console);
                var s = submitted.Status;
                console.MarkupLineInterpolated(
                    $"Submitted sweep [bold]{name}[/] to {connection.Target}: {grid.Pretrain.Count} pre-training and {grid.Evaluations.Count} evaluation jobs; {s.Succeeded + s.Failed} already finished, {s.Total - s.Succeeded - s.Failed} to run.");
                if (!result.GetValue(watch))
                {
                    console.MarkupLineInterpolated($"Follow it with: facerep sweep watch {name}");
                    return ExitCodes.Ok;
                }

                return await new SweepWatch(console, Plain(result, plain)).RunAsync(connection, name, cancellationToken);
            });
        });
        return command;
    }

    private static Command Watch()
    {
        var sweep = SweepArgument();
        var plain = PlainOption();
        var cluster = new ClusterOptions();
        var command = new Command("watch", "Follow a sweep until it ends: jobs by state, a bar per stage, an ETA from the observed pace, failures as they happen. Survives a lost connection.")
        {
            sweep, plain,
        };
        cluster.AddTo(command);
        command.SetAction((result, cancellationToken) => WithSweepAsync(result, cluster, sweep, cancellationToken,
            (connection, name, _) => new SweepWatch(AnsiConsole.Console, Plain(result, plain)).RunAsync(connection, name, cancellationToken)));
        return command;
    }

    private static Command Status()
    {
        var sweep = SweepArgument();
        var failures = new Option<int>("--failures") { Description = "How many of the latest failures to show.", DefaultValueFactory = _ => 10 };
        var cluster = new ClusterOptions();
        var command = new Command("status", "A sweep's progress now: jobs by state per stage and its latest failures. Exit code 1 if any job failed.") { sweep, failures };
        cluster.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            var console = AnsiConsole.Console;
            var n = result.GetValue(failures);
            if (n is < 0 or > 1000)
            {
                console.MarkupLineInterpolated($"[red]error:[/] --failures is {n}; use 0-1000");
                return ExitCodes.BadInput;
            }

            return await WithSweepAsync(result, cluster, sweep, cancellationToken, async (connection, name, grain) =>
            {
                var progress = await grain.GetProgressAsync(result.GetValue(failures));
                console.Write(SweepView.Render(progress, eta: null, DateTime.UtcNow));
                if (progress.Status.IsComplete)
                    console.MarkupLineInterpolated($"The report: facerep report {name} --postgres CONN (or FACEREP_POSTGRES)");
                return progress.Status.Failed > 0 ? ExitCodes.JobFailures : ExitCodes.Ok;
            });
        });
        return command;
    }

    private static Command List()
    {
        var all = new Option<bool>("--all") { Description = "Also sweeps that have finished (only unfinished ones by default)." };
        var cluster = new ClusterOptions();
        var command = new Command("list", "The cluster's sweeps: state, jobs done of total, failures.") { all };
        cluster.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            var console = AnsiConsole.Console;
            return await cluster.WithConnectionAsync(result, console, cancellationToken, async connection =>
            {
                var known = await connection.Client.GetGrain<IDispatcherGrain>(0).GetSweepsAsync();
                var shown = known.Where(k => k.Active || result.GetValue(all)).ToList();
                // A finished sweep's grain is activated only when asked for (it recounts its jobs).
                var statuses = await Task.WhenAll(shown.Select(k => connection.Client.GetGrain<ISweepGrain>(k.Name).GetStatusAsync()));
                var table = new Table().AddColumns("sweep", "submitted (UTC)", "state", "done", "running", "ready", "waiting", "failed");
                foreach (var s in statuses)
                {
                    table.AddRow(Markup.Escape(s.Name), s.SubmittedUtc?.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "–", SweepView.State(s),
                        $"{s.Succeeded + s.Failed}/{s.Total}", $"{s.Running}", $"{s.Ready}", $"{s.Waiting}", s.Failed > 0 ? $"[red]{s.Failed}[/]" : "0");
                }

                if (statuses.Length == 0)
                    console.MarkupLine(known.Count == 0 ? "No sweeps have been submitted to this cluster." : $"No unfinished sweeps ({known.Count} finished; --all lists them).");
                else
                    console.Write(table);
                return ExitCodes.Ok;
            });
        });
        return command;
    }

    private static Command Cancel()
    {
        var sweep = SweepArgument();
        var cluster = new ClusterOptions();
        var command = new Command("cancel", "Cancel a sweep: its unfinished jobs (that no other sweep needs) stop and fail as cancelled. Submitting it again resumes it.") { sweep };
        cluster.AddTo(command);
        command.SetAction((result, cancellationToken) => WithSweepAsync(result, cluster, sweep, cancellationToken, async (connection, name, grain) =>
        {
            var status = await grain.CancelAsync();
            AnsiConsole.MarkupLineInterpolated($"Cancelled sweep [bold]{name}[/]: {status.Succeeded} succeeded, {status.Failed} failed or cancelled, of {status.Total}.");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Retry()
    {
        var sweep = SweepArgument();
        var failed = new Option<bool>("--failed") { Description = "Run the sweep's failed and cancelled jobs again (required: it is what retry does)." };
        var cluster = new ClusterOptions();
        var command = new Command("retry", "Run a sweep's failed and cancelled jobs again from a clean slate.") { sweep, failed };
        cluster.AddTo(command);
        command.SetAction((result, cancellationToken) =>
        {
            if (!result.GetValue(failed))
            {
                AnsiConsole.MarkupLine("[red]error:[/] say which jobs to retry: --failed (the failed and cancelled ones)");
                return Task.FromResult(ExitCodes.BadInput);
            }

            return WithSweepAsync(result, cluster, sweep, cancellationToken, async (connection, name, grain) =>
            {
                var retried = await grain.RetryFailedAsync();
                AnsiConsole.MarkupLineInterpolated(retried == 0
                    ? (FormattableString)$"Sweep [bold]{name}[/] has no failed jobs to retry."
                    : (FormattableString)$"Sweep [bold]{name}[/]: {retried} failed job(s) run again. Follow it with: facerep sweep watch {name}");
                return ExitCodes.Ok;
            });
        });
        return command;
    }

    /// <summary>Says so when a stage asks for a kind of device no silo of the cluster has now: its jobs wait until one joins.</summary>
    private static async Task WarnUnplaceableAsync(ClusterConnection connection, PlacementSpec placement, IAnsiConsole console)
    {
        if (placement == PlacementSpec.Anywhere)
            return;
        var kinds = await ClusterCommands.DeviceKindsAsync(connection);
        foreach (var (stage, kind) in new[] { ("pre-training", placement.Pretrain), ("evaluation", placement.Evaluate) })
        {
            if (kind != PlacementSpec.Any && !kinds.Contains(kind))
                console.MarkupLineInterpolated($"[yellow]warning:[/] the {stage} jobs must run on a {kind} device and no silo of the cluster has one now; they wait until such a silo joins");
        }
    }

    /// <summary>True for a line-per-change display: asked for, or output is not a terminal.</summary>
    private static bool Plain(ParseResult result, Option<bool> plain) =>
        result.GetValue(plain) || Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive;

    /// <summary>Connects, checks that the sweep exists, and runs <paramref name="action"/> on it.</summary>
    private static async Task<int> WithSweepAsync(ParseResult result, ClusterOptions cluster, Argument<string> sweep, CancellationToken cancellationToken,
        Func<ClusterConnection, string, ISweepGrain, Task<int>> action)
    {
        var console = AnsiConsole.Console;
        return await cluster.WithConnectionAsync(result, console, cancellationToken, async connection =>
        {
            var name = result.GetValue(sweep)!;
            var grain = connection.Client.GetGrain<ISweepGrain>(name);
            if (await SweepExistsAsync(connection, name) is false)
            {
                console.MarkupLineInterpolated($"[red]error:[/] the cluster {connection.Target} has no sweep '{name}'; 'facerep sweep list --all' lists them");
                return ExitCodes.BadInput;
            }

            return await action(connection, name, grain);
        });
    }

    /// <summary>
    /// Whether the cluster knows the sweep: the dispatcher lists every sweep ever tracked, so a
    /// mistyped id does not create (and persist) a sweep grain.
    /// </summary>
    private static async Task<bool> SweepExistsAsync(ClusterConnection connection, string name) =>
        (await connection.Client.GetGrain<IDispatcherGrain>(0).GetSweepsAsync()).Any(k => k.Name == name);
}
