using FaceRep.Grid.Abstractions;
using FaceRep.Grid.Grains;
using FaceRep.Grid.Hosting;
using FaceRep.Results.Store;
using FaceRep.Training.Runs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FaceRep.Grid.Workers;

/// <summary>
/// Runs jobs on one dedicated thread per device (<see cref="DeviceThread"/>), never on the Orleans
/// scheduler. A worker grain hands a lease over and returns at once; the host claims the job's
/// devices (<see cref="GangClaim"/>), runs its trainer, holds it to the silo's budgets
/// (<see cref="BudgetWatch"/>), and when it ends has <see cref="JobReporter"/> report it, then
/// frees the devices and tells their workers. <see cref="Drain"/> empties it when the silo stops.
/// </summary>
public sealed class TrainingHost : IDisposable
{
    /// <summary>How often running jobs are held to their time and memory budgets.</summary>
    private static readonly TimeSpan BudgetPeriod = TimeSpan.FromMilliseconds(250);

    private readonly Dictionary<string, DeviceThread> _threads;
    private readonly IJobExecutor _executor;
    private readonly GridOptions _options;
    private readonly ILogger<TrainingHost> _log;
    private readonly Lazy<Core.Paths.PathRoots> _inputRoots;
    private readonly JobReporter _reporter;
    private readonly IGrainFactory _grains;
    private readonly Drain _drain;
    private readonly BudgetWatch _budgets;
    private readonly Timer? _budgetTimer;

    /// <summary>Creates the host and its device threads.</summary>
    public TrainingHost(DeviceInventory inventory, IJobExecutor executor, IGrainFactory grains, IResultStore results,
        IOptions<GridOptions> options, ILocalSiloDetails silo, ILogger<TrainingHost> log)
    {
        _executor = executor;
        _options = options.Value;
        _log = log;
        _inputRoots = new Lazy<Core.Paths.PathRoots>(_options.ResolveImportRoots);
        _reporter = new JobReporter(grains, results, _options, silo.Name, log);
        _grains = grains;
        _drain = new Drain(log, TimeProvider.System);
        _threads = inventory.Devices.ToDictionary(d => d.Name, d => new DeviceThread(d, Process));
        GridMetrics.Track(this);
        _budgets = new BudgetWatch(_options.JobTimeBudget, _options.JobMemoryBudgetBytes, Environment.WorkingSet);
        if (_budgets.Enabled)
            _budgetTimer = new Timer(_ => WatchBudgets(), null, BudgetPeriod, BudgetPeriod);
    }

    /// <summary>When this host started.</summary>
    public DateTime StartedUtc { get; } = DateTime.UtcNow;

    /// <summary>True once the silo is stopping: no new job starts here.</summary>
    public bool Draining => _drain.Begun;

    /// <summary>The devices, and the job each runs.</summary>
    public IReadOnlyList<DeviceReport> Report() =>
        _threads.Values.Select(t => new DeviceReport(t.Device.Name, DeviceKinds.Of(t.Device.Name), t.Device.Threads, t.Current?.Lease.Job.Id)).ToList();

    /// <summary>The jobs training here now (not those whose run has ended and is being reported): each one's device and latest curve point, with its latest k-NN accuracy (for the metrics).</summary>
    public IReadOnlyList<(string JobId, string Device, Core.Experiments.CurvePoint Point)> Training() =>
        _threads.Values.Select(t => (t.Device.Name, Item: t.Current)).Where(t => t.Item is { Executing: true, Latest: not null })
            .Select(t => (t.Item!.Lease.Job.Id, t.Name, t.Item.Latest!)).ToList();

    /// <summary>Devices running a job now.</summary>
    public int BusyDevices => _threads.Values.Count(t => t.Current is not null);

    /// <summary>Jobs finished by this host since start (for tests and status).</summary>
    public int Finished => _threads.Values.Sum(t => t.Finished);

    /// <summary>The devices of this silo.</summary>
    public int DeviceCount => _threads.Count;

    /// <summary>
    /// Stops taking jobs, lets running ones finish for up to <paramref name="grace"/>, then stops
    /// the rest and hands them back to the queue (their attempt does not count). Returns when
    /// every device is free and its job reported, or when <paramref name="cancellationToken"/> fires.
    /// Only the first call drains; later ones wait for it.
    /// </summary>
    public Task DrainAsync(TimeSpan grace, CancellationToken cancellationToken) =>
        _drain.RunAsync(grace, Running, () => BusyDevices, () => _reporter.HandedBack, cancellationToken);

    /// <summary>The lease of the job on <paramref name="device"/>, if <paramref name="worker"/> took it (a gang's other workers did not).</summary>
    public JobLease? LeaseHeldBy(string device, string worker) =>
        _threads.TryGetValue(device, out var t) && t.Current is { } current && current.Worker == worker ? current.Lease : null;

    /// <summary>True when this silo has the device.</summary>
    public bool Has(string device) => _threads.ContainsKey(device);

    /// <summary>
    /// Queues a leased job on a device's thread, holding the devices of the lease's gang too (all
    /// or none); false if any of them is busy or the silo is draining.
    /// </summary>
    public bool TryStart(string device, string worker, JobLease lease)
    {
        if (!_threads.TryGetValue(device, out var thread))
            throw new ArgumentException($"this silo has no device '{device}'", nameof(device));
        if (Draining)
            return false;
        var gang = new List<(string Worker, DeviceThread Thread)>();
        foreach (var member in lease.Gang ?? [])
        {
            if (!WorkerKey.TryParse(member, out var key) || !_threads.TryGetValue(key.Device, out var other) || other == thread)
            {
                _log.LogError("Lease of {JobId} names worker {Member}, which is not another device of this silo", lease.Job.Id, member);
                return false;
            }

            gang.Add((member, other));
        }

        var item = new WorkItem(worker, lease, gang);
        if (!GangClaim.TryClaimAll(item, gang.Select(g => g.Thread).Prepend(thread)))
            return false;
        thread.Run(item);
        return true;
    }

    /// <summary>The job a device is running, if any.</summary>
    public string? CurrentJob(string device) => _threads.TryGetValue(device, out var t) ? t.Current?.Lease.Job.Id : null;

    /// <summary>
    /// True while a device's trainer is running <paramref name="jobId"/>; false once it has returned
    /// and only the report to the job's grain is left (the device is still busy until then).
    /// </summary>
    public bool IsExecuting(string device, string jobId) =>
        _threads.TryGetValue(device, out var t) && t.Current is { } current && current.Lease.Job.Id == jobId && current.Executing;

    /// <summary>Cancels the job running on a device, if it is <paramref name="jobId"/> and still training.</summary>
    public void Cancel(string device, string jobId)
    {
        if (_threads.TryGetValue(device, out var t) && t.Current is { } current && current.Lease.Job.Id == jobId && current.Executing)
            current.TryCancel();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _budgetTimer?.Dispose();
        GridMetrics.Untrack(this);
        foreach (var t in _threads.Values)
            t.Dispose();
    }

    /// <summary>The jobs holding devices now, each once (a gang holds several).</summary>
    private List<WorkItem> Running() =>
        _threads.Values.Select(t => t.Current).OfType<WorkItem>().Distinct().ToList();

    /// <summary>On a device's thread: runs the job's trainer, then reports it off the thread.</summary>
    private void Process(DeviceThread thread, WorkItem item)
    {
        var (outcome, error) = Execute(thread.Device, item);
        _ = FinishAsync(thread, item, outcome, error);
    }

    /// <summary>
    /// Tells a job's grain how its run goes, for <c>sweep watch</c>: each k-NN point and the last one,
    /// others at most once a second. One-way and best effort: a report lost costs a stale display line.
    /// </summary>
    private void ReportProgress(WorkItem item, Core.Experiments.CurvePoint point)
    {
        var now = Environment.TickCount64;
        if (point.KnnAccuracy is null && point.Step < point.TotalSteps && now - item.ProgressSentTicks < 1000)
            return;
        item.ProgressSentTicks = now;
        var live = new LiveProgress(point.Phase, point.Step, point.TotalSteps, point.Loss, point.ImagesPerSecond, point.KnnAccuracy, DateTime.UtcNow,
            point.KnnAccuracy is null ? null : point.Step);
        try
        {
            _grains.Ref<IExperimentGrain>(item.Lease.Job.Id).ReportProgressAsync(item.Worker, item.Lease.Token, live).Ignore();
        }
        catch (Exception e) when (e is OrleansException or InvalidOperationException)
        {
            _log.LogDebug(e, "Could not report the progress of {JobId}", item.Lease.Job.Id);
        }
    }

    private readonly Lock _datasetsGate = new();
    private Data.ImageSets.DatasetCatalog _catalog = Data.ImageSets.DatasetCatalog.Empty;
    private long? _catalogRead;

    /// <summary>
    /// The imported sets under this silo's DatasetRoots, as jobs read them and workers offer them
    /// (read again at most every ten seconds, so a set imported while the silo runs is soon offered).
    /// </summary>
    public Data.ImageSets.DatasetCatalog Catalog()
    {
        lock (_datasetsGate)
        {
            if (_catalogRead is { } read && Environment.TickCount64 - read < 10_000)
                return _catalog;
            _catalog = Data.ImageSets.DatasetCatalog.Open(FaceRep.Grid.Datasets.DatasetRootRegistration.Roots(_options.DatasetRoots));
            _catalogRead = Environment.TickCount64;
            return _catalog;
        }
    }

    /// <summary>The sets of <see cref="Catalog"/>.</summary>
    public IReadOnlyList<Data.ImageSets.CatalogEntry> Datasets() => Catalog().Entries;

    /// <summary>The content hashes of the sets and benchmarks of <see cref="Catalog"/>: what this silo's workers can run.</summary>
    public IReadOnlyList<string> DatasetContents() => Catalog().Contents;

    /// <summary>Runs a job's trainer on its device's thread.</summary>
    private (JobOutcome? Outcome, Exception? Error) Execute(Device device, WorkItem item)
    {
        var job = item.Lease.Job;
        var gang = item.Gang.Select(g => g.Thread.Device).ToList();
        var context = new RunContext
        {
            JobId = job.Id,
            Cancellation = item.Cancellation.Token,
            // A gang's thread budgets add up: on CPU slots they are shares of the same cores.
            Threads = device.Threads + gang.Sum(d => d.Threads),
            Devices = [device.TorchDevice, .. gang.Select(d => d.TorchDevice)],
            Worker = item.Worker,
            Gang = item.Gang.Select(g => g.Worker).ToList(),
            Attempt = item.Lease.Attempt,
            InputRoots = _inputRoots.Value,
            // The sets and benchmarks this silo's workers offered when they leased the job.
            Datasets = Catalog(),
            Log = line => _log.LogInformation("{JobId}: {Line}", job.Id, line),
            Progress = progress =>
            {
                if (progress.Point is not { } point)
                    return;
                item.Latest = point.KnnAccuracy is null && item.Latest?.KnnAccuracy is { } measured ? point with { KnnAccuracy = measured } : point;
                ReportProgress(item, point);
                // The k-NN points (about ten a run) go to the log: a run's curve can be read there as it trains.
                if (point.KnnAccuracy is { } knn)
                {
                    _log.LogInformation("Job {JobId} {Phase} step {Step}/{Total}: loss {Loss:F4}, lr {Lr:G3}, {Rate:F0} images/s, k-NN identity accuracy {Knn:P1}",
                        job.Id, point.Phase, point.Step, point.TotalSteps, point.Loss, point.LearningRate, point.ImagesPerSecond, knn);
                }
            },
        };
        _log.LogInformation("Job {JobId} ({Kind}) started on {Device}, attempt {Attempt}", job.Id, job.Kind.ToString(),
            string.Join('+', gang.Select(d => d.Name).Prepend(device.Name)), item.Lease.Attempt);
        item.StartedUtc = DateTime.UtcNow;
        item.MemoryAtStart = Environment.WorkingSet;
        item.Executing = true;
        try
        {
            return (_executor.Execute(job, context), null);
        }
        catch (Exception e)
        {
            return (null, e);
        }
        finally
        {
            item.Curve = [.. context.Curve];
            item.Executing = false;
        }
    }

    /// <summary>
    /// Reports the outcome off the device's thread (the devices stay busy until it is done, but
    /// no thread blocks on the grid meanwhile), then frees the devices and tells their workers.
    /// </summary>
    private async Task FinishAsync(DeviceThread thread, WorkItem item, JobOutcome? outcome, Exception? error)
    {
        try
        {
            await _reporter.ReportAsync(thread.Device, item, outcome, error);
        }
        finally
        {
            GangClaim.ReleaseAll(item, thread);
            thread.CountFinished();
            item.Cancellation.Dispose();
        }

        // Only now are the devices free: their workers may lease their next jobs.
        await _reporter.NotifyWorkersAsync(item);
    }

    /// <summary>On the budget timer: stops the running jobs that are over a budget.</summary>
    private void WatchBudgets()
    {
        var running = Running().Where(i => i.Executing && i.OverBudget is null).ToList();
        var idle = running.Count == 0 && BusyDevices == 0;
        foreach (var (item, reason) in _budgets.Check(running, idle, Environment.WorkingSet, DateTime.UtcNow))
        {
            item.OverBudget = reason;
            _log.LogWarning("Stopping job {JobId}: it {Reason}", item.Lease.Job.Id, reason);
            // The job may have ended since it was listed: then there is nothing to stop.
            item.TryCancel();
        }
    }
}
