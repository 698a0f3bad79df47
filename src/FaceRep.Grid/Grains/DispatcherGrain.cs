using FaceRep.Grid.Abstractions;
using FaceRep.Grid.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace FaceRep.Grid.Grains;

/// <summary>The dispatcher's persisted state: only the sweeps with unfinished work.</summary>
[GenerateSerializer, Alias("facerep.DispatcherState")]
public sealed class DispatcherState
{
    [Id(0)] public HashSet<string> ActiveSweeps { get; set; } = [];
}

/// <summary>
/// Hands ready jobs to pulling workers. The queue is per sweep: the sweeps of the highest
/// priority with work take turns (so a 100k-job sweep does not starve one submitted after it),
/// and within a sweep jobs that lost their worker go first, then the rest in the order they
/// became ready. A worker is offered its sweep's jobs whose inputs live on its silo before the
/// others; it takes any job rather than idle. The queue lives in memory: after a restart, or
/// when silos die, the active sweeps re-announce their ready jobs, so nothing persisted grows
/// with it.
/// <para>
/// Reentrant: a lease awaits the job's grain (a durable write), and the dispatcher serves other
/// workers meanwhile, so the writes of many leases share a commit. Every change to the queue
/// happens between awaits; the one persisted write (<see cref="TrackSweepAsync"/>) is serialised
/// by its own gate.
/// </para>
/// </summary>
/// <para>
/// A durable reminder (<see cref="GridOptions.ReconcileInterval"/>) has the active sweeps
/// reconcile their jobs periodically, a safety net for one-way messages lost to a network fault:
/// a ready job whose queueing never arrived is queued again, a lapsed lease released.
/// </para>
[Reentrant]
public sealed class DispatcherGrain(
    [PersistentState("dispatcher", GridStorage.Name)] IPersistentState<DispatcherState> state,
    IOptions<GridOptions> options,
    ILogger<DispatcherGrain> log) : Grain, IDispatcherGrain, IRemindable
{
    /// <summary>The name of the reconciliation reminder.</summary>
    public const string ReconcileReminder = "reconcile";

    private readonly Dictionary<string, SweepQueue> _sweeps = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SweepQueue> _queued = new(StringComparer.Ordinal);
    private readonly HashSet<string> _idle = new(StringComparer.Ordinal);
    private readonly HashSet<string> _departed = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _writing = new(1, 1);
    private long _sequence;
    private long _firstSequence = long.MinValue;
    private long _turn;
    private int _count;

    /// <inheritdoc />
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        ResumeActiveSweeps();
        var period = options.Value.ReconcileInterval;
        try
        {
            await this.RegisterOrUpdateReminder(ReconcileReminder, period, period);
        }
        catch (Exception e) when (e is OrleansException or InvalidOperationException or ReminderException)
        {
            // Without a reminder service the grid still works; only the periodic safety net is missing.
            log.LogWarning(e, "The dispatcher could not register its reconciliation reminder; lost messages are repaired only when a silo restarts or leaves");
        }
    }

    /// <inheritdoc />
    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == ReconcileReminder && state.State.ActiveSweeps.Count > 0)
        {
            log.LogDebug("Reconciling {Count} active sweep(s)", state.State.ActiveSweeps.Count);
            ResumeActiveSweeps();
        }

        return Task.CompletedTask;
    }

    private void ResumeActiveSweeps()
    {
        foreach (var sweep in state.State.ActiveSweeps)
            GrainFactory.Ref<ISweepGrain>(sweep).ResumeAsync().Ignore();
    }

    /// <inheritdoc />
    public Task EnqueueAsync(QueuedJob job)
    {
        Add(job, _sequence++);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task EnqueueManyAsync(IReadOnlyList<QueuedJob> jobs)
    {
        foreach (var job in jobs)
            Add(job, _sequence++);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task EnqueueFirstAsync(QueuedJob job)
    {
        Add(job, _firstSequence++);
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
        ResumeActiveSweeps();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task<JobLease?> LeaseAsync(string worker, string silo)
    {
        List<(SweepQueue Queue, QueueEntry Entry)>? unreachable = null;
        try
        {
            while (Next(silo) is { } next)
            {
                var (queue, entry) = next;
                JobLease? lease;
                try
                {
                    lease = await GrainFactory.Ref<IExperimentGrain>(entry.Job.JobId).TryLeaseAsync(worker, silo);
                }
                catch (Exception e) when (e is OrleansException or TimeoutException)
                {
                    // Its grain lived on a silo that just died and the cluster has not noticed yet:
                    // the job keeps its place and is offered again once its grain can be reached.
                    log.LogDebug(e, "Could not lease {JobId}; it stays queued", entry.Job.JobId);
                    (unreachable ??= []).Add(next);
                    continue;
                }

                if (lease is not null)
                {
                    _idle.Remove(worker);
                    log.LogDebug("Leased {JobId} of {Sweep} to {Worker}", entry.Job.JobId, queue.Name, worker);
                    return lease;
                }
            }

            _idle.Add(worker);
            return null;
        }
        finally
        {
            foreach (var (_, entry) in unreachable ?? [])
                Add(entry.Job, entry.Place, wake: false);
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
    public Task<int> GetQueueLengthAsync() => Task.FromResult(_count);

    /// <inheritdoc />
    public Task<IReadOnlyList<SweepQueueLength>> GetQueuesAsync() =>
        Task.FromResult<IReadOnlyList<SweepQueueLength>>(_sweeps.Values
            .Where(q => q.Count > 0)
            .OrderByDescending(q => q.Priority).ThenBy(q => q.Name, StringComparer.Ordinal)
            .Select(q => new SweepQueueLength(q.Name, q.Priority, q.Count))
            .ToList());

    private void Add(QueuedJob job, long place, bool wake = true)
    {
        if (_queued.ContainsKey(job.JobId))
            return;
        // A queue per sweep and priority: a job that another sweep raised must not raise the rest.
        var key = $"{job.Priority}\u0000{job.Sweep}";
        if (!_sweeps.TryGetValue(key, out var queue))
            _sweeps[key] = queue = new SweepQueue(job.Sweep, job.Priority);
        queue.Add(new QueueEntry(job, place));
        _queued[job.JobId] = queue;
        _count++;
        if (wake)
            WakeOne(job.PreferredSilo);
    }

    /// <summary>
    /// The next job for a worker of <paramref name="silo"/>: from the sweeps of the highest
    /// priority with work, the one served longest ago; from that sweep, a job preferring this
    /// silo if it has one.
    /// </summary>
    private (SweepQueue Queue, QueueEntry Entry)? Next(string silo)
    {
        SweepQueue? best = null;
        foreach (var queue in _sweeps.Values)
        {
            if (queue.Count > 0 && (best is null || queue.Priority > best.Priority || (queue.Priority == best.Priority && queue.LastTurn < best.LastTurn)))
                best = queue;
        }

        if (best is null)
            return null;
        var entry = best.Take(silo);
        best.LastTurn = ++_turn;
        _queued.Remove(entry.Job.JobId);
        _count--;
        return (best, entry);
    }

    private void WakeOne(string? preferredSilo)
    {
        if (_idle.Count == 0)
            return;
        var worker = preferredSilo is null ? null : _idle.FirstOrDefault(w => w.StartsWith(preferredSilo + "/", StringComparison.Ordinal));
        worker ??= _idle.First();
        _idle.Remove(worker);
        GrainFactory.Ref<IWorkerGrain>(worker).WakeAsync().Ignore();
    }

    /// <summary>A queued job and its place: lower goes first (lost jobs have places below every fresh one).</summary>
    private sealed record QueueEntry(QueuedJob Job, long Place);

    /// <summary>One sweep's ready jobs: those preferring a silo, by silo, and the rest.</summary>
    private sealed class SweepQueue(string name, int priority)
    {
        private readonly PriorityQueue<QueueEntry, long> _anywhere = new();
        private readonly Dictionary<string, PriorityQueue<QueueEntry, long>> _bySilo = new(StringComparer.Ordinal);

        public string Name { get; } = name;

        public int Priority { get; } = priority;

        /// <summary>When the sweep was last served (larger is more recent).</summary>
        public long LastTurn { get; set; }

        public int Count { get; private set; }

        public void Add(QueueEntry entry)
        {
            var queue = _anywhere;
            if (entry.Job.PreferredSilo is { } silo && !_bySilo.TryGetValue(silo, out queue))
                _bySilo[silo] = queue = new PriorityQueue<QueueEntry, long>();
            queue.Enqueue(entry, entry.Place);
            Count++;
        }

        /// <summary>This silo's first job; else the earliest of the rest (a worker never idles while its sweep has work).</summary>
        public QueueEntry Take(string silo)
        {
            Count--;
            if (_bySilo.TryGetValue(silo, out var local) && local.TryDequeue(out var mine, out _))
            {
                if (local.Count == 0)
                    _bySilo.Remove(silo);
                return mine;
            }

            var source = _anywhere;
            var bestPlace = _anywhere.TryPeek(out _, out var p) ? p : long.MaxValue;
            string? from = null;
            foreach (var (other, queue) in _bySilo)
            {
                if (queue.TryPeek(out _, out var place) && place < bestPlace)
                    (source, bestPlace, from) = (queue, place, other);
            }

            var entry = source.Dequeue();
            if (from is not null && source.Count == 0)
                _bySilo.Remove(from);
            return entry;
        }
    }
}
