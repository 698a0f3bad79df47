using FaceRep.Core.Experiments;

namespace FaceRep.Grid.Abstractions;

/// <summary>The states of a job. Numbers are persisted: never renumber.</summary>
[GenerateSerializer, Alias("facerep.JobState")]
public enum JobState
{
    /// <summary>Not yet created by any sweep.</summary>
    Unknown = 0,

    /// <summary>Waiting for the pre-training job it depends on.</summary>
    Waiting = 1,

    /// <summary>May be leased by a worker.</summary>
    Ready = 2,

    /// <summary>A worker holds a lease on it and is running it.</summary>
    Leased = 3,

    /// <summary>Finished with a result.</summary>
    Succeeded = 4,

    /// <summary>Finished without a result; see the failure kind.</summary>
    Failed = 5,
}

/// <summary>A job as the grid carries it: its id, kind, dependency and canonical configuration.</summary>
/// <param name="Id">Content-hash id.</param>
/// <param name="Kind">Pre-training or evaluation.</param>
/// <param name="DependsOn">The pre-training job an evaluation waits for.</param>
/// <param name="ConfigJson">Canonical JSON of the configuration (see <see cref="JobConfig"/>).</param>
/// <param name="Devices">Devices of one silo the job needs at once (from its configuration).</param>
[GenerateSerializer, Immutable, Alias("facerep.JobDescriptor")]
public sealed record JobDescriptor(
    [property: Id(0)] string Id,
    [property: Id(1)] JobKind Kind,
    [property: Id(2)] string? DependsOn,
    [property: Id(3)] string ConfigJson,
    [property: Id(4)] int Devices = 1)
{
    /// <summary>
    /// The kind of device the job must run on: <c>gpu</c>, <c>cpu</c>, or null for any. Placement
    /// only: it is not part of the job's configuration or id.
    /// </summary>
    [Id(5)]
    public string? Requires { get; init; }

    /// <summary>Devices the job is leased: at least one.</summary>
    public int GangSize => Devices;

    /// <summary>
    /// The content hashes of the imported sets or benchmark the job reads ('+' between the parts of a union),
    /// or null: it runs only on a silo that holds every one of them. Placement only, derived from the configuration.
    /// </summary>
    public string? Datasets => Kind switch
    {
        JobKind.Pretrain when ConfigJson.Contains("\"dataset_content\"", StringComparison.Ordinal)
            && JobConfig.Parse(ConfigJson) is PretrainConfig { IsImportedDataset: true } p => p.DatasetContent,
        JobKind.Evaluate when ConfigJson.Contains("\"benchmark_content\"", StringComparison.Ordinal)
            && JobConfig.Parse(ConfigJson) is EvaluateConfig { OnBenchmark: true } e => e.BenchmarkContent,
        _ => null,
    };

    /// <summary>Builds a descriptor from a configuration.</summary>
    public static JobDescriptor From(JobConfig config, string? dependsOn) =>
        new(config.Id, config.Kind, dependsOn, config.ToCanonicalJson(), config is PretrainConfig p ? p.Devices : 1);
}

/// <summary>A job handed to a worker: the job and the lease's attempt number.</summary>
/// <param name="Job">The job.</param>
/// <param name="Attempt">Its attempt number (counted afresh after an explicit retry).</param>
/// <param name="ExpiresUtc">When the lease lapses without a heartbeat.</param>
/// <param name="Token">Unique to this lease for the job's whole life, unlike the attempt: a cancellation names it, so a late one cannot stop a later run.</param>
/// <param name="Gang">For a job of several devices, the other workers of the leasing worker's silo whose devices it also holds (the leasing worker runs it and renews the lease).</param>
[GenerateSerializer, Immutable, Alias("facerep.JobLease")]
public sealed record JobLease(
    [property: Id(0)] JobDescriptor Job,
    [property: Id(1)] int Attempt,
    [property: Id(2)] DateTime ExpiresUtc,
    [property: Id(3)] long Token = 0,
    [property: Id(4)] IReadOnlyList<string>? Gang = null);

/// <summary>What a job's grain reports about it.</summary>
[GenerateSerializer, Immutable, Alias("facerep.JobStatus")]
public sealed record JobStatus(
    [property: Id(0)] string Id,
    [property: Id(1)] JobState State,
    [property: Id(2)] int Attempts,
    [property: Id(3)] string? Worker,
    [property: Id(4)] FailureKind? Failure,
    [property: Id(5)] string? Error,
    [property: Id(6)] DateTime? FinishedUtc,
    [property: Id(7)] long Version);

/// <summary>A sweep to run: its name, spec text and expanded jobs.</summary>
[GenerateSerializer, Immutable, Alias("facerep.SweepSubmission")]
public sealed record SweepSubmission(
    [property: Id(0)] string Name,
    [property: Id(1)] string SpecText,
    [property: Id(2)] int Priority,
    [property: Id(3)] IReadOnlyList<JobDescriptor> Jobs);

/// <summary>Builds submissions from expanded sweeps.</summary>
public static class SweepSubmissions
{
    /// <summary>
    /// The submission of an expanded sweep: pre-training jobs first, then evaluations, each
    /// carrying the kind of device its stage is placed on.
    /// </summary>
    public static SweepSubmission From(Core.Experiments.GridExpansion grid, string specText)
    {
        var placement = grid.Spec.Placement;
        var jobs = grid.Pretrain.Select(p => JobDescriptor.From(p.Config, null) with { Requires = placement.For(pretrain: true) })
            .Concat(grid.Evaluations.Select(e => JobDescriptor.From(e.Config, e.DependsOn) with { Requires = placement.For(pretrain: false) }))
            .ToList();
        return new SweepSubmission(grid.Spec.Name, specText, grid.Spec.Priority, jobs);
    }
}

/// <summary>A sweep's progress: counts of its jobs by state.</summary>
[GenerateSerializer, Immutable, Alias("facerep.SweepStatus")]
public sealed record SweepStatus(
    [property: Id(0)] string Name,
    [property: Id(1)] int Total,
    [property: Id(2)] int Waiting,
    [property: Id(3)] int Ready,
    [property: Id(4)] int Running,
    [property: Id(5)] int Succeeded,
    [property: Id(6)] int Failed,
    [property: Id(7)] int ReusedAtSubmit,
    [property: Id(8)] DateTime? SubmittedUtc,
    [property: Id(9)] DateTime? CompletedUtc)
{
    /// <summary>When the sweep was cancelled; null while it is live (resubmitting or retrying clears it).</summary>
    [Id(10)]
    public DateTime? CancelledUtc { get; init; }

    /// <summary>
    /// Jobs that had failed in an earlier run when the sweep was last submitted (with
    /// <see cref="ReusedAtSubmit"/>, the succeeded ones): they stay failed until retried.
    /// </summary>
    [Id(11)]
    public int FailedAtSubmit { get; init; }

    /// <summary>True when every job has finished, one way or the other.</summary>
    public bool IsComplete => Total > 0 && Succeeded + Failed == Total;

    /// <summary>True when the sweep was cancelled and not resumed.</summary>
    public bool IsCancelled => CancelledUtc is not null;

    /// <summary>An empty status for a sweep that was never submitted.</summary>
    public static SweepStatus None(string name) => new(name, 0, 0, 0, 0, 0, 0, 0, null, null);
}

/// <summary>The answer to a submission.</summary>
/// <param name="Accepted">False when the sweep exists with a different grid.</param>
/// <param name="Error">Why it was refused.</param>
/// <param name="Status">The sweep's status after submission.</param>
[GenerateSerializer, Immutable, Alias("facerep.SubmitResult")]
public sealed record SubmitResult(
    [property: Id(0)] bool Accepted,
    [property: Id(1)] string? Error,
    [property: Id(2)] SweepStatus Status);

/// <summary>A ready job as the dispatcher queues it.</summary>
/// <param name="JobId">The job.</param>
/// <param name="Sweep">The sweep it is queued for (the one it counts against in fair sharing).</param>
/// <param name="Priority">Higher runs first.</param>
/// <param name="PreferredSilo">The silo holding what it needs (its pre-training job's checkpoint), if any: its workers get it first.</param>
/// <param name="Devices">Devices of one silo it needs at once (a gang lease when more than one).</param>
[GenerateSerializer, Immutable, Alias("facerep.QueuedJob")]
public sealed record QueuedJob(
    [property: Id(0)] string JobId,
    [property: Id(1)] string Sweep,
    [property: Id(2)] int Priority,
    [property: Id(3)] string? PreferredSilo = null,
    [property: Id(4)] int Devices = 1)
{
    /// <summary>The kind of device it must run on (<c>gpu</c>, <c>cpu</c>), or null for any.</summary>
    [Id(5)]
    public string? Requires { get; init; }

    /// <summary>
    /// True when other jobs wait for it (a pre-training job, whose evaluations start when it ends):
    /// such jobs go before the rest of their sweep's, whatever their place or locality.
    /// </summary>
    [Id(6)]
    public bool Blocks { get; init; }

    /// <summary>The content hashes of the imported sets it reads ('+' between them), or null: only a silo holding them all may run it.</summary>
    [Id(7)]
    public string? Datasets { get; init; }

    /// <summary>Whether a silo holding <paramref name="held"/> (content hashes; null when it did not say) may run the job.</summary>
    public bool CanRunWith(IReadOnlyCollection<string>? held) =>
        Datasets is null || (held is not null && Datasets.Split('+').All(held.Contains));

    /// <summary>
    /// How <paramref name="job"/> (null when its description is not known) is queued for
    /// <paramref name="sweep"/>: its gang size, device kind, and whether other jobs wait for it.
    /// </summary>
    public static QueuedJob For(string jobId, JobDescriptor? job, string sweep, int priority, string? preferredSilo = null) =>
        new(jobId, sweep, priority, preferredSilo, job?.GangSize ?? 1)
        {
            Requires = job?.Requires,
            Blocks = job?.Kind == JobKind.Pretrain,
            Datasets = job?.Datasets,
        };
}

/// <summary>How many ready jobs of a sweep wait in the dispatcher's queue.</summary>
[GenerateSerializer, Immutable, Alias("facerep.SweepQueueLength")]
public sealed record SweepQueueLength(
    [property: Id(0)] string Sweep,
    [property: Id(1)] int Priority,
    [property: Id(2)] int Ready);

/// <summary>One stage of a sweep (its pre-training or its evaluation jobs): counts by state.</summary>
[GenerateSerializer, Immutable, Alias("facerep.StageProgress")]
public sealed record StageProgress(
    [property: Id(0)] JobKind Kind,
    [property: Id(1)] int Total,
    [property: Id(2)] int Waiting,
    [property: Id(3)] int Ready,
    [property: Id(4)] int Running,
    [property: Id(5)] int Succeeded,
    [property: Id(6)] int Failed)
{
    /// <summary>Jobs that have finished, one way or the other.</summary>
    public int Done => Succeeded + Failed;
}

/// <summary>A failed job of a sweep and why.</summary>
[GenerateSerializer, Immutable, Alias("facerep.JobFailureInfo")]
public sealed record JobFailureInfo(
    [property: Id(0)] string JobId,
    [property: Id(1)] JobKind Kind,
    [property: Id(2)] FailureKind? Failure,
    [property: Id(3)] string? Error,
    [property: Id(4)] DateTime? FinishedUtc,
    [property: Id(5)] int Attempts);

/// <summary>A sweep's progress in detail: its status, counts per stage, and its latest failures.</summary>
/// <param name="Status">The sweep's status.</param>
/// <param name="Stages">Counts per stage, pre-training first.</param>
/// <param name="Failures">The most recent failures, newest first (at most the number asked for).</param>
[GenerateSerializer, Immutable, Alias("facerep.SweepProgress")]
public sealed record SweepProgress(
    [property: Id(0)] SweepStatus Status,
    [property: Id(1)] IReadOnlyList<StageProgress> Stages,
    [property: Id(2)] IReadOnlyList<JobFailureInfo> Failures)
{
    /// <summary>The sweep's running jobs (at most <see cref="MaxRunning"/>) and how their training goes.</summary>
    [Id(3)]
    public IReadOnlyList<RunningJob> Running { get; init; } = [];

    /// <summary>Most running jobs a progress report lists.</summary>
    public const int MaxRunning = 64;
}

/// <summary>How a running job's training goes: its latest training-curve point as its worker reported it.</summary>
/// <param name="Phase">pretrain or head (see <c>CurvePhases</c>).</param>
/// <param name="Step">Steps taken.</param>
/// <param name="TotalSteps">Steps of the run.</param>
/// <param name="Loss">Mean loss of the latest steps, when trained.</param>
/// <param name="ImagesPerSecond">Training images per second of the latest steps.</param>
/// <param name="KnnAccuracy">The latest online k-NN identity accuracy (pre-training), when measured.</param>
/// <param name="ReportedUtc">When the worker reported it.</param>
/// <param name="KnnStep">The step <paramref name="KnnAccuracy"/> was measured after.</param>
[GenerateSerializer, Immutable, Alias("facerep.LiveProgress")]
public sealed record LiveProgress(
    [property: Id(0)] string Phase,
    [property: Id(1)] long Step,
    [property: Id(2)] long TotalSteps,
    [property: Id(3)] double? Loss,
    [property: Id(4)] double? ImagesPerSecond,
    [property: Id(5)] double? KnnAccuracy,
    [property: Id(6)] DateTime ReportedUtc,
    [property: Id(7)] long? KnnStep);

/// <summary>A running job, where it runs and how its training goes (null before its first report).</summary>
[GenerateSerializer, Immutable, Alias("facerep.RunningJob")]
public sealed record RunningJob(
    [property: Id(0)] string JobId,
    [property: Id(1)] JobKind Kind,
    [property: Id(2)] string? Worker,
    [property: Id(3)] LiveProgress? Progress);

/// <summary>A sweep the cluster knows of.</summary>
/// <param name="Name">Its name (its id).</param>
/// <param name="FirstSeenUtc">When it was first submitted (<see cref="DateTime.MinValue"/> if that was before the cluster kept the list).</param>
/// <param name="Active">True while it has unfinished work.</param>
[GenerateSerializer, Immutable, Alias("facerep.KnownSweep")]
public sealed record KnownSweep(
    [property: Id(0)] string Name,
    [property: Id(1)] DateTime FirstSeenUtc,
    [property: Id(2)] bool Active);

/// <summary>One device of a silo and what it is doing.</summary>
[GenerateSerializer, Immutable, Alias("facerep.DeviceReport")]
public sealed record DeviceReport(
    [property: Id(0)] string Name,
    [property: Id(1)] string Kind,
    [property: Id(2)] int Threads,
    [property: Id(3)] string? CurrentJob);

/// <summary>What a silo's training host reports about itself.</summary>
[GenerateSerializer, Immutable, Alias("facerep.SiloReport")]
public sealed record SiloReport(
    [property: Id(0)] string Name,
    [property: Id(1)] string Address,
    [property: Id(2)] IReadOnlyList<DeviceReport> Devices,
    [property: Id(3)] bool Draining,
    [property: Id(4)] int JobsFinished,
    [property: Id(5)] DateTime StartedUtc,
    [property: Id(6)] string Executor)
{
    /// <summary>The imported sets under the silo's DatasetRoots.</summary>
    [Id(7)]
    public IReadOnlyList<HeldDataset> Datasets { get; init; } = [];

    /// <summary>The imported benchmarks under the silo's DatasetRoots (manifests: <c>benchmark.json</c>).</summary>
    [Id(8)]
    public IReadOnlyList<HeldDataset> Benchmarks { get; init; } = [];
}

/// <summary>An imported set a silo holds.</summary>
/// <param name="Name">Its name there (its directory's).</param>
/// <param name="Directory">Its directory on the silo.</param>
/// <param name="ManifestJson">Its manifest (<c>imageset.json</c>).</param>
[GenerateSerializer, Immutable, Alias("facerep.HeldDataset")]
public sealed record HeldDataset([property: Id(0)] string Name, [property: Id(1)] string Directory, [property: Id(2)] string ManifestJson);
