using FaceRep.Grid.Abstractions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FaceRep.Grid.Hosting;

/// <summary>
/// Reads the cluster's queue depth and its unfinished sweeps' jobs by state every
/// <paramref name="period"/> for <see cref="GridMetrics"/> (a scrape must not wait on grain calls).
/// </summary>
public sealed class ClusterMetricsPoller(IGrainFactory grains, ILogger<ClusterMetricsPoller> log, TimeSpan period) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(period);
        do
        {
            try
            {
                var dispatcher = grains.GetGrain<IDispatcherGrain>(0);
                var depth = await dispatcher.GetQueueLengthAsync();
                var statuses = await Task.WhenAll((await dispatcher.GetSweepsAsync()).Where(s => s.Active)
                    .Select(s => grains.GetGrain<ISweepGrain>(s.Name).GetStatusAsync()));
                GridMetrics.Publish(new Dictionary<string, int>
                {
                    ["waiting"] = statuses.Sum(s => s.Waiting),
                    ["ready"] = statuses.Sum(s => s.Ready),
                    ["running"] = statuses.Sum(s => s.Running),
                    ["succeeded"] = statuses.Sum(s => s.Succeeded),
                    ["failed"] = statuses.Sum(s => s.Failed),
                }, depth);
            }
            catch (Exception e) when (e is OrleansException or TimeoutException)
            {
                // A silo is leaving or joining; the next tick reads again.
                log.LogDebug(e, "Could not read the cluster's job counts");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
