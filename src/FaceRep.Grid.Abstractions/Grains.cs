using FaceRep.Core.Experiments;
using Orleans.Concurrency;

namespace FaceRep.Grid.Abstractions;

/// <summary>A sweep, keyed by its name: records its jobs once, then keeps counters.</summary>
[Alias("facerep.ISweepGrain")]
public interface ISweepGrain : IGrainWithStringKey
{
    /// <summary>Submits (or resubmits, idempotently) the sweep; returns once every job exists (minutes for a very large sweep).</summary>
    [Alias("Submit"), ResponseTimeout("00:15:00")]
    Task<SubmitResult> SubmitAsync(SweepSubmission submission);

    /// <summary>The sweep's progress.</summary>
    [Alias("GetStatus")]
    Task<SweepStatus> GetStatusAsync();

    /// <summary>Ids of the sweep's jobs, in expansion order.</summary>
    [Alias("GetJobIds")]
    Task<IReadOnlyList<string>> GetJobIdsAsync();

    /// <summary>Re-announces unfinished jobs (after a dispatcher or silo restart).</summary>
    [Alias("Resume"), OneWay]
    Task ResumeAsync();

    /// <summary>Told by a job's grain when its state changes (interleaves with everything: it only counts).</summary>
    [Alias("JobChanged"), OneWay, AlwaysInterleave]
    Task JobChangedAsync(string jobId, JobState state, long version);

    /// <summary>Cancels the sweep: jobs no other sweep needs stop (running ones promptly) and fail as cancelled. Resubmitting resumes it.</summary>
    [Alias("Cancel"), ResponseTimeout("00:15:00")]
    Task<SweepStatus> CancelAsync();

    /// <summary>Runs the sweep's failed and cancelled jobs again; returns how many.</summary>
    [Alias("RetryFailed"), ResponseTimeout("00:15:00")]
    Task<int> RetryFailedAsync();

    /// <summary>
    /// The sweep's status, its counts per stage, and its <paramref name="failures"/> most recent
    /// failures with their errors (read from the failed jobs' grains).
    /// </summary>
    [Alias("GetProgress")]
    Task<SweepProgress> GetProgressAsync(int failures);

    /// <summary>Subscribes an observer to progress; resubscribe periodically to stay subscribed.</summary>
    [Alias("Subscribe")]
    Task SubscribeAsync(ISweepObserver observer);

    /// <summary>Unsubscribes an observer.</summary>
    [Alias("Unsubscribe")]
    Task UnsubscribeAsync(ISweepObserver observer);
}

/// <summary>Receives a sweep's progress.</summary>
[Alias("facerep.ISweepObserver")]
public interface ISweepObserver : IGrainObserver
{
    /// <summary>Called when the sweep's counters change.</summary>
    [Alias("OnProgress")]
    void OnProgress(SweepStatus status);
}

/// <summary>One job (pre-training or evaluation), keyed by its content-hash id: a small persisted state machine.</summary>
[Alias("facerep.IExperimentGrain")]
public interface IExperimentGrain : IGrainWithStringKey
{
    /// <summary>
    /// Creates the job for a sweep, or attaches the sweep to an existing job and reconciles it;
    /// returns its status. A job created ready is not queued: the sweep queues its batch at once
    /// (<see cref="IDispatcherGrain.EnqueueManyAsync"/>).
    /// </summary>
    /// <param name="job">The job.</param>
    /// <param name="sweep">The sweep it belongs to.</param>
    /// <param name="priority">The sweep's priority.</param>
    /// <param name="resultStored">
    /// The result store already holds this job's result (its grid state was lost, e.g. an embedded
    /// run's state.db was moved aside): a new job starts as succeeded instead of running again.
    /// </param>
    [Alias("Init")]
    Task<JobStatus> InitAsync(JobDescriptor job, string sweep, int priority, bool resultStored = false);

    /// <summary>Releases a stale lease and re-announces a ready job; returns the job's status.</summary>
    [Alias("Reconcile")]
    Task<JobStatus> ReconcileAsync();

    /// <summary>Leases the job to a worker if it is ready; null otherwise.</summary>
    [Alias("TryLease")]
    Task<JobLease?> TryLeaseAsync(string worker, string silo);

    // Every call about a lease names it by its token (JobLease.Token), which no later lease of
    // the job ever has again: a late call about an earlier lease is refused, even from the same
    // worker with the same attempt number.

    /// <summary>Extends a worker's lease; false if the worker no longer holds that lease.</summary>
    [Alias("RenewLease")]
    Task<bool> RenewLeaseAsync(string worker, long token);

    /// <summary>Records success; ignored (false) unless the worker holds that lease.</summary>
    [Alias("Complete")]
    Task<bool> CompleteAsync(string worker, long token);

    /// <summary>Records a failure; transient failures are retried a bounded number of times. False unless the worker holds that lease.</summary>
    [Alias("Fail")]
    Task<bool> FailAsync(string worker, long token, FailureKind kind, string error);

    /// <summary>
    /// Hands back a lease that never ran (its devices turned out to be taken): the job is ready
    /// again at the head of its queue, and the attempt does not count. False if the worker does
    /// not hold that lease.
    /// </summary>
    [Alias("ReturnLease")]
    Task<bool> ReturnLeaseAsync(string worker, long token);

    /// <summary>
    /// How the worker's run goes (its latest curve point); kept in memory only, and dropped unless
    /// the worker holds that lease. The k-NN accuracy, measured a few times a run, is kept until a newer one.
    /// </summary>
    [Alias("ReportProgress"), OneWay]
    Task ReportProgressAsync(string worker, long token, LiveProgress progress);

    /// <summary>While the job runs: where, and its latest progress; null when it does not run.</summary>
    [Alias("GetRunning"), ReadOnly]
    Task<RunningJob?> GetRunningAsync();

    /// <summary>The job's status (read-only: many evaluations may ask their pre-training job at once).</summary>
    [Alias("GetStatus"), ReadOnly]
    Task<JobStatus> GetStatusAsync();

    /// <summary>Told (by a sweep holding both jobs) that the job this one waits for has finished; the job checks it and moves on.</summary>
    [Alias("DependencyFinished"), OneWay]
    Task DependencyFinishedAsync();

    /// <summary>
    /// Detaches a cancelled sweep from the job. A job no other sweep holds is cancelled: it fails
    /// as cancelled and, if running, its worker stops it. Returns the job's status.
    /// </summary>
    [Alias("Cancel")]
    Task<JobStatus> CancelAsync(string sweep);

    /// <summary>Runs a failed (or cancelled) job again from a clean slate, for the given sweep; false if it had not failed.</summary>
    [Alias("Retry")]
    Task<bool> RetryAsync(string sweep, int priority);

    /// <summary>
    /// Told by a dependent job that this job's checkpoint is missing or corrupt: a succeeded job
    /// runs again to write it anew. True when it is running again (or already was, for another
    /// dependent); false when it failed, or has been rebuilt too often already.
    /// </summary>
    [Alias("Rebuild")]
    Task<bool> RebuildAsync(string dependent, string reason);
}

/// <summary>
/// Hands ready jobs to pulling workers: highest priority first, sweeps of equal priority in turn
/// (fair share), jobs that lost their worker before jobs never started, and a job whose inputs a
/// silo holds to that silo's workers first. One per cluster (key 0).
/// </summary>
[Alias("facerep.IDispatcherGrain")]
public interface IDispatcherGrain : IGrainWithIntegerKey
{
    /// <summary>Adds a ready job to the queue (idempotent).</summary>
    [Alias("Enqueue"), OneWay]
    Task EnqueueAsync(QueuedJob job);

    /// <summary>Adds ready jobs to the queue, in order (idempotent).</summary>
    [Alias("EnqueueMany"), OneWay]
    Task EnqueueManyAsync(IReadOnlyList<QueuedJob> jobs);

    /// <summary>
    /// Adds a job that lost its worker (its silo died, its lease lapsed) ahead of its sweep's ready
    /// jobs that never started: it was handed out before them (idempotent).
    /// </summary>
    [Alias("EnqueueFirst"), OneWay]
    Task EnqueueFirstAsync(QueuedJob job);

    /// <summary>
    /// Told, by each silo that notices, that silos left the cluster (declared dead): the active
    /// sweeps reconcile their unfinished jobs, so leases held there are released even where the
    /// job's grain lived on a departed silo and nothing else would wake it.
    /// </summary>
    [Alias("SilosDeparted"), OneWay]
    Task SilosDepartedAsync(IReadOnlyList<string> silos);

    /// <summary>
    /// Leases the next ready job to a worker of a silo with <paramref name="siloDevices"/> devices;
    /// null when there is none (the worker is woken when one arrives). A job of k devices is leased
    /// to this worker together with k−1 idle workers of its silo (<see cref="JobLease.Gang"/>), or,
    /// while too few are idle, the silo is held for it: its workers wait as they come free. A job
    /// that reads imported sets is leased only to a worker whose silo holds them all
    /// (<paramref name="datasets"/>: the content hashes of the sets under its DatasetRoots).
    /// </summary>
    [Alias("Lease")]
    Task<JobLease?> LeaseAsync(string worker, string silo, int siloDevices, IReadOnlyList<string> datasets);

    /// <summary>Remembers a sweep with unfinished work, so it can be resumed after a restart.</summary>
    [Alias("TrackSweep")]
    Task TrackSweepAsync(string sweep, bool active);

    /// <summary>Ready jobs queued.</summary>
    [Alias("GetQueueLength")]
    Task<int> GetQueueLengthAsync();

    /// <summary>Ready jobs queued per sweep, highest priority first.</summary>
    [Alias("GetQueues")]
    Task<IReadOnlyList<SweepQueueLength>> GetQueuesAsync();

    /// <summary>Every sweep ever submitted to this cluster, oldest first.</summary>
    [Alias("GetSweeps")]
    Task<IReadOnlyList<KnownSweep>> GetSweepsAsync();
}

/// <summary>One device of one silo, keyed <c>{silo}/{device}</c> and pinned to that silo; runs one job at a time.</summary>
[Alias("facerep.IWorkerGrain")]
public interface IWorkerGrain : IGrainWithStringKey
{
    /// <summary>Starts pulling work.</summary>
    [Alias("Start")]
    Task StartAsync();

    /// <summary>Asks an idle worker to pull now.</summary>
    [Alias("Wake"), OneWay]
    Task WakeAsync();

    /// <summary>Told by the training host when the running job ended (its outcome is already recorded).</summary>
    [Alias("JobEnded"), OneWay]
    Task JobEndedAsync(string jobId);

    /// <summary>The job running now, if any.</summary>
    [Alias("GetCurrentJob")]
    Task<string?> GetCurrentJobAsync();

    /// <summary>
    /// Stops the running job if it is <paramref name="jobId"/> under the lease <paramref name="token"/>
    /// (its cancellation token fires; the job ends at its next step). A cancellation that arrives
    /// after the job was retried and leased again names an old lease and stops nothing.
    /// </summary>
    [Alias("CancelJob"), OneWay]
    Task CancelJobAsync(string jobId, long token);
}

/// <summary>
/// A silo's training host as the cluster sees it, keyed <c>{silo}/host</c> and pinned to that
/// silo: its devices and what they run, and whether it is draining.
/// </summary>
[Alias("facerep.ISiloHostGrain")]
public interface ISiloHostGrain : IGrainWithStringKey
{
    /// <summary>The silo's report.</summary>
    [Alias("GetReport")]
    Task<SiloReport> GetReportAsync();
}
