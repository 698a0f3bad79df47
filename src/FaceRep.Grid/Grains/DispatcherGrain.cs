using FaceRep.Grid.Abstractions;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace FaceRep.Grid.Grains;

/// <summary>The dispatcher's persisted state: only the sweeps with unfinished work.</summary>
[GenerateSerializer, Alias("facerep.DispatcherState")]
public sealed class DispatcherState
{
    [Id(0)] public HashSet<string> ActiveSweeps { get; set; } = [];
}

/// <summary>
/// Hands ready jobs to pulling workers, highest priority first and first-come within a
/// priority, except that jobs which lost their worker go ahead of jobs never started. The
/// queue lives in memory; after a restart, or when silos die, the active sweeps re-announce
/// their ready jobs, so nothing persisted grows with the queue.
/// <para>
/// Reentrant: a lease awaits the job's grain (a durable write), and the dispatcher serves other
/// workers meanwhile, so the writes of many leases share a commit. Every change to the queue
/// happens between awaits; the one persisted write (<see cref="TrackSweepAsync"/>) is serialised
/// by its own gate.
/// </para>
/// </summary>
[Reentrant]
public sealed class DispatcherGrain(
    [PersistentState("dispatcher", GridStorage.Name)] IPersistentState<DispatcherState> state,
    ILogger<DispatcherGrain> log) : Grain, IDispatcherGrain
{
    private readonly PriorityQueue<string, (int Priority, long Sequence)> _queue = new();
    private readonly HashSet<string> _queued = new(StringComparer.Ordinal);
    private readonly HashSet<string> _idle = new(StringComparer.Ordinal);
    private readonly HashSet<string> _departed = new(StringComparer.Ordinal);
    private long _sequence;
    private long _firstSequence = long.MinValue;
    private readonly SemaphoreSlim _writing = new(1, 1);

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        foreach (var sweep in state.State.ActiveSweeps)
            GrainFactory.Ref<ISweepGrain>(sweep).ResumeAsync().Ignore();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task EnqueueAsync(string jobId, int priority)
    {
        if (_queued.Add(jobId))
        {
            _queue.Enqueue(jobId, (-priority, _sequence++));
            WakeOne();
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task EnqueueManyAsync(IReadOnlyList<string> jobIds, int priority)
    {
        foreach (var jobId in jobIds)
        {
            if (_queued.Add(jobId))
            {
                _queue.Enqueue(jobId, (-priority, _sequence++));
                WakeOne();
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task EnqueueFirstAsync(string jobId, int priority)
    {
        if (_queued.Add(jobId))
        {
            _queue.Enqueue(jobId, (-priority, _firstSequence++));
            WakeOne();
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task SilosDepartedAsync(IReadOnlyList<string> silos)
    {
        var fresh = silos.Where(_departed.Add).ToList();
        if (fresh.Count == 0)
            return Task.CompletedTask;

        // Their workers will not pull again; waking one would only fail to place it.
        _idle.RemoveWhere(worker => fresh.Any(silo => worker.StartsWith(silo + "/", StringComparison.Ordinal)));
        log.LogInformation("Silo(s) {Silos} left the cluster; {Count} active sweep(s) reconcile their jobs so those leased there run elsewhere",
            string.Join(", ", fresh), state.State.ActiveSweeps.Count);
        foreach (var sweep in state.State.ActiveSweeps)
            GrainFactory.Ref<ISweepGrain>(sweep).ResumeAsync().Ignore();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task<JobLease?> LeaseAsync(string worker, string silo)
    {
        List<(string JobId, (int, long) Place)>? unreachable = null;
        try
        {
            while (_queue.TryDequeue(out var jobId, out var place))
            {
                _queued.Remove(jobId);
                JobLease? lease;
                try
                {
                    lease = await GrainFactory.Ref<IExperimentGrain>(jobId).TryLeaseAsync(worker, silo);
                }
                catch (Exception e) when (e is OrleansException or TimeoutException)
                {
                    // Its grain lived on a silo that just died and the cluster has not noticed yet:
                    // the job keeps its place and is offered again once its grain can be reached.
                    log.LogDebug(e, "Could not lease {JobId}; it stays queued", jobId);
                    (unreachable ??= []).Add((jobId, place));
                    continue;
                }

                if (lease is not null)
                {
                    _idle.Remove(worker);
                    log.LogDebug("Leased {JobId} to {Worker}", jobId, worker);
                    return lease;
                }
            }

            _idle.Add(worker);
            return null;
        }
        finally
        {
            foreach (var (jobId, place) in unreachable ?? [])
            {
                if (_queued.Add(jobId))
                    _queue.Enqueue(jobId, place);
            }
        }
    }

    /// <inheritdoc />
    public async Task TrackSweepAsync(string sweep, bool active)
    {
        await _writing.WaitAsync();
        try
        {
            var changed = active ? state.State.ActiveSweeps.Add(sweep) : state.State.ActiveSweeps.Remove(sweep);
            if (changed)
                await state.WriteStateAsync();
        }
        finally
        {
            _writing.Release();
        }
    }

    /// <inheritdoc />
    public Task<int> GetQueueLengthAsync() => Task.FromResult(_queue.Count);

    private void WakeOne()
    {
        var worker = _idle.FirstOrDefault();
        if (worker is null)
            return;
        _idle.Remove(worker);
        GrainFactory.Ref<IWorkerGrain>(worker).WakeAsync().Ignore();
    }
}
