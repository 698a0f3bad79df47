using FaceRep.Grid.Abstractions;
using Spectre.Console;

namespace FaceRep.Cli;

/// <summary>
/// The one way a sweep's progress is followed, by <c>sweep watch</c> on a cluster and by
/// <c>run</c> and <c>demo</c> in embedded mode: polls the sweep, shows it live in a terminal (a
/// bar per stage) or a line per change when the output is redirected, names each failure as it
/// happens, and on a cluster reconnects when the connection drops, for up to <see cref="ReconnectFor"/>.
/// </summary>
internal sealed class SweepWatch(IAnsiConsole console, bool plain)
{
    /// <summary>How long the watch keeps trying to reconnect before giving up with exit code 3.</summary>
    public static readonly TimeSpan ReconnectFor = TimeSpan.FromMinutes(5);

    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);
    private readonly Pace _pace = new();
    private readonly HashSet<string> _reported = new(StringComparer.Ordinal);

    /// <summary>A watch that shows live progress where <paramref name="console"/> is a terminal, lines otherwise.</summary>
    public static SweepWatch For(IAnsiConsole console) => new(console, plain: !console.Profile.Capabilities.Interactive);

    /// <summary>Follows an existing sweep on a cluster to its end; returns the exit code.</summary>
    public async Task<int> RunAsync(ClusterConnection connection, string name, CancellationToken cancellationToken)
    {
        var current = connection;
        var owned = new List<ClusterConnection>();
        try
        {
            SweepProgress? final;
            try
            {
                final = await ShowAsync(() => current.Client, name, async (e, lost) =>
                {
                    _note = $"connection lost ({ClusterConnection.Reason(e)}); reconnecting";
                    if (plain)
                        console.MarkupLineInterpolated($"  [yellow]{_note}…[/]");
                    var fresh = await ReconnectAsync(current.Target, lost, cancellationToken);
                    if (fresh is null)
                    {
                        console.MarkupLineInterpolated($"[red]error:[/] lost the cluster {current.Target} and could not reach it again within {ReconnectFor.TotalMinutes:0} min");
                        return false;
                    }

                    current = fresh;
                    owned.Add(fresh);
                    if (plain)
                        console.MarkupLineInterpolated($"  [green]reconnected[/] after {(DateTime.UtcNow - lost).TotalSeconds:0.0} s");
                    return true;
                }, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
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

    /// <summary>
    /// Follows a sweep on a client whose connection does not drop (the embedded silo's own) until
    /// it completes or is cancelled; returns its last status. Cancelling the token throws
    /// <see cref="OperationCanceledException"/>.
    /// </summary>
    public async Task<SweepStatus> FollowAsync(IClusterClient client, string name, CancellationToken cancellationToken) =>
        (await ShowAsync(() => client, name, null, cancellationToken))!.Status;

    /// <summary>Shows the sweep live or line by line until it ends; null if the connection was lost for good.</summary>
    private async Task<SweepProgress?> ShowAsync(Func<IClusterClient> client, string name,
        Func<Exception, DateTime, Task<bool>>? reconnect, CancellationToken cancellationToken)
    {
        if (plain)
            return await LoopAsync(client, name, p => PrintLine(p), reconnect, cancellationToken);
        SweepProgress? final = null;
        await console.Live(new Text($"Sweep {name}: connecting…")).AutoClear(false).StartAsync(async live =>
        {
            void Show(SweepProgress p)
            {
                live.UpdateTarget(SweepView.Render(p, _pace.Eta(p.Status), DateTime.UtcNow, _note, console.Profile.Width));
                live.Refresh();
            }

            final = await LoopAsync(client, name, Show, reconnect, cancellationToken);
        });
        return final;
    }

    private string? _note;

    /// <summary>Polls until the sweep ends; null if the connection was lost and could not be made again.</summary>
    private async Task<SweepProgress?> LoopAsync(Func<IClusterClient> client, string name, Action<SweepProgress> show,
        Func<Exception, DateTime, Task<bool>>? reconnect, CancellationToken cancellationToken)
    {
        var lastFailed = -1;
        SweepProgress? progress = null;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                var grain = client().GetGrain<ISweepGrain>(name);
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
            catch (Exception e) when (reconnect is not null && ClusterConnection.IsConnectionError(e))
            {
                var lost = DateTime.UtcNow;
                if (!plain && progress is not null)
                {
                    _note = $"connection lost ({ClusterConnection.Reason(e)}); reconnecting";
                    show(progress);
                }

                if (!await reconnect(e, lost))
                    return null;
            }
        }
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

    private readonly Dictionary<string, long> _knnShown = new(StringComparer.Ordinal);

    private void PrintLine(SweepProgress progress)
    {
        // A line when the counts change, not when only the ETA does: a redirected log gets a line
        // per finished job, not one a second.
        var counts = SweepView.Line(progress, null);
        if (counts != _lastLine)
        {
            console.MarkupLine($"  [[{DateTime.Now:HH:mm:ss}]] {SweepView.Line(progress, _pace.Eta(progress.Status))}");
            _lastLine = counts;
        }

        // A pre-training job's k-NN points (a few a run), each once: a redirected log keeps its curve.
        foreach (var job in progress.Running.Where(j => j.Progress?.KnnStep is not null))
        {
            var step = job.Progress!.KnnStep!.Value;
            if (_knnShown.TryGetValue(job.JobId, out var shown) && shown >= step)
                continue;
            _knnShown[job.JobId] = step;
            console.MarkupLine($"  [[{DateTime.Now:HH:mm:ss}]] {SweepView.RunningLine(job)}");
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
