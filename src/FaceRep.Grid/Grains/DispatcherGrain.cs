// Over 400 lines: the queue discipline (priority, turns between sweeps, locality, gang holds,
// departed silos, idle workers) is one reentrant grain's state; SweepQueue holds each sweep's lanes.
using FaceRep.Grid.Abstractions;
using FaceRep.Grid.Hosting;
using FaceRep.Grid.Workers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace FaceRep.Grid.Grains;

/// <summary>The dispatcher's persisted state: the sweeps with unfinished work, and every sweep submitted.</summary>
[GenerateSerializer, Alias("facerep.DispatcherState")]
public sealed class DispatcherState
{
    [Id(0)] public HashSet<string> ActiveSweeps { get; set; } = [];

    /// <summary>Every sweep ever tracked, with when it first was.</summary>
    [Id(1)] public Dictionary<string, DateTime> KnownSweeps { get; set; } = [];
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
    private readonly Dictionary<string, long> _woken = new(StringComparer.Ordinal);
    private readonly HashSet<string> _departed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (SweepQueue Queue, QueueEntry Entry)> _holds = new(StringComparer.Ordinal);
    private readonly HashSet<string> _joining = new(StringComparer.Ordinal);
    private readonly HashSet<string> _unplaceable = new(StringComparer.Ordinal);

    /// <summary>The imported sets (content hashes) each silo holds, as its workers last said when asking for work.</summary>
    private readonly Dictionary<string, HashSet<string>> _holdings = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _writing = new(1, 1);
    private long _sequence;
    private long _firstSequence = long.MinValue;
    private long _turn;
    private int _count;
    private long _lastIdleReport;

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
        _idle.RemoveWhere(worker => fresh.Any(silo => IsOf(worker, silo)));
        foreach (var worker in _woken.Keys.Where(worker => fresh.Any(silo => IsOf(worker, silo))).ToList())
            _woken.Remove(worker);
        foreach (var silo in fresh)
        {
            if (_holds.Remove(silo, out var hold))
                Add(hold.Entry.Job, hold.Entry.Place);
        }

        log.LogInformation("Silo(s) {Silos} left the cluster; {Count} active sweep(s) reconcile their jobs so those leased there run elsewhere",
            string.Join(", ", fresh), state.State.ActiveSweeps.Count);
        ResumeActiveSweeps();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task<JobLease?> LeaseAsync(string worker, string silo, int siloDevices, IReadOnlyList<string> datasets)
    {
        _woken.Remove(worker);
        _holdings[silo] = [.. datasets];
        if (_departed.Contains(silo))
        {
            // A request from a silo declared dead, delivered late: its worker must not be counted
            // as idle (work would be left waiting for it).
            return null;
        }

        if (_joining.Contains(worker))
        {
            // Chosen for a gang whose lease is being made: its device is about to be taken.
            return null;
        }

        List<(SweepQueue Queue, QueueEntry Entry)>? putBack = null;
        List<(SweepQueue Queue, QueueEntry Entry)>? putBackElsewhere = null;
        try
        {
            if (_holds.TryGetValue(silo, out var held))
            {
                // The silo is held for a job of several devices: its workers gather until enough are free.
                _idle.Add(worker);
                if (IdleOf(silo, worker).Count < held.Entry.Job.Devices - 1)
                    return null;
                _holds.Remove(silo);
                var (gangLease, reachable) = await TryGangAsync(held.Entry.Job, worker, silo);
                if (gangLease is not null)
                    return gangLease;
                if (!reachable)
                    (putBack ??= []).Add(held);
            }

            var kind = DeviceKinds.Of(worker);
            var holding = _holdings[silo];
            while (Next(silo, kind) is { } next)
            {
                var (queue, entry) = next;
                if (!entry.Job.CanRunWith(holding))
                {
                    // Its data is not here: a silo that holds it takes it. A preference for this silo
                    // (where its pre-training ran) is dropped, or this silo's workers, which see it
                    // first, would keep it from the silos that can run it; a worker of one is woken.
                    if (_unplaceable.Add(entry.Job.JobId))
                        log.LogInformation("Job {JobId} reads datasets silo {Silo} does not hold ({Datasets}); it waits for a silo that does", entry.Job.JobId, silo, entry.Job.Datasets);
                    var elsewhere = entry.Job.PreferredSilo == silo ? entry with { Job = entry.Job with { PreferredSilo = null } } : entry;
                    (putBackElsewhere ??= []).Add((queue, elsewhere));
                    continue;
                }

                var size = Math.Max(1, entry.Job.Devices);
                if (size > 1)
                {
                    if (size > siloDevices)
                    {
                        // Another silo may be big enough (or may join): the job stays queued.
                        if (_unplaceable.Add(entry.Job.JobId))
                            log.LogWarning("Job {JobId} needs {Size} devices of one silo; silo {Silo} has {Devices}, so it waits for a larger one", entry.Job.JobId, size, silo, siloDevices);
                        (putBack ??= []).Add(next);
                        continue;
                    }

                    if (IdleOf(silo, worker).Count < size - 1)
                    {
                        // Hold this silo for it: single-device jobs go to other silos meanwhile, and
                        // this one's workers wait as they come free, so the gang is never starved.
                        _holds[silo] = next;
                        _idle.Add(worker);
                        log.LogDebug("Holding silo {Silo} for {JobId} ({Size} devices)", silo, entry.Job.JobId, size);
                        return null;
                    }

                    var (gang, ok) = await TryGangAsync(entry.Job, worker, silo);
                    if (gang is not null)
                        return gang;
                    if (!ok)
                        (putBack ??= []).Add(next);
                    continue;
                }

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
                    (putBack ??= []).Add(next);
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
            ReportIdleWithWork(worker);
            return null;
        }
        finally
        {
            foreach (var (_, entry) in putBack ?? [])
                Add(entry.Job, entry.Place, wake: false);
            foreach (var (_, entry) in putBackElsewhere ?? [])
                Add(entry.Job, entry.Place, wake: true);
        }
    }

    /// <summary>
    /// Leases a job of k devices to <paramref name="worker"/> and k−1 idle workers of its silo. The
    /// gang leaves the idle set before the lease is awaited, so no other lease can take its
    /// workers; if the job cannot be leased they are idle again. Reachable is false when the job's
    /// grain could not be reached (it stays queued).
    /// </summary>
    private async Task<(JobLease? Lease, bool Reachable)> TryGangAsync(QueuedJob job, string worker, string silo)
    {
        var gang = IdleOf(silo, worker).Take(Math.Max(1, job.Devices) - 1).ToList();
        _idle.Remove(worker);
        foreach (var member in gang)
        {
            _idle.Remove(member);
            _joining.Add(member);
        }

        JobLease? lease = null;
        var reachable = true;
        try
        {
            lease = await GrainFactory.Ref<IExperimentGrain>(job.JobId).TryLeaseAsync(worker, silo);
        }
        catch (Exception e) when (e is OrleansException or TimeoutException)
        {
            log.LogDebug(e, "Could not lease {JobId}; it stays queued", job.JobId);
            reachable = false;
        }
        finally
        {
            foreach (var member in gang)
                _joining.Remove(member);
        }

        if (lease is null)
        {
            _idle.UnionWith(gang);
            _idle.Add(worker);
            return (null, reachable);
        }

        _unplaceable.Remove(job.JobId);
        log.LogDebug("Leased {JobId} to {Worker} with {Gang}", job.JobId, worker, string.Join(", ", gang));
        return (lease with { Gang = gang }, true);
    }

    /// <summary>Idle workers of a silo other than <paramref name="except"/>.</summary>
    private List<string> IdleOf(string silo, string except) =>
        _idle.Where(w => w != except && IsOf(w, silo)).ToList();

    /// <inheritdoc />
    public async Task TrackSweepAsync(string sweep, bool active)
    {
        await _writing.WaitAsync();
        try
        {
            var changed = active ? state.State.ActiveSweeps.Add(sweep) : state.State.ActiveSweeps.Remove(sweep);
            changed |= state.State.KnownSweeps.TryAdd(sweep, DateTime.UtcNow);
            if (changed)
                await state.WriteStateAsync();
        }
        finally
        {
            _writing.Release();
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<KnownSweep>> GetSweepsAsync()
    {
        var known = state.State.KnownSweeps;
        return Task.FromResult<IReadOnlyList<KnownSweep>>(known.Keys.Union(state.State.ActiveSweeps, StringComparer.Ordinal)
            .Select(name => new KnownSweep(name, known.TryGetValue(name, out var first) ? first : DateTime.MinValue, state.State.ActiveSweeps.Contains(name)))
            .OrderBy(s => s.FirstSeenUtc).ThenBy(s => s.Name, StringComparer.Ordinal)
            .ToList());
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
        if (_queued.ContainsKey(job.JobId) || _holds.Values.Any(h => h.Entry.Job.JobId == job.JobId))
            return;
        // A queue per sweep and priority: a job that another sweep raised must not raise the rest.
        var key = $"{job.Priority}\u0000{job.Sweep}";
        if (!_sweeps.TryGetValue(key, out var queue))
            _sweeps[key] = queue = new SweepQueue(job.Sweep, job.Priority);
        queue.Add(new QueueEntry(job, place));
        _queued[job.JobId] = queue;
        _count++;
        if (wake)
            WakeOne(job.PreferredSilo, job.Requires ?? "", job);
    }

    /// <summary>
    /// The next job for a worker of <paramref name="silo"/>: from the sweeps of the highest
    /// priority with work, the one served longest ago; from that sweep, a job preferring this
    /// silo if it has one, else the earliest of the rest, leaving those whose own silo has a
    /// worker on its way to them (<see cref="IsComing"/>).
    /// </summary>
    private (SweepQueue Queue, QueueEntry Entry)? Next(string silo, string kind)
    {
        SweepQueue? best = null;
        foreach (var queue in _sweeps.Values)
        {
            if (queue.HasWorkFor(kind) && (best is null || queue.Priority > best.Priority || (queue.Priority == best.Priority && queue.LastTurn < best.LastTurn)))
                best = queue;
        }

        if (best is null)
            return null;
        var entry = best.Take(silo, kind, IsComing);
        if (entry is null)
        {
            // The best sweep's jobs all wait for workers of their own silos that are on their way;
            // the next sweeps in turn may have something for this one.
            foreach (var queue in _sweeps.Values.Where(q => q.HasWorkFor(kind) && q != best).OrderByDescending(q => q.Priority).ThenBy(q => q.LastTurn))
            {
                if ((entry = queue.Take(silo, kind, IsComing)) is not null)
                {
                    best = queue;
                    break;
                }
            }

            if (entry is null)
                return null;
        }

        best.LastTurn = ++_turn;
        _queued.Remove(entry.Job.JobId);
        _count--;
        return (best, entry);
    }

    /// <summary>
    /// True when a worker of <paramref name="silo"/> whose device can run jobs requiring
    /// <paramref name="requires"/> is on its way to the dispatcher: one woken and not yet here, or
    /// an idle one, which is woken now. Jobs preferring that silo are left for it rather than taken
    /// by a worker of another silo. A held silo's workers wait for their gang.
    /// </summary>
    private bool IsComing(string silo, string requires)
    {
        if (_holds.ContainsKey(silo))
            return false;
        // A woken worker that has not come within two heartbeats is not coming (its wake was lost,
        // or it was busy): idle workers ask for work every heartbeat anyway.
        var now = Environment.TickCount64;
        var patience = (long)(2 * options.Value.HeartbeatInterval.TotalMilliseconds);
        foreach (var (worker, woken) in _woken)
        {
            if (IsOf(worker, silo) && now - woken < patience && SweepQueue.Serves(requires, DeviceKinds.Of(worker)))
                return true;
        }

        if (_idle.FirstOrDefault(w => IsOf(w, silo) && SweepQueue.Serves(requires, DeviceKinds.Of(w))) is not { } idle)
            return false;
        Wake(idle);
        return true;
    }

    /// <summary>
    /// Says (at most every ten seconds) why a worker goes away empty-handed while jobs are
    /// queued: which silos the jobs are left for. A worker idling while there is work for it is
    /// what a stalled sweep looks like from here.
    /// </summary>
    private void ReportIdleWithWork(string worker)
    {
        if (_count == 0 || Environment.TickCount64 - _lastIdleReport < 10_000)
            return;
        _lastIdleReport = Environment.TickCount64;
        log.LogInformation("Worker {Worker} found no job it may take among {Queued} queued; idle {Idle}, woken {Woken}, departed {Departed}, holds {Holds}",
            worker, _count, string.Join(' ', _idle), string.Join(' ', _woken.Keys), string.Join(' ', _departed), string.Join(' ', _holds.Keys));
    }

    private static bool IsOf(string worker, string silo) => WorkerKey.IsOn(worker, silo);

    private void Wake(string worker)
    {
        _idle.Remove(worker);
        _woken[worker] = Environment.TickCount64;
        GrainFactory.Ref<IWorkerGrain>(worker).WakeAsync().Ignore();
    }

    private void WakeOne(string? preferredSilo, string requires, QueuedJob job)
    {
        if (_idle.Count == 0)
            return;
        // A worker whose silo lacks the job's data would only put it back.
        bool Holds(string worker) => job.Datasets is null || job.CanRunWith(_holdings.GetValueOrDefault(SiloOf(worker)));
        var worker = preferredSilo is null || _holds.ContainsKey(preferredSilo)
            ? null
            : _idle.FirstOrDefault(w => IsOf(w, preferredSilo) && SweepQueue.Serves(requires, DeviceKinds.Of(w)) && Holds(w));
        // A held silo's idle workers are waiting for their gang; waking one would not place the job.
        worker ??= _idle.FirstOrDefault(w => SweepQueue.Serves(requires, DeviceKinds.Of(w)) && (_holds.Count == 0 || !_holds.ContainsKey(SiloOf(w))) && Holds(w));
        if (worker is null)
            return;
        Wake(worker);
    }

    private static string SiloOf(string worker) => WorkerKey.Parse(worker).Silo;
}
