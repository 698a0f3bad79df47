// Over 400 lines: submission, counting (live and persisted), dependents and progress share one
// grain's state; the checks of a submission live in Planning.SweepPlanner.
using FaceRep.Core.Experiments;
using FaceRep.Grid.Hosting;
using System.Security.Cryptography;
using System.Text;
using FaceRep.Grid.Abstractions;
using FaceRep.Results.Store;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Utilities;

namespace FaceRep.Grid.Grains;

/// <summary>What a sweep is: written once, at its first submission. Field ids are persisted.</summary>
[GenerateSerializer, Alias("facerep.SweepDefinition")]
public sealed class SweepDefinition
{
    [Id(0)] public string Name { get; set; } = "";
    [Id(1)] public string SpecText { get; set; } = "";
    [Id(2)] public int Priority { get; set; }
    [Id(3)] public List<string> JobIds { get; set; } = [];
    [Id(4)] public string Fingerprint { get; set; } = "";
    [Id(5)] public DateTime SubmittedUtc { get; set; }

    /// <summary>For each job (in <see cref="JobIds"/> order), the index of the job it waits for, or −1.</summary>
    [Id(6)] public List<int> Dependencies { get; set; } = [];

    /// <summary>Each job's kind (in <see cref="JobIds"/> order).</summary>
    [Id(7)] public List<JobKind> Kinds { get; set; } = [];
}

/// <summary>A sweep's counters: small, rewritten as jobs finish. Field ids are persisted.</summary>
[GenerateSerializer, Alias("facerep.SweepCounters")]
public sealed class SweepCounters
{
    [Id(0)] public int Succeeded { get; set; }
    [Id(1)] public int Failed { get; set; }
    [Id(2)] public int ReusedAtSubmit { get; set; }
    [Id(3)] public DateTime? CompletedUtc { get; set; }
    [Id(4)] public DateTime? CancelledUtc { get; set; }
    [Id(5)] public int FailedAtSubmit { get; set; }
}

/// <summary>
/// A sweep, keyed by name. Its job list is written once; afterwards only counters change. The
/// per-job states it counts from live in memory and are recounted from the job grains on
/// activation, so the counters always agree with the jobs; a finished sweep is not recounted
/// until something needs its jobs' states (a retry, a cancel, a job changing again), so reading
/// finished sweeps (<c>sweep list --all</c>) activates no job. Job notifications only count (they
/// interleave with everything); the counters are written, and observers told, at most every
/// <see cref="FlushPeriod"/>, so a sweep of 100k jobs costs a few writes a second, not one per job.
/// </summary>
public sealed class SweepGrain(
    [PersistentState("sweep", GridStorage.Name)] IPersistentState<SweepDefinition> definition,
    [PersistentState("sweep-counters", GridStorage.Name)] IPersistentState<SweepCounters> counters,
    IResultStore results,
    IOptions<GridOptions> options,
    [FromKeyedServices(GridTime.Key)] TimeProvider time,
    ILogger<SweepGrain> log) : Grain, ISweepGrain
{
    private const int Batch = 1024;

    /// <summary>How often changed counters are written and observers told.</summary>
    public static readonly TimeSpan FlushPeriod = TimeSpan.FromMilliseconds(250);

    /// <summary>How long a sweep waits before asking jobs it could not reach again.</summary>
    private static readonly TimeSpan RetryPeriod = TimeSpan.FromSeconds(5);

    private bool _dirty;

    /// <summary>False while <see cref="_counts"/> holds only a finished sweep's persisted totals and <see cref="_jobs"/> is empty.</summary>
    private bool _counted;

    /// <summary>When the live counts first showed the sweep complete; persisted at the next flush.</summary>
    private DateTime? _completedSeen;
    private IDispatcherGrain? _dispatcher;
    private readonly Dictionary<string, (JobState State, long Version)> _jobs = new(StringComparer.Ordinal);
    private readonly int[] _counts = new int[Enum.GetValues<JobState>().Length];
    private HashSet<string>? _members;
    private Dictionary<string, List<string>>? _dependents;
    private readonly ObserverManager<ISweepObserver> _observers = new(TimeSpan.FromMinutes(5), log);

    private string Name => this.GetPrimaryKeyString();

    private IDispatcherGrain Dispatcher => _dispatcher ??= GrainFactory.GetGrain<IDispatcherGrain>(0);

    /// <inheritdoc />
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(_ => _dirty ? UpdateCountersAsync(force: false) : Task.CompletedTask, new GrainTimerCreationOptions(FlushPeriod, FlushPeriod));
        if (!definition.RecordExists)
            return;
        var c = counters.State;
        if (c.CompletedUtc is not null && c.Succeeded + c.Failed == definition.State.JobIds.Count)
        {
            // Finished: its totals are all a reader needs.
            _counts[(int)JobState.Succeeded] = c.Succeeded;
            _counts[(int)JobState.Failed] = c.Failed;
            return;
        }

        await RecountAsync();
    }

    /// <summary>Recounts a finished sweep's jobs before something needs their states.</summary>
    private async Task EnsureCountedAsync()
    {
        if (_counted || !definition.RecordExists)
            return;
        Array.Clear(_counts);
        await RecountAsync();
    }

    /// <inheritdoc />
    public async Task<SubmitResult> SubmitAsync(SweepSubmission submission)
    {
        if (submission.Name != Name)
            throw new ArgumentException($"submission for '{submission.Name}' sent to sweep '{Name}'", nameof(submission));

        // Whoever built the submission, it is checked here again: a cluster does not trust its clients.
        if (Planning.SweepPlanner.Validate(submission, options.Value.MaxSweepJobs) is { } problem)
        {
            log.LogWarning("Sweep {Sweep} refused: {Problem}", Name, problem);
            return new SubmitResult(false, problem, Status());
        }

        var ids = submission.Jobs.Select(j => j.Id).ToList();
        var fingerprint = Fingerprint(ids);
        if (definition.RecordExists && definition.State.Fingerprint != fingerprint)
        {
            return new SubmitResult(false,
                $"a sweep named '{Name}' already exists with a different grid ({definition.State.JobIds.Count} jobs, submitted {definition.State.SubmittedUtc:u}); give the changed spec a new name",
                Status());
        }

        // A sweep new to the grid whose results the store already holds (its grid state was lost:
        // an embedded run's state.db moved aside) finds those jobs done rather than running them again.
        var stored = new HashSet<string>(StringComparer.Ordinal);
        if (!definition.RecordExists)
        {
            foreach (var row in await results.ReadAsync(Name))
                stored.Add(row.JobId);
            if (stored.Count > 0)
                log.LogInformation("Sweep {Sweep}: the result store holds {Count} of its results from before its grid state was lost", Name, stored.Count);
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < ids.Count; i++)
                index.TryAdd(ids[i], i);
            definition.State = new SweepDefinition
            {
                Name = Name,
                SpecText = submission.SpecText,
                Priority = submission.Priority,
                JobIds = ids,
                Fingerprint = fingerprint,
                SubmittedUtc = time.GetUtcNow().UtcDateTime,
                Dependencies = submission.Jobs.Select(j => j.DependsOn is { } d && index.TryGetValue(d, out var at) ? at : -1).ToList(),
                Kinds = submission.Jobs.Select(j => j.Kind).ToList(),
            };
            await definition.WriteStateAsync();
            log.LogInformation("Sweep {Sweep} recorded with {Jobs} jobs", Name, ids.Count);
        }

        if (!_counted)
        {
            // Every job's status comes back from InitAsync below: that is the count.
            Array.Clear(_counts);
            _jobs.Clear();
            _counted = true;
        }

        await results.RecordSweepAsync(Name, ids);
        if (definition.State.SpecText.Length > 0)
            await results.RecordSpecAsync(Name, definition.State.SpecText);
        await Dispatcher.TrackSweepAsync(Name, true);

        // What earlier runs left: counted from each job's state as it is initialised, not from the
        // counts after the loop, which also hold jobs that ran and finished while a large sweep
        // was still being submitted.
        var reused = 0;
        var failedBefore = 0;
        // Pre-training jobs first, so evaluation jobs find their dependency created.
        foreach (var chunk in submission.Jobs.OrderBy(j => j.DependsOn is null ? 0 : 1).Chunk(Batch))
        {
            var statuses = await Task.WhenAll(chunk.Select(j =>
                GrainFactory.Ref<IExperimentGrain>(j.Id).InitAsync(j, Name, submission.Priority, stored.Contains(j.Id))));
            foreach (var s in statuses)
                Apply(s.Id, s.State, s.Version);
            reused += statuses.Count(s => s.State == JobState.Succeeded);
            failedBefore += statuses.Count(s => s.State == JobState.Failed);
            // One message queues the batch's ready jobs, not one per job (queueing is idempotent).
            var ready = chunk.Zip(statuses).Where(p => p.Second.State == JobState.Ready)
                .Select(p => QueuedJob.For(p.First.Id, p.First, Name, submission.Priority)).ToList();
            if (ready.Count > 0)
                Dispatcher.EnqueueManyAsync(ready).Ignore();
        }

        counters.State.ReusedAtSubmit = reused;
        counters.State.FailedAtSubmit = failedBefore;
        counters.State.CancelledUtc = null;
        await UpdateCountersAsync(force: true);
        return new SubmitResult(true, null, Status());
    }

    /// <inheritdoc />
    public Task<SweepStatus> GetStatusAsync() => Task.FromResult(Status());

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> GetJobIdsAsync() => Task.FromResult<IReadOnlyList<string>>(definition.State.JobIds);

    /// <inheritdoc />
    public async Task ResumeAsync()
    {
        if (!definition.RecordExists)
            return;
        await EnsureCountedAsync();
        var unfinished = _jobs.Where(j => j.Value.State is not (JobState.Succeeded or JobState.Failed)).Select(j => j.Key).ToList();
        await AskJobsAsync(unfinished, job => job.ReconcileAsync(), "reconcile");
        await UpdateCountersAsync(force: false);
    }

    /// <inheritdoc />
    public async Task JobChangedAsync(string jobId, JobState state, long version)
    {
        await EnsureCountedAsync();
        Apply(jobId, state, version);
    }

    /// <inheritdoc />
    public async Task<SweepStatus> CancelAsync()
    {
        if (!definition.RecordExists)
            return Status();
        await EnsureCountedAsync();
        var unfinished = _jobs.Where(j => j.Value.State is not (JobState.Succeeded or JobState.Failed)).Select(j => j.Key).ToList();
        log.LogInformation("Cancelling sweep {Sweep}: {Jobs} unfinished jobs", Name, unfinished.Count);
        counters.State.CancelledUtc = time.GetUtcNow().UtcDateTime;
        await counters.WriteStateAsync();
        foreach (var chunk in unfinished.Chunk(Batch))
        {
            var statuses = await Task.WhenAll(chunk.Select(id => GrainFactory.Ref<IExperimentGrain>(id).CancelAsync(Name)));
            foreach (var s in statuses)
                Apply(s.Id, s.State, s.Version);
        }

        await Dispatcher.TrackSweepAsync(Name, false);
        await UpdateCountersAsync(force: true);
        return Status();
    }

    /// <inheritdoc />
    public async Task<int> RetryFailedAsync()
    {
        if (!definition.RecordExists)
            return 0;
        await EnsureCountedAsync();
        var failed = _jobs.Where(j => j.Value.State == JobState.Failed).Select(j => j.Key).ToHashSet(StringComparer.Ordinal);
        var jobs = definition.State.JobIds.Select((id, i) => (id, i)).Where(j => failed.Contains(j.id)).ToList();
        counters.State.CancelledUtc = null;
        await Dispatcher.TrackSweepAsync(Name, true);
        // Every pre-training job is running again before any evaluation is retried: an evaluation
        // retried beside its pre-training could ask it for its state first, find it failed and fail again.
        var retried = 0;
        foreach (var stage in new[] { jobs.Where(j => Dependency(j.i) < 0), jobs.Where(j => Dependency(j.i) >= 0) })
        {
            foreach (var chunk in stage.Select(j => j.id).Chunk(Batch))
            {
                var results = await Task.WhenAll(chunk.Select(id => GrainFactory.Ref<IExperimentGrain>(id).RetryAsync(Name, definition.State.Priority)));
                retried += results.Count(r => r);
            }
        }

        // Their new states arrive as notifications; recount now so the answer is current.
        await RecountAsync();
        log.LogInformation("Sweep {Sweep}: {Retried} failed jobs run again", Name, retried);
        return retried;
    }

    /// <inheritdoc />
    public async Task<SweepProgress> GetProgressAsync(int failures)
    {
        await EnsureCountedAsync();
        var status = Status();
        if (!definition.RecordExists)
            return new SweepProgress(status, [], []);
        var ids = definition.State.JobIds;
        var kinds = definition.State.Kinds;
        var counts = new Dictionary<JobKind, int[]>();
        for (var i = 0; i < ids.Count; i++)
        {
            if (!counts.TryGetValue(kinds[i], out var c))
                counts[kinds[i]] = c = new int[Enum.GetValues<JobState>().Length];
            c[(int)(_jobs.TryGetValue(ids[i], out var known) ? known.State : JobState.Unknown)]++;
        }

        var stages = counts.OrderBy(c => c.Key == JobKind.Pretrain ? 0 : 1).Select(c => new StageProgress(c.Key, c.Value.Sum(),
            c.Value[(int)JobState.Waiting] + c.Value[(int)JobState.Unknown], c.Value[(int)JobState.Ready], c.Value[(int)JobState.Leased],
            c.Value[(int)JobState.Succeeded], c.Value[(int)JobState.Failed])).ToList();

        var list = new List<JobFailureInfo>();
        if (failures > 0)
        {
            var kindOf = new Dictionary<string, JobKind>(StringComparer.Ordinal);
            for (var i = 0; i < ids.Count; i++)
                kindOf.TryAdd(ids[i], kinds[i]);
            // Bounded: a sweep with thousands of failures is read for its latest few hundred.
            var failed = _jobs.Where(j => j.Value.State == JobState.Failed).OrderByDescending(j => j.Value.Version).Take(Math.Max(failures, 256)).Select(j => j.Key).ToList();
            foreach (var chunk in failed.Chunk(Batch))
            {
                var statuses = await Task.WhenAll(chunk.Select(id => GrainFactory.Ref<IExperimentGrain>(id).GetStatusAsync()));
                list.AddRange(statuses.Where(s => s.State == JobState.Failed)
                    .Select(s => new JobFailureInfo(s.Id, kindOf[s.Id], s.Failure, s.Error, s.FinishedUtc, s.Attempts)));
            }
        }

        // Only the jobs that run are asked how they go: a handful, however large the sweep.
        var leased = _jobs.Where(j => j.Value.State == JobState.Leased).Select(j => j.Key).Order(StringComparer.Ordinal).Take(SweepProgress.MaxRunning).ToList();
        var running = (await Task.WhenAll(leased.Select(id => GrainFactory.Ref<IExperimentGrain>(id).GetRunningAsync()))).OfType<RunningJob>().ToList();
        return new SweepProgress(status, stages,
            list.OrderByDescending(f => f.FinishedUtc ?? DateTime.MinValue).ThenBy(f => f.JobId, StringComparer.Ordinal).Take(failures).ToList())
        {
            Running = running,
        };
    }

    /// <inheritdoc />
    public Task SubscribeAsync(ISweepObserver observer)
    {
        _observers.Subscribe(observer, observer);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task UnsubscribeAsync(ISweepObserver observer)
    {
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    private int Dependency(int index) =>
        definition.State.Dependencies[index];

    /// <summary>Tells the sweep's jobs that wait on <paramref name="jobId"/> that it finished.</summary>
    private void NotifyDependents(string jobId)
    {
        if (_dependents is null)
        {
            _dependents = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            var ids = definition.State.JobIds;
            for (var i = 0; i < ids.Count; i++)
            {
                var d = Dependency(i);
                if (d < 0)
                    continue;
                if (!_dependents.TryGetValue(ids[d], out var list))
                    _dependents[ids[d]] = list = [];
                list.Add(ids[i]);
            }
        }

        if (!_dependents.TryGetValue(jobId, out var dependents))
            return;
        // Every dependent is told, whatever this sweep last heard of it: its own state may be newer
        // (a retry), and a job that is not waiting ignores the call.
        foreach (var dependent in dependents)
            GrainFactory.Ref<IExperimentGrain>(dependent).DependencyFinishedAsync().Ignore();
    }

    /// <summary>Records a job's state if it is newer than what is known; true when it changed.</summary>
    private bool Apply(string jobId, JobState state, long version)
    {
        var seen = _jobs.TryGetValue(jobId, out var known);
        if (seen && known.Version >= version)
            return false;
        if (!seen && definition.RecordExists && !(_members ??= definition.State.JobIds.ToHashSet(StringComparer.Ordinal)).Contains(jobId))
            return false;
        _jobs[jobId] = (state, version);
        if (seen)
            _counts[(int)known.State]--;
        _counts[(int)state]++;
        var changed = !seen || known.State != state;
        _dirty |= changed;
        if (changed && definition.RecordExists)
        {
            var complete = _counts[(int)JobState.Succeeded] + _counts[(int)JobState.Failed] == definition.State.JobIds.Count;
            _completedSeen = complete ? _completedSeen ?? time.GetUtcNow().UtcDateTime : null;
        }
        // However the sweep learns that a job finished (a notification, a recount, a cancel), its waiting jobs hear of it.
        if (changed && state is (JobState.Succeeded or JobState.Failed) && definition.RecordExists)
            NotifyDependents(jobId);
        return changed;
    }

    private async Task RecountAsync()
    {
        _counted = true;
        await AskJobsAsync(definition.State.JobIds, job => job.GetStatusAsync(), "recount");
        await UpdateCountersAsync(force: false);
    }

    /// <summary>
    /// Asks each of <paramref name="ids"/> for its status and records it. A job whose grain cannot
    /// be reached (its silo is leaving or has just died, and the cluster has not caught up) is
    /// asked again, a few times over some seconds, then once more every few seconds from a timer:
    /// a sweep that missed a job's news would otherwise wait for the reconciliation reminder, and
    /// an activation that failed on it would drop the messages it had queued.
    /// </summary>
    private async Task AskJobsAsync(IReadOnlyList<string> ids, Func<IExperimentGrain, Task<JobStatus>> ask, string what)
    {
        IReadOnlyList<string> pending = ids;
        for (var round = 0; pending.Count > 0; round++)
        {
            var unreachable = new List<string>();
            foreach (var chunk in pending.Chunk(Batch))
            {
                var statuses = await Task.WhenAll(chunk.Select(async id =>
                {
                    try
                    {
                        return await ask(GrainFactory.Ref<IExperimentGrain>(id));
                    }
                    catch (Exception e) when (e is OrleansException or TimeoutException)
                    {
                        unreachable.Add(id);
                        return null;
                    }
                }));
                foreach (var s in statuses.OfType<JobStatus>())
                    Apply(s.Id, s.State, s.Version);
            }

            pending = unreachable;
            if (pending.Count == 0)
                return;
            if (round == 4)
            {
                log.LogWarning("Sweep {Sweep}: {Count} job(s) could not be reached to {What}; asking again in {Seconds} s", Name, pending.Count, what, RetryPeriod.TotalSeconds);
                var later = pending;
                IGrainTimer? timer = null;
                timer = this.RegisterGrainTimer(async _ =>
                {
                    timer?.Dispose();
                    await AskJobsAsync(later, ask, what);
                    await UpdateCountersAsync(force: false);
                }, new GrainTimerCreationOptions(RetryPeriod, Timeout.InfiniteTimeSpan));
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250 * (1 << round)));
        }
    }

    private async Task UpdateCountersAsync(bool force)
    {
        _dirty = false;
        var succeeded = _counts[(int)JobState.Succeeded];
        var failed = _counts[(int)JobState.Failed];
        var c = counters.State;
        var complete = definition.RecordExists && succeeded + failed == definition.State.JobIds.Count && c.CancelledUtc is null;
        var changed = force || c.Succeeded != succeeded || c.Failed != failed || (complete && c.CompletedUtc is null) || (!complete && c.CompletedUtc is not null);
        if (changed)
        {
            c.Succeeded = succeeded;
            c.Failed = failed;
            c.CompletedUtc = complete ? c.CompletedUtc ?? _completedSeen ?? time.GetUtcNow().UtcDateTime : null;
            await counters.WriteStateAsync();
            if (complete)
            {
                await Dispatcher.TrackSweepAsync(Name, false);
                log.LogInformation("Sweep {Sweep} complete: {Succeeded} succeeded, {Failed} failed", Name, succeeded, failed);
            }
        }

        var status = Status();
        _observers.Notify(o => o.OnProgress(status));
    }

    private SweepStatus Status()
    {
        if (!definition.RecordExists)
            return SweepStatus.None(Name);
        var c = counters.State;
        int Count(JobState s) => _counts[(int)s];
        // A status read between the live counts showing the sweep complete and the next flush of
        // the counters says when that was seen, so no status says complete without a time; the
        // flush persists the same time. Reading changes nothing.
        var complete = c.CancelledUtc is null && Count(JobState.Succeeded) + Count(JobState.Failed) == definition.State.JobIds.Count;
        return new SweepStatus(Name, definition.State.JobIds.Count, Count(JobState.Waiting), Count(JobState.Ready),
            Count(JobState.Leased), Count(JobState.Succeeded), Count(JobState.Failed), c.ReusedAtSubmit,
            definition.State.SubmittedUtc, complete ? c.CompletedUtc ?? _completedSeen : null)
        { CancelledUtc = c.CancelledUtc, FailedAtSubmit = c.FailedAtSubmit };
    }

    private static string Fingerprint(IEnumerable<string> ids) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', ids.Order(StringComparer.Ordinal)))));
}
