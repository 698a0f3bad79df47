using FaceRep.Core.Experiments;
using FaceRep.Grid.Abstractions;
using FaceRep.Grid.Hosting;
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
    [Id(9)] public HashSet<string> Dependents { get; set; } = [];
    [Id(10)] public DateTime? FinishedUtc { get; set; }
    [Id(11)] public int Priority { get; set; }
    [Id(12)] public long Version { get; set; }
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
    TimeProvider time,
    ILogger<ExperimentGrain> log) : Grain, IExperimentGrain
{
    private readonly GridOptions _options = options.Value;
    private ExperimentState S => state.State;
    private string Id => this.GetPrimaryKeyString();
    private IGrainTimer? _leaseTimer;

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.State == JobState.Leased)
            StartLeaseTimer();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task<JobStatus> InitAsync(JobDescriptor job, string sweep, int priority)
    {
        if (job.Id != Id)
            throw new ArgumentException($"descriptor {job.Id} sent to job {Id}", nameof(job));

        if (S.State == JobState.Unknown)
        {
            S.Job = job;
            S.Sweeps.Add(sweep);
            S.Priority = priority;
            S.State = JobState.Waiting;
            await SaveAsync();
            if (job.DependsOn is null)
                await MakeReadyAsync();
            else
                await CheckDependencyAsync();
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
                Dispatcher.EnqueueAsync(Id, S.Priority).Ignore();
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
        await SaveAsync();
        StartLeaseTimer();
        return new JobLease(S.Job, S.Attempts, S.LeaseExpiresUtc);
    }

    /// <inheritdoc />
    public Task<bool> RenewLeaseAsync(string worker, int attempt)
    {
        if (!Holds(worker, attempt))
            return Task.FromResult(false);
        // Renewals stay in memory: after a restart, membership decides whether the holder lives.
        S.LeaseExpiresUtc = Now + _options.LeaseDuration;
        return Task.FromResult(true);
    }

    /// <inheritdoc />
    public async Task<bool> CompleteAsync(string worker, JobCompletion completion)
    {
        if (S.State == JobState.Succeeded)
            return true;
        if (!Holds(worker, completion.Attempt))
        {
            log.LogWarning("Ignoring completion of {JobId} by {Worker} (attempt {Attempt}): it does not hold the lease", Id, worker, completion.Attempt);
            return false;
        }

        S.State = JobState.Succeeded;
        S.FinishedUtc = Now;
        S.Failure = null;
        S.Error = null;
        await SaveAsync();
        StopLeaseTimer();
        foreach (var dependent in S.Dependents)
            GrainFactory.GetGrain<IExperimentGrain>(dependent).DependencyFinishedAsync(true, null).Ignore();
        return true;
    }

    /// <inheritdoc />
    public async Task<bool> FailAsync(string worker, int attempt, FailureKind kind, string error)
    {
        if (!Holds(worker, attempt))
            return false;
        StopLeaseTimer();
        if (kind == FailureKind.Transient && S.Attempts < _options.MaxAttempts)
        {
            log.LogWarning("Job {JobId} failed transiently (attempt {Attempt} of {Max}); it will run again: {Error}", Id, attempt, _options.MaxAttempts, error);
            S.Error = error;
            await MakeReadyAsync();
            return true;
        }

        await FinishFailedAsync(kind, error);
        return true;
    }

    /// <inheritdoc />
    public Task<JobStatus> GetStatusAsync() => Task.FromResult(Status());

    /// <inheritdoc />
    public async Task<JobState> RegisterDependentAsync(string dependentId)
    {
        if (S.Dependents.Add(dependentId))
            await state.WriteStateAsync();
        return S.State;
    }

    /// <inheritdoc />
    public async Task DependencyFinishedAsync(bool succeeded, string? error)
    {
        if (S.State != JobState.Waiting)
            return;
        if (succeeded)
            await MakeReadyAsync();
        else
            await FinishFailedAsync(FailureKind.Deterministic, $"pre-training job {S.Job?.DependsOn} failed: {error}");
    }

    private IDispatcherGrain Dispatcher => GrainFactory.GetGrain<IDispatcherGrain>(0);

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    private bool Holds(string worker, int attempt) =>
        S.State == JobState.Leased && S.Worker == worker && S.Attempts == attempt;

    private async Task CheckDependencyAsync()
    {
        var dependency = GrainFactory.GetGrain<IExperimentGrain>(S.Job!.DependsOn!);
        var dependencyState = await dependency.RegisterDependentAsync(Id);
        if (dependencyState == JobState.Succeeded)
        {
            await MakeReadyAsync();
        }
        else if (dependencyState == JobState.Failed)
        {
            var status = await dependency.GetStatusAsync();
            await FinishFailedAsync(FailureKind.Deterministic, $"pre-training job {S.Job.DependsOn} failed: {status.Error}");
        }
    }

    private async Task MakeReadyAsync()
    {
        S.State = JobState.Ready;
        S.Worker = null;
        S.LeaseSilo = null;
        await SaveAsync();
        Dispatcher.EnqueueAsync(Id, S.Priority).Ignore();
    }

    private async Task ReleaseIfStaleAsync()
    {
        if (S.State != JobState.Leased || !LeaseIsStale(out var why))
            return;
        log.LogInformation("Releasing job {JobId} from {Worker}: {Why}", Id, S.Worker, why);
        StopLeaseTimer();
        await MakeReadyAsync();
    }

    private async Task FinishFailedAsync(FailureKind kind, string error)
    {
        S.State = JobState.Failed;
        S.Failure = kind;
        S.Error = error;
        S.FinishedUtc = Now;
        await SaveAsync();
        StopLeaseTimer();
        log.LogWarning("Job {JobId} failed ({Kind}): {Error}", Id, kind, error);
        foreach (var dependent in S.Dependents)
            GrainFactory.GetGrain<IExperimentGrain>(dependent).DependencyFinishedAsync(false, error).Ignore();
    }

    /// <summary>Persists a transition, then tells the job's sweeps.</summary>
    private async Task SaveAsync()
    {
        S.Version++;
        await state.WriteStateAsync();
        foreach (var sweep in S.Sweeps)
            GrainFactory.GetGrain<ISweepGrain>(sweep).JobChangedAsync(Id, S.State, S.Version).Ignore();
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

    private JobStatus Status() =>
        new(Id, S.State, S.Attempts, S.Worker, S.Failure, S.Error, S.FinishedUtc, S.Version);
}
