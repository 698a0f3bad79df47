using FaceRep.Grid.Abstractions;
using Spectre.Console;

namespace FaceRep.Cli;

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
            try
            {
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
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                final = null;
            }

            if (final is null && cancellationToken.IsCancellationRequested)
            {
                // Ctrl-C stops the watch, not the sweep.
                console.MarkupLineInterpolated($"Stopped watching sweep [bold]{name}[/]; it goes on in the cluster (facerep sweep watch {name} follows it again).");
                return ExitCodes.Interrupted;
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
