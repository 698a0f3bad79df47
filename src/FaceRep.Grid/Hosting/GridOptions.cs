namespace FaceRep.Grid.Hosting;

/// <summary>Settings of the grid inside one silo.</summary>
public sealed class GridOptions
{
    /// <summary>Directory for checkpoints (local disk or a shared filesystem).</summary>
    public string ArtifactRoot { get; set; } = Path.Combine("facerep-out", "artifacts");

    /// <summary>CPU worker slots of this silo; 0 means one slot per <see cref="ThreadsPerSlot"/> cores.</summary>
    public int CpuSlots { get; set; }

    /// <summary>
    /// The devices, listed (<c>cpu0:2,cpu1:2,cuda0</c>: NAME[:THREADS]); empty to inventory them
    /// (CUDA GPUs when the trainer is TorchSharp and libtorch sees any, else CPU slots). See
    /// <see cref="Workers.DeviceInventory"/>.
    /// </summary>
    public string? Devices { get; set; }

    /// <summary>
    /// Directories of datasets (written by <c>facerep data</c>) this silo holds a copy of,
    /// separated by commas or semicolons: each is a dataset directory (it has a manifest) or
    /// holds dataset directories. At start the silo validates them and records its copies in the
    /// dataset shard grains.
    /// </summary>
    public string? DatasetRoots { get; set; }

    /// <summary>
    /// Directories (separated by commas or semicolons) that files named in a spec, such as an
    /// imported checkpoint, may be read from; a path outside them (<c>..</c>, another absolute path,
    /// a symbolic link leading out) fails its job. Empty: only <c>imports</c> under <see cref="ArtifactRoot"/>.
    /// </summary>
    public string? ImportRoots { get; set; }

    /// <summary>The directories of <see cref="ImportRoots"/>, resolved (created when it is the default).</summary>
    public Core.Paths.PathRoots ResolveImportRoots()
    {
        if (!string.IsNullOrWhiteSpace(ImportRoots))
            return Core.Paths.PathRoots.Parse(ImportRoots);
        var imports = Path.Combine(ArtifactRoot, "imports");
        Directory.CreateDirectory(imports);
        return new Core.Paths.PathRoots([imports]);
    }

    /// <summary>libtorch threads per CPU slot.</summary>
    public int ThreadsPerSlot { get; set; } = 1;

    /// <summary>How long a lease lasts without a heartbeat.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often workers renew leases and idle workers look for work.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// When the silo stops: how long running jobs may go on to finish after it stops taking new
    /// ones. Jobs still running then are stopped and handed back to the queue (their attempt
    /// does not count), to run elsewhere or at the next start. Zero hands them back at once.
    /// </summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// How often the active sweeps reconcile every unfinished job (a durable reminder; Orleans'
    /// minimum period is one minute): repairs what a lost one-way message left undone.
    /// </summary>
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// The most jobs one sweep may hold. A larger submission is refused before anything is
    /// recorded, with its size and this limit: the console checks specs against the same
    /// default, but a cluster must not rely on its clients.
    /// </summary>
    public int MaxSweepJobs { get; set; } = 1_000_000;

    /// <summary>
    /// The longest one job may run on this silo (from its start on a device); zero for no limit.
    /// A job over it is stopped and failed as <see cref="Core.Experiments.FailureKind.OverBudget"/>
    /// (not retried), and its device takes the next job.
    /// </summary>
    public TimeSpan JobTimeBudget { get; set; }

    /// <summary>
    /// The most memory one job may add to the silo process, in bytes; zero for no limit. The silo
    /// samples its resident memory four times a second; when it exceeds what it held with no job
    /// running by more than this budget times the jobs running, the running job that has grown it
    /// most since it started is stopped and failed as <see cref="Core.Experiments.FailureKind.OverBudget"/>.
    /// Exact for a silo running one job at a time; with several, their sum is what is held.
    /// </summary>
    public long JobMemoryBudgetBytes { get; set; }

    /// <summary>Attempts allowed for a job that keeps failing transiently.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>
    /// Times a job may lose its worker (its silo died or stopped heartbeating while running it)
    /// before it is judged poison and failed rather than leased again. Higher than
    /// <see cref="MaxAttempts"/>, since a lost worker is usually not the job's fault.
    /// </summary>
    public int MaxLostLeases { get; set; } = 5;

    /// <summary>
    /// The trainer: <c>torch</c>, or <c>sleep:DURATION</c> (<see cref="Workers.SleepJobExecutor"/>,
    /// which trains nothing and logs every run to <c>sleep-runs.log</c> under <see cref="ArtifactRoot"/>).
    /// See <see cref="Workers.ExecutorSetting"/>.
    /// </summary>
    public string Executor { get; set; } = "torch";

    /// <summary>
    /// The largest relative difference between float32 and float64 that the start-up numeric
    /// self-check accepts (see <see cref="Training.Numerics.NumericSelfCheck"/>); a silo whose
    /// libtorch is further off falls back to libtorch's own convolution kernels, or refuses to
    /// start. Zero refuses always (a way to see the refusal).
    /// </summary>
    public double NumericTolerance { get; set; } = Training.Numerics.NumericSelfCheck.DefaultTolerance;

    /// <summary>Software versions recorded with every result.</summary>
    public string Versions { get; set; } = DefaultVersions();

    /// <summary>The versions of this build.</summary>
    public static string DefaultVersions() =>
        $"facerep {typeof(GridOptions).Assembly.GetName().Version}; .NET {Environment.Version}; TorchSharp {Training.TorchRuntime.Version}; oneDNN cap {Training.Numerics.NumericBackend.IsaCap}";
}
