using System.CommandLine;
using System.Globalization;
using FaceRep.Core.Experiments;
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
        var command = new Command("submit", "Submit a sweep spec to the cluster; submitting it again resumes it (finished jobs are kept).") { spec, watch, plain };
        cluster.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            var console = AnsiConsole.Console;
            var path = result.GetValue(spec)!;
            SweepPlan plan;
            try
            {
                plan = SweepPlanner.Plan(new SweepSpecParser().ReadFile(path), Path.GetFileName(path));
            }
            catch (SpecException e)
            {
                return Commands.ReportSpecErrors(console, e);
            }

            return await cluster.WithConnectionAsync(result, console, cancellationToken, async connection =>
            {
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

/// <summary>
/// <c>sweep watch</c>: polls the sweep's progress, shows it live (or a line per change), and
/// reconnects when the cluster drops the connection, for up to <see cref="ReconnectFor"/>.
/// </summary>
internal sealed class SweepWatch(IAnsiConsole console, bool plain)
{
    /// <summary>How long the watch keeps trying to reconnect before giving up with exit code 3.</summary>
    public static readonly TimeSpan ReconnectFor = TimeSpan.FromMinutes(5);

    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);
    private readonly Pace _pace = new();
    private readonly HashSet<string> _reported = new(StringComparer.Ordinal);

    /// <summary>Follows an existing sweep to its end; returns the exit code.</summary>
    public async Task<int> RunAsync(ClusterConnection connection, string name, CancellationToken cancellationToken)
    {
        var current = connection;
        var owned = new List<ClusterConnection>();
        try
        {
            SweepProgress? final = null;
            if (plain)
            {
                final = await LoopAsync(() => current, c => { current = c; owned.Add(c); }, name, p => PrintLine(p), cancellationToken);
            }
            else
            {
                await console.Live(new Text($"Sweep {name}: connecting…")).AutoClear(false).StartAsync(async live =>
                {
                    final = await LoopAsync(() => current, c => { current = c; owned.Add(c); }, name, p =>
                    {
                        live.UpdateTarget(SweepView.Render(p, _pace.Eta(p.Status), DateTime.UtcNow, _note));
                        live.Refresh();
                    }, cancellationToken);
                });
            }

            if (final is null)
                return ExitCodes.Unreachable;
            var s = final.Status;
            if (s.IsCancelled)
            {
                console.MarkupLineInterpolated($"Sweep [bold]{name}[/] was cancelled: {s.Succeeded} succeeded, {s.Failed} failed, of {s.Total}.");
                return ExitCodes.JobFailures;
            }

            console.MarkupLineInterpolated($"Sweep [bold]{name}[/] finished: {s.Succeeded} succeeded, {s.Failed} failed, of {s.Total}.");
            console.MarkupLineInterpolated($"The report: facerep report {name} --postgres CONN (or FACEREP_POSTGRES)");
            return s.Failed > 0 ? ExitCodes.JobFailures : ExitCodes.Ok;
        }
        finally
        {
            foreach (var c in owned)
                await c.DisposeAsync();
        }
    }

    private string? _note;

    /// <summary>Polls until the sweep ends; null if the cluster could not be reached again in time.</summary>
    private async Task<SweepProgress?> LoopAsync(Func<ClusterConnection> connection, Action<ClusterConnection> reconnected, string name,
        Action<SweepProgress> show, CancellationToken cancellationToken)
    {
        var lastFailed = -1;
        SweepProgress? progress = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var grain = connection().Client.GetGrain<ISweepGrain>(name);
                var latest = await grain.GetProgressAsync(0);
                // Failures are read (from their jobs) only when there are new ones.
                if (latest.Status.Failed != lastFailed && latest.Status.Failed > 0)
                    latest = await grain.GetProgressAsync(5);
                else if (progress is not null)
                    latest = latest with { Failures = progress.Failures };
                lastFailed = latest.Status.Failed;
                progress = latest;
                _note = null;
                _pace.Observe(latest.Status);
                show(latest);
                if (latest.Status.IsComplete || latest.Status.IsCancelled)
                    return latest;
                await Task.Delay(Poll, cancellationToken);
            }
            catch (Exception e) when (ClusterConnection.IsConnectionError(e))
            {
                var lost = DateTime.UtcNow;
                _note = $"connection lost ({ClusterConnection.Reason(e)}); reconnecting";
                if (plain)
                    console.MarkupLineInterpolated($"  [yellow]{_note}…[/]");
                else if (progress is not null)
                    show(progress);
                var fresh = await ReconnectAsync(connection().Target, lost, cancellationToken);
                if (fresh is null)
                {
                    console.MarkupLineInterpolated($"[red]error:[/] lost the cluster {connection().Target} and could not reach it again within {ReconnectFor.TotalMinutes:0} min");
                    return null;
                }

                reconnected(fresh);
                if (plain)
                    console.MarkupLineInterpolated($"  [green]reconnected[/] after {(DateTime.UtcNow - lost).TotalSeconds:0.0} s");
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        return progress;
    }

    private async Task<ClusterConnection?> ReconnectAsync(ClusterTarget target, DateTime since, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(500);
        while (DateTime.UtcNow - since < ReconnectFor)
        {
            await Task.Delay(delay, cancellationToken);
            try
            {
                return await ClusterConnection.OpenAsync(target, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }

        return null;
    }

    private string? _lastLine;

    private void PrintLine(SweepProgress progress)
    {
        var line = SweepView.Line(progress, _pace.Eta(progress.Status));
        if (line != _lastLine)
        {
            console.MarkupLine($"  [[{DateTime.Now:HH:mm:ss}]] {line}");
            _lastLine = line;
        }

        foreach (var failure in progress.Failures.Where(f => _reported.Add(f.JobId)).Reverse())
            console.MarkupLineInterpolated($"  [red]✗[/] {failure.Kind.ToString().ToLowerInvariant()} job {failure.JobId} failed ({failure.Failure?.ToString() ?? "?"}, {failure.Attempts} attempt(s)): {failure.Error ?? ""}");
    }

    /// <summary>The pace of the sweep as observed by this watch: jobs finished per second over the last few minutes.</summary>
    private sealed class Pace
    {
        private static readonly TimeSpan Window = TimeSpan.FromMinutes(5);
        private readonly Queue<(DateTime At, int Done)> _samples = new();

        public void Observe(SweepStatus status)
        {
            var now = DateTime.UtcNow;
            _samples.Enqueue((now, status.Succeeded + status.Failed));
            while (_samples.Count > 2 && now - _samples.Peek().At > Window)
                _samples.Dequeue();
        }

        /// <summary>Time left at the observed pace; null until a job has been seen to finish.</summary>
        public TimeSpan? Eta(SweepStatus status)
        {
            if (_samples.Count < 2)
                return null;
            var (firstAt, firstDone) = _samples.Peek();
            var (lastAt, lastDone) = _samples.Last();
            var seconds = (lastAt - firstAt).TotalSeconds;
            if (lastDone <= firstDone || seconds <= 0)
                return null;
            var left = status.Total - status.Succeeded - status.Failed;
            return TimeSpan.FromSeconds(left / ((lastDone - firstDone) / seconds));
        }
    }
}

/// <summary>How a sweep's progress is shown.</summary>
internal static class SweepView
{
    private const int BarWidth = 32;

    /// <summary>A sweep's state in a word.</summary>
    public static string State(SweepStatus s) =>
        s.IsCancelled ? "[yellow]cancelled[/]"
        : s.IsComplete ? (s.Failed > 0 ? "[red]finished with failures[/]" : "[green]complete[/]")
        : s.Running > 0 ? "running"
        : "queued";

    /// <summary>One line: done of total, by state, and the ETA.</summary>
    public static string Line(SweepProgress p, TimeSpan? eta)
    {
        var s = p.Status;
        var failed = s.Failed > 0 ? $"[red]{s.Failed} failed[/]" : "0 failed";
        var stages = string.Join(" · ", p.Stages.Select(st => $"{StageName(st.Kind)} {st.Done}/{st.Total}"));
        return $"{s.Succeeded + s.Failed}/{s.Total} done · {s.Running} running · {s.Ready} ready · {s.Waiting} waiting · {failed} · {stages} · ETA {Eta(s, eta)}";
    }

    /// <summary>The full view: a header, a bar and counts per stage, the latest failures.</summary>
    public static Spectre.Console.Rendering.IRenderable Render(SweepProgress p, TimeSpan? eta, DateTime now, string? note = null)
    {
        var s = p.Status;
        var elapsed = s.SubmittedUtc is { } submitted ? Duration((s.CompletedUtc ?? now) - submitted) : "–";
        var header = new Markup(string.Create(CultureInfo.InvariantCulture,
            $"[bold]Sweep {Markup.Escape(s.Name)}[/] · {State(s)} · {s.Succeeded + s.Failed}/{s.Total} done · elapsed {elapsed} · ETA {Eta(s, eta)}"));
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("stage").AddColumn("progress").AddColumn(new TableColumn("done").RightAligned())
            .AddColumn(new TableColumn("running").RightAligned()).AddColumn(new TableColumn("ready").RightAligned())
            .AddColumn(new TableColumn("waiting").RightAligned()).AddColumn(new TableColumn("succeeded").RightAligned())
            .AddColumn(new TableColumn("failed").RightAligned());
        foreach (var st in p.Stages)
        {
            table.AddRow(StageName(st.Kind), Bar(st), $"{st.Done}/{st.Total}", $"{st.Running}", $"{st.Ready}", $"{st.Waiting}",
                $"[green]{st.Succeeded}[/]", st.Failed > 0 ? $"[red]{st.Failed}[/]" : "0");
        }

        var rows = new List<Spectre.Console.Rendering.IRenderable> { header, table };
        if (p.Failures.Count > 0)
        {
            var failures = new Table().Border(TableBorder.Simple).Title("[red]latest failures[/]")
                .AddColumns("finished (UTC)", "stage", "job", "kind", "error");
            foreach (var f in p.Failures)
            {
                failures.AddRow(f.FinishedUtc?.ToString("HH:mm:ss", CultureInfo.InvariantCulture) ?? "–", StageName(f.Kind), Markup.Escape(f.JobId[..Math.Min(12, f.JobId.Length)]),
                    f.Failure?.ToString() ?? "?", Markup.Escape(Truncate(f.Error ?? "", 90)));
            }

            rows.Add(failures);
        }

        if (note is not null)
            rows.Add(new Markup($"[yellow]{Markup.Escape(note)}…[/]"));
        return new Rows(rows);
    }

    private static string StageName(JobKind kind) => kind == JobKind.Pretrain ? "pre-training" : "evaluation";

    private static string Bar(StageProgress st)
    {
        if (st.Total == 0)
            return "";
        int Cells(int n) => (int)Math.Round(n * (double)BarWidth / st.Total);
        var ok = Cells(st.Succeeded);
        var bad = Math.Min(BarWidth - ok, Cells(st.Failed));
        var running = Math.Min(BarWidth - ok - bad, Cells(st.Running));
        var rest = BarWidth - ok - bad - running;
        var percent = 100.0 * st.Done / st.Total;
        return string.Create(CultureInfo.InvariantCulture,
            $"[green]{new string('█', ok)}[/][red]{new string('█', bad)}[/][yellow]{new string('▒', running)}[/][grey]{new string('░', rest)}[/] {percent,5:0.0}%");
    }

    private static string Eta(SweepStatus s, TimeSpan? eta) =>
        s.IsComplete ? "done" : s.IsCancelled ? "–" : eta is { } e ? Duration(e) : "measuring";

    private static string Duration(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:00}m" : t.TotalMinutes >= 1 ? $"{t.Minutes}m{t.Seconds:00}s" : $"{Math.Max(0, t.Seconds)}s";

    private static string Truncate(string text, int length)
    {
        var line = text.Split('\n')[0];
        return line.Length <= length ? line : line[..(length - 1)] + "…";
    }
}
