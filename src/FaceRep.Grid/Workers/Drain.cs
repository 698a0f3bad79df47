using Microsoft.Extensions.Logging;

namespace FaceRep.Grid.Workers;

/// <summary>
/// A silo's drain: once begun, no new job starts; running ones get a grace period to finish,
/// then are stopped and handed back to the queue (their attempt does not count). Only the first
/// drain runs; later calls wait for it.
/// </summary>
internal sealed class Drain(ILogger log, TimeProvider time)
{
    private readonly Lock _gate = new();
    private volatile bool _begun;
    private Task? _drain;

    /// <summary>How often the drain looks whether the devices are free.</summary>
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    /// <summary>True once the drain has begun.</summary>
    public bool Begun => _begun;

    /// <summary>Drains: see the class.</summary>
    /// <param name="grace">How long running jobs may go on.</param>
    /// <param name="running">The jobs running now.</param>
    /// <param name="busy">Devices busy now (a device stays busy until its job's outcome is reported).</param>
    /// <param name="handedBack">Jobs handed back so far.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public Task RunAsync(TimeSpan grace, Func<IReadOnlyList<WorkItem>> running, Func<int> busy, Func<int> handedBack, CancellationToken cancellationToken)
    {
        lock (_gate)
            return _drain ??= RunOnceAsync(grace, running, busy, handedBack, cancellationToken);
    }

    private async Task RunOnceAsync(TimeSpan grace, Func<IReadOnlyList<WorkItem>> running, Func<int> busy, Func<int> handedBack, CancellationToken cancellationToken)
    {
        _begun = true;
        var handedBefore = handedBack();
        var atStart = running();
        log.LogInformation("Draining: no new jobs start here; {Count} running job(s) get {Seconds} s to finish", atStart.Count, grace.TotalSeconds);
        var deadline = time.GetUtcNow() + grace;
        while (busy() > 0 && time.GetUtcNow() < deadline && !cancellationToken.IsCancellationRequested)
            await Task.Delay(Poll, time, CancellationToken.None);

        foreach (var item in running())
        {
            log.LogInformation("Handing {JobId} back to the queue: the silo is stopping", item.Lease.Job.Id);
            item.HandBack = true;
            item.TryCancel();
        }

        while (busy() > 0 && !cancellationToken.IsCancellationRequested)
            await Task.Delay(Poll, time, CancellationToken.None);
        var handed = handedBack() - handedBefore;
        log.LogInformation("Drained: {Finished} job(s) finished while draining, {HandedBack} handed back", atStart.Count - handed, handed);
    }
}
