// Over 400 lines: one job's state machine, every transition with its fencing and persistence,
// kept together so each can be read beside the others.
using FaceRep.Core.Experiments;
using FaceRep.Grid.Abstractions;
using FaceRep.Grid.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FaceRep.Grid.Grains;

/// <summary>The persisted state of one job. Field ids are persisted: never renumber.</summary>
[GenerateSerializer, Alias("facerep.ExperimentState")]
public sealed class ExperimentState
{
    [Id(0)] public JobDescriptor? Job { get; set; }
    [Id(1)] public JobState State { get; set; }
    [Id(2)] public int Attempts { get; set; }
    [Id(3)] public string? Worker { get; set; }
    [Id(4)] public string? LeaseSilo { get; set; }
    [Id(5)] public DateTime LeaseExpiresUtc { get; set; }
    [Id(6)] public FailureKind? Failure { get; set; }
    [Id(7)] public string? Error { get; set; }
    [Id(8)] public HashSet<string> Sweeps { get; set; } = [];
    // Id 9 was a list of dependents; sweeps track them.
    [Id(10)] public DateTime? FinishedUtc { get; set; }
    [Id(11)] public int Priority { get; set; }
    [Id(12)] public long Version { get; set; }
    [Id(13)] public int LostLeases { get; set; }
    /// <summary>The current lease's token: the version its grant was saved as, so no two leases of the job share one.</summary>
    [Id(14)] public long LeaseToken { get; set; }
    /// <summary>Times a succeeded job ran again because its checkpoint was found corrupt.</summary>
    [Id(15)] public int Rebuilds { get; set; }
}

/// <summary>
/// One job's state machine: Waiting → Ready → Leased → Succeeded | Failed. Every transition is
/// persisted before anyone is told about it; leases are checked against cluster membership and
/// their expiry, so a job held by a dead worker runs again.
/// </summary>
public sealed class ExperimentGrain(
    [PersistentState("experiment", GridStorage.Name)] IPersistentState<ExperimentState> state,
    IClusterMembershipService membership,
    IOptions<GridOptions> options,
    [FromKeyedServices(GridTime.Key)] TimeProvider time,
    ILogger<ExperimentGrain> log) : Grain, IExperimentGrain
{
    private readonly GridOptions _options = options.Value;
    private ExperimentState S => state.State;
    private string Id => this.GetPrimaryKeyString();
    private IGrainTimer? _leaseTimer;
    private IDispatcherGrain? _dispatcher;

    /// <summary>A sweep that is not told of the transition being saved: it called, and hears it in the answer.</summary>
    private string? _quiet;

    /// <summary>The silo its pre-training job ran on (where its checkpoint was written), once known.</summary>
    private string? _preferredSilo;

    /// <summary>The running lease's latest progress (in memory: a report is worth nothing once its run has ended).</summary>
    private (long Token, LiveProgress Progress)? _live;

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.State == JobState.Leased)
            StartLeaseTimer();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task<JobStatus> InitAsync(JobDescriptor job, string sweep, int priority, bool resultStored = false)
    {
        if (job.Id != Id)
            throw new ArgumentException($"descriptor {job.Id} sent to job {Id}", nameof(job));

        if (S.State == JobState.Unknown)
        {
            // A new job is written once, in the state it starts in. The sweep creating it learns
            // that state from the answer, and queues it with the rest of its batch if it is ready.
            S.Job = job;
            S.Sweeps.Add(sweep);
            S.Priority = priority;
            _quiet = sweep;
            try
            {
                if (resultStored && job.Kind == JobKind.Evaluate)
                {
                    // Found again: its result outlived the grid state that recorded it.
                    log.LogInformation("Job {JobId} is already done: the result store holds its result", Id);
                    S.State = JobState.Succeeded;
                    S.FinishedUtc = Now;
                    await SaveAsync();
                    LetGoIfLeaf();
                    return Status();
                }

                var dependency = job.DependsOn is null ? null : await GrainFactory.Ref<IExperimentGrain>(job.DependsOn).GetStatusAsync();
                _preferredSilo = SiloOf(dependency?.Worker);
                switch (dependency?.State)
                {
                    case null or JobState.Succeeded:
                        S.State = JobState.Ready;
                        await SaveAsync();
                        break;
                    case JobState.Failed:
                        await FinishFailedAsync(DependencyFailure(dependency), DependencyError(dependency));
                        break;
                    default:
                        S.State = JobState.Waiting;
                        await SaveAsync();
                        break;
                }
            }
            finally
            {
                _quiet = null;
            }

            return Status();
        }

        var changed = S.Sweeps.Add(sweep);
        if (priority > S.Priority)
        {
            S.Priority = priority;
            changed = true;
        }

        if (changed)
            await state.WriteStateAsync();
        return await ReconcileAsync();
    }

    /// <inheritdoc />
    public async Task<JobStatus> ReconcileAsync()
    {
        switch (S.State)
        {
            case JobState.Leased:
                await ReleaseIfStaleAsync();
                break;
            case JobState.Ready:
                Dispatcher.EnqueueAsync(Queued()).Ignore();
                break;
            case JobState.Waiting:
                await CheckDependencyAsync();
                break;
            default:
                break;
        }

        return Status();
    }

    /// <inheritdoc />
    public async Task<JobLease?> TryLeaseAsync(string worker, string silo)
    {
        if (S.State != JobState.Ready || S.Job is null)
            return null;
        S.State = JobState.Leased;
        S.Attempts++;
        S.Worker = worker;
        S.LeaseSilo = silo;
        S.LeaseExpiresUtc = Now + _options.LeaseDuration;
        S.LeaseToken = S.Version + 1;
        await SaveAsync();
        StartLeaseTimer();
        return new JobLease(S.Job, S.Attempts, S.LeaseExpiresUtc, S.LeaseToken);
    }

    /// <inheritdoc />
    public Task<bool> RenewLeaseAsync(string worker, long token)
    {
        if (!Holds(worker, token))
            return Task.FromResult(false);
        // Renewals stay in memory: after a restart, membership decides whether the holder lives.
        S.LeaseExpiresUtc = Now + _options.LeaseDuration;
        return Task.FromResult(true);
    }

    /// <inheritdoc />
    public Task ReportProgressAsync(string worker, long token, LiveProgress progress)
    {
        if (!Holds(worker, token))
            return Task.CompletedTask;
        if (_live is { } last && last.Token == token && last.Progress.Phase == progress.Phase)
        {
            // One-way reports may arrive out of order: the latest step wins, and the latest k-NN
            // measurement (a few a run) stays until a newer one.
            var newer = progress.Step >= last.Progress.Step ? progress : last.Progress;
            var knn = (progress.KnnStep ?? -1) >= (last.Progress.KnnStep ?? -1) ? progress : last.Progress;
            _live = (token, newer with { KnnAccuracy = knn.KnnAccuracy, KnnStep = knn.KnnStep });
        }
        else
        {
            _live = (token, progress);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<RunningJob?> GetRunningAsync() => Task.FromResult(S.State == JobState.Leased && S.Job is not null
        ? new RunningJob(Id, S.Job.Kind, S.Worker, _live is { } live && live.Token == S.LeaseToken ? live.Progress : null)
        : null);

    /// <inheritdoc />
    public async Task<bool> CompleteAsync(string worker, long token)
    {
        if (S.State == JobState.Succeeded)
            return true;
        if (!Holds(worker, token))
        {
            log.LogWarning("Ignoring completion of {JobId} by {Worker} (lease {Token}): it does not hold that lease", Id, worker, token);
            return false;
        }

        S.State = JobState.Succeeded;
        S.FinishedUtc = Now;
        S.Failure = null;
        S.Error = null;
        await SaveAsync();
        StopLeaseTimer();
        LetGoIfLeaf();
        return true;
    }

    /// <inheritdoc />
    public async Task<bool> FailAsync(string worker, long token, FailureKind kind, string error)
    {
        if (!Holds(worker, token))
            return false;
        StopLeaseTimer();
        if (kind == FailureKind.CheckpointUnusable && S.Job?.DependsOn is { } dependency)
        {
            // Not this job's fault: its input is bad. The job that wrote it runs again, and this
            // one waits for it; the attempt does not count.
            if (await GrainFactory.Ref<IExperimentGrain>(dependency).RebuildAsync(Id, error))
            {
                log.LogWarning("Job {JobId} found the checkpoint of {Dependency} unusable; it waits for that job to run again: {Error}", Id, dependency, error);
                S.Attempts--;
                S.Error = error;
                S.State = JobState.Waiting;
                S.Worker = null;
                S.LeaseSilo = null;
                await SaveAsync();
                await CheckDependencyAsync();
                return true;
            }

            kind = FailureKind.Deterministic;
            error = $"{error}; its pre-training job {dependency} was not run again (it failed, or was rebuilt {MaxRebuilds} times already)";
        }

        if (kind == FailureKind.Transient && S.Attempts < _options.MaxAttempts)
        {
            log.LogWarning("Job {JobId} failed transiently (attempt {Attempt} of {Max}); it will run again: {Error}", Id, S.Attempts, _options.MaxAttempts, error);
            S.Error = error;
            await MakeReadyAsync();
            return true;
        }

        await FinishFailedAsync(kind, error);
        return true;
    }

    /// <inheritdoc />
    public async Task<bool> ReturnLeaseAsync(string worker, long token)
    {
        if (!Holds(worker, token))
            return false;
        StopLeaseTimer();
        log.LogInformation("Job {JobId} was handed back by {Worker} (unstarted, or its silo is stopping); it is ready again", Id, worker);
        S.Attempts--;
        await MakeReadyAsync(lostWorker: true);
        return true;
    }

    /// <inheritdoc />
    public Task<JobStatus> GetStatusAsync() => Task.FromResult(Status());

    /// <inheritdoc />
    public async Task DependencyFinishedAsync()
    {
        if (S.State == JobState.Waiting)
            await CheckDependencyAsync();
    }

    /// <inheritdoc />
    public async Task<JobStatus> CancelAsync(string sweep)
    {
        if (S.Sweeps.Remove(sweep))
        {
            if (S.Sweeps.Count > 0 || S.State is JobState.Succeeded or JobState.Failed)
            {
                // Another sweep still needs it, or it has finished: only the sweep lets go.
                await state.WriteStateAsync();
                return Status();
            }

            var (worker, token) = S.State == JobState.Leased ? (S.Worker, S.LeaseToken) : (null, 0);
            await FinishFailedAsync(FailureKind.Cancelled, $"cancelled with sweep {sweep}");
            if (worker is not null)
                GrainFactory.Ref<IWorkerGrain>(worker).CancelJobAsync(Id, token).Ignore();
        }

        return Status();
    }

    /// <inheritdoc />
    public async Task<bool> RetryAsync(string sweep, int priority)
    {
        S.Sweeps.Add(sweep);
        S.Priority = Math.Max(S.Priority, priority);
        if (S.State != JobState.Failed || S.Job is null)
        {
            await state.WriteStateAsync();
            return false;
        }

        log.LogInformation("Job {JobId} runs again after failing ({Kind}): {Error}", Id, S.Failure, S.Error);
        S.Attempts = 0;
        S.LostLeases = 0;
        S.Failure = null;
        S.Error = null;
        S.FinishedUtc = null;
        S.State = JobState.Waiting;
        if (S.Job.DependsOn is null)
            await MakeReadyAsync();
        else
        {
            await SaveAsync();
            await CheckDependencyAsync();
        }

        return true;
    }

    /// <inheritdoc />
    public async Task<bool> RebuildAsync(string dependent, string reason)
    {
        switch (S.State)
        {
            case JobState.Succeeded when S.Rebuilds < MaxRebuilds && S.Job is not null:
                S.Rebuilds++;
                log.LogWarning("Job {JobId} runs again (rebuild {Rebuild} of at most {Max}): {Dependent} found its checkpoint unusable: {Reason}", Id, S.Rebuilds, MaxRebuilds, dependent, reason);
                S.Attempts = 0;
                S.LostLeases = 0;
                S.FinishedUtc = null;
                await MakeReadyAsync(lostWorker: true);
                return true;
            case JobState.Ready or JobState.Leased or JobState.Waiting:
                return true;
            default:
                return false;
        }
    }

    /// <summary>How often a job may run again because a dependent found its checkpoint unusable: a store that keeps corrupting checkpoints needs a person.</summary>
    private const int MaxRebuilds = 3;

    private IDispatcherGrain Dispatcher => _dispatcher ??= GrainFactory.GetGrain<IDispatcherGrain>(0);

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    private bool Holds(string worker, long token) =>
        S.State == JobState.Leased && S.Worker == worker && S.LeaseToken == token;

    /// <summary>
    /// Reads the dependency's state (without writing to it: a pre-training job with thousands of
    /// evaluations must not rewrite a list of them each time one registers; the sweeps, which
    /// know both jobs, tell waiting jobs when their dependency finishes).
    /// </summary>
    private async Task CheckDependencyAsync()
    {
        var status = await GrainFactory.Ref<IExperimentGrain>(S.Job!.DependsOn!).GetStatusAsync();
        _preferredSilo = SiloOf(status.Worker);
        if (status.State == JobState.Succeeded)
            await MakeReadyAsync();
        else if (status.State == JobState.Failed)
            await FinishFailedAsync(DependencyFailure(status), DependencyError(status));
    }

    private static string? SiloOf(string? worker) => WorkerKey.SiloOf(worker);

    private static FailureKind DependencyFailure(JobStatus dependency) =>
        dependency.Failure == FailureKind.Cancelled ? FailureKind.Cancelled : FailureKind.Deterministic;

    private static string DependencyError(JobStatus dependency) => $"pre-training job {dependency.Id} failed: {dependency.Error}";

    /// <param name="lostWorker">True when the job is released from a worker it lost: it goes ahead of jobs that never started.</param>
    private async Task MakeReadyAsync(bool lostWorker = false)
    {
        S.State = JobState.Ready;
        S.Worker = null;
        S.LeaseSilo = null;
        await SaveAsync();
        if (lostWorker)
            Dispatcher.EnqueueFirstAsync(Queued()).Ignore();
        else
            Dispatcher.EnqueueAsync(Queued()).Ignore();
    }

    private async Task ReleaseIfStaleAsync()
    {
        if (S.State != JobState.Leased || !LeaseIsStale(out var why))
            return;
        StopLeaseTimer();
        S.LostLeases++;
        if (S.LostLeases >= _options.MaxLostLeases)
        {
            // Poison: a job whose worker keeps dying is not leased again to kill another one.
            await FinishFailedAsync(FailureKind.Deterministic, $"lost its worker {S.LostLeases} times (last: {why}); not leased again");
            return;
        }

        log.LogInformation("Releasing job {JobId} from {Worker}: {Why}", Id, S.Worker, why);
        await MakeReadyAsync(lostWorker: true);
    }

    private async Task FinishFailedAsync(FailureKind kind, string error)
    {
        S.State = JobState.Failed;
        S.Failure = kind;
        S.Error = error;
        S.FinishedUtc = Now;
        await SaveAsync();
        StopLeaseTimer();
        LetGoIfLeaf();
        log.LogWarning("Job {JobId} failed ({Kind}): {Error}", Id, kind, error);
    }

    /// <summary>
    /// A finished evaluation leaves memory once idle: nothing waits on it, and a 100k-job sweep
    /// would otherwise hold every job it ever ran until the collector's age limit. (Pre-training
    /// jobs stay: their evaluations ask after them.)
    /// </summary>
    private void LetGoIfLeaf()
    {
        if (S.Job?.Kind == JobKind.Evaluate)
            this.DeactivateOnIdle();
    }

    /// <summary>Persists a transition, then tells the job's sweeps.</summary>
    private async Task SaveAsync()
    {
        S.Version++;
        await state.WriteStateAsync();
        foreach (var sweep in S.Sweeps)
        {
            if (sweep != _quiet)
                GrainFactory.Ref<ISweepGrain>(sweep).JobChangedAsync(Id, S.State, S.Version).Ignore();
        }
    }

    private bool LeaseIsStale(out string why)
    {
        if (S.LeaseSilo is null)
        {
            why = "the lease names no silo";
            return true;
        }

        var silo = SiloAddress.FromParsableString(S.LeaseSilo);
        var status = membership.CurrentSnapshot.GetSiloStatus(silo);
        if (status != SiloStatus.Active)
        {
            why = $"its silo {silo} is {(status == SiloStatus.None ? "not a cluster member" : status.ToString().ToLowerInvariant())}";
            return true;
        }

        if (Now > S.LeaseExpiresUtc)
        {
            why = $"the lease expired at {S.LeaseExpiresUtc:O} without a heartbeat";
            return true;
        }

        why = "";
        return false;
    }

    private void StartLeaseTimer()
    {
        _leaseTimer ??= this.RegisterGrainTimer(
            _ => ReleaseIfStaleAsync(),
            new GrainTimerCreationOptions(_options.HeartbeatInterval, _options.HeartbeatInterval) { KeepAlive = true });
    }

    private void StopLeaseTimer()
    {
        _leaseTimer?.Dispose();
        _leaseTimer = null;
    }

    /// <summary>
    /// The job as the dispatcher queues it: counted against the first of its sweeps (by name, so
    /// every silo agrees), preferring the silo its pre-training job ran on; a pre-training job
    /// ahead of evaluations, which wait for pre-training.
    /// </summary>
    private QueuedJob Queued() =>
        QueuedJob.For(Id, S.Job, S.Sweeps.Count == 0 ? "" : S.Sweeps.Min(StringComparer.Ordinal)!, S.Priority, _preferredSilo);

    private JobStatus Status() =>
        new(Id, S.State, S.Attempts, S.Worker, S.Failure, S.Error, S.FinishedUtc, S.Version);
}
