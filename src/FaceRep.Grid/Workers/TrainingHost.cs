using FaceRep.Core.Experiments;
using FaceRep.Grid.Abstractions;
using FaceRep.Grid.Grains;
using FaceRep.Grid.Hosting;
using FaceRep.Results.Store;
using FaceRep.Training.Runs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FaceRep.Grid.Workers;

/// <summary>
/// Runs jobs on one dedicated thread per device, never on the Orleans scheduler. A worker grain
/// hands a lease over and returns at once; when the job ends this host writes the result to the
/// result store (first, so a crash after it loses nothing), tells the job's grain, and tells the
/// worker it is free.
/// </summary>
public sealed class TrainingHost : IDisposable
{
    private readonly Dictionary<string, DeviceThread> _threads;
    private readonly IJobExecutor _executor;
    private readonly IGrainFactory _grains;
    private readonly IResultStore _results;
    private readonly GridOptions _options;
    private readonly ILogger<TrainingHost> _log;
    private readonly string _siloName;
    private readonly Lazy<Core.Paths.PathRoots> _inputRoots;
    private readonly Timer? _budgetWatch;
    private long _idleMemory;
    private bool _draining;
    private int _handedBack;
    private Task? _drain;

    /// <summary>Creates the host and its device threads.</summary>
    public TrainingHost(DeviceInventory inventory, IJobExecutor executor, IGrainFactory grains, IResultStore results,
        IOptions<GridOptions> options, ILocalSiloDetails silo, ILogger<TrainingHost> log)
    {
        _executor = executor;
        _grains = grains;
        _results = results;
        _options = options.Value;
        _log = log;
        _siloName = silo.Name;
        _inputRoots = new Lazy<Core.Paths.PathRoots>(_options.ResolveImportRoots);
        _threads = inventory.Devices.ToDictionary(d => d.Name, d => new DeviceThread(this, d));
        GridMetrics.Track(this);
        _idleMemory = Environment.WorkingSet;
        if (_options.JobTimeBudget > TimeSpan.Zero || _options.JobMemoryBudgetBytes > 0)
            _budgetWatch = new Timer(_ => WatchBudgets(), null, BudgetPeriod, BudgetPeriod);
    }

    /// <summary>How often running jobs are held to their time and memory budgets.</summary>
    private static readonly TimeSpan BudgetPeriod = TimeSpan.FromMilliseconds(250);

    /// <summary>When this host started.</summary>
    public DateTime StartedUtc { get; } = DateTime.UtcNow;

    /// <summary>True once the silo is stopping: no new job starts here.</summary>
    public bool Draining => Volatile.Read(ref _draining);

    /// <summary>The devices, and the job each runs.</summary>
    public IReadOnlyList<DeviceReport> Report() =>
        _threads.Values.Select(t => new DeviceReport(t.Device.Name, DeviceKinds.Of(t.Device.Name), t.Device.Threads, t.Current?.Lease.Job.Id)).ToList();

    /// <summary>Devices running a job now.</summary>
    public int BusyDevices => _threads.Values.Count(t => t.Current is not null);

    /// <summary>
    /// Stops taking jobs, lets running ones finish for up to <paramref name="grace"/>, then stops
    /// the rest and hands them back to the queue (their attempt does not count). Returns when
    /// every device is free and its job reported, or when <paramref name="cancellationToken"/> fires.
    /// Only the first call drains; later ones wait for it.
    /// </summary>
    public Task DrainAsync(TimeSpan grace, CancellationToken cancellationToken)
    {
        lock (_threads)
            return _drain ??= DrainOnceAsync(grace, cancellationToken);
    }

    private async Task DrainOnceAsync(TimeSpan grace, CancellationToken cancellationToken)
    {
        Volatile.Write(ref _draining, true);
        var handedBefore = Volatile.Read(ref _handedBack);
        var running = _threads.Values.Select(t => t.Current).OfType<WorkItem>().Distinct().ToList();
        _log.LogInformation("Draining: no new jobs start here; {Count} running job(s) get {Seconds} s to finish", running.Count, grace.TotalSeconds);
        var deadline = DateTime.UtcNow + grace;
        while (BusyDevices > 0 && DateTime.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
            await Task.Delay(100, CancellationToken.None);

        var left = _threads.Values.Select(t => t.Current).OfType<WorkItem>().Distinct().ToList();
        foreach (var item in left)
        {
            _log.LogInformation("Handing {JobId} back to the queue: the silo is stopping", item.Lease.Job.Id);
            item.HandBack = true;
            try
            {
                item.Cancellation.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // It ended just now.
            }
        }

        while (BusyDevices > 0 && !cancellationToken.IsCancellationRequested)
            await Task.Delay(100, CancellationToken.None);
        var handed = Volatile.Read(ref _handedBack) - handedBefore;
        _log.LogInformation("Drained: {Finished} job(s) finished while draining, {HandedBack} handed back", running.Count - handed, handed);
    }

    /// <summary>Jobs finished by this host since start (for tests and status).</summary>
    public int Finished => _threads.Values.Sum(t => t.Finished);

    /// <summary>The devices of this silo.</summary>
    public int DeviceCount => _threads.Count;

    /// <summary>The lease of the job on <paramref name="device"/>, if <paramref name="worker"/> took it (a gang's other workers did not).</summary>
    public JobLease? LeaseHeldBy(string device, string worker) =>
        _threads.TryGetValue(device, out var t) && t.Current is { } current && current.Worker == worker ? current.Lease : null;

    /// <summary>True when this silo has the device.</summary>
    public bool Has(string device) => _threads.ContainsKey(device);

    /// <summary>
    /// Queues a leased job on a device's thread, holding the devices of the lease's gang too (all
    /// or none); false if any of them is busy.
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
            var name = member[(member.LastIndexOf('/') + 1)..];
            if (!_threads.TryGetValue(name, out var other) || other == thread)
            {
                _log.LogError("Lease of {JobId} names worker {Member}, which is not another device of this silo", lease.Job.Id, member);
                return false;
            }

            gang.Add((member, other));
        }

        var item = new WorkItem(worker, lease, gang);
        var claimed = new List<DeviceThread>();
        foreach (var t in gang.Select(g => g.Thread).Prepend(thread))
        {
            if (!t.TryClaim(item))
            {
                foreach (var c in claimed)
                    c.Release(item);
                return false;
            }

            claimed.Add(t);
        }

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
        if (!_threads.TryGetValue(device, out var t) || t.Current is not { } current || current.Lease.Job.Id != jobId || !current.Executing)
            return;
        try
        {
            current.Cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // It ended just now.
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _budgetWatch?.Dispose();
        GridMetrics.Untrack(this);
        foreach (var t in _threads.Values)
            t.Dispose();
    }

    /// <summary>Runs a job's trainer on its device's thread; the outcome is reported asynchronously (<see cref="ReportAsync"/>).</summary>
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
            Log = line => _log.LogInformation("{JobId}: {Line}", job.Id, line),
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
            item.Executing = false;
        }
    }

    /// <summary>
    /// Writes a finished job's result (first, so a crash after it loses nothing) and tells its
    /// grain, off the device's thread: the device stays busy until this is done, but no thread
    /// blocks on the grid meanwhile.
    /// </summary>
    private async Task ReportAsync(Device device, WorkItem item, JobOutcome? outcome, Exception? error)
    {
        var job = item.Lease.Job;
        var experiment = _grains.Ref<IExperimentGrain>(job.Id);
        if (outcome is not null && job.Kind == JobKind.Evaluate)
        {
            if (await WriteResultAsync(job.Id, ToRow(job, outcome, device, item.Lease.Attempt)) is { } e)
                (outcome, error) = (null, new IOException($"writing the result failed: {e.Message}", e));
        }

        if (outcome is null && item.HandBack)
        {
            // Stopped because the silo is stopping: not the job's failure. Back to the head of its queue.
            GridMetrics.Finished(job.Kind, "handed_back", null);
            var returned = false;
            if (await DeliverAsync(job.Id, "the hand-back", async () => returned = await experiment.ReturnLeaseAsync(item.Worker, item.Lease.Attempt)))
            {
                if (returned)
                    Interlocked.Increment(ref _handedBack);
                _log.LogInformation(returned ? "Job {JobId} handed back" : "Job {JobId} was not handed back: its lease had already passed on", job.Id);
            }
            else
                _log.LogError("Could not hand back {JobId}; its lease will expire and it will run again", job.Id);
            return;
        }

        if (outcome is null)
        {
            var (kind, message) = item.OverBudget is { } budget ? (FailureKind.OverBudget, budget) : Classify(error!);
            GridMetrics.Finished(job.Kind, kind == FailureKind.Cancelled ? "cancelled" : "failed", null);
            _log.LogWarning(error, "Job {JobId} failed ({Kind}): {Message}", job.Id, kind, message);
            if (!await DeliverAsync(job.Id, "the failure", () => experiment.FailAsync(item.Worker, item.Lease.Attempt, kind, message)))
                _log.LogError("Could not report the failure of {JobId}; its lease will expire and it will run again", job.Id);
            return;
        }

        // The job is done and its result written: only telling its grain is left. A silo dying
        // elsewhere makes that call fail for a few seconds; that is no failure of the job.
        GridMetrics.Finished(job.Kind, "succeeded", outcome.Duration.TotalSeconds);
        var accepted = false;
        if (await DeliverAsync(job.Id, "the success", async () => accepted = await experiment.CompleteAsync(item.Worker, new JobCompletion(item.Lease.Attempt, outcome.Duration.TotalSeconds, outcome.CheckpointPath))))
        {
            _log.LogInformation("Job {JobId} succeeded in {Seconds:F1} s{Note}", job.Id, outcome.Duration.TotalSeconds,
                accepted ? "" : " (its lease had passed to another worker; the result row is the same job's)");
        }
        else
        {
            _log.LogError("Could not report the success of {JobId}; its lease will expire and it will run again", job.Id);
        }
    }

    /// <summary>
    /// Writes a finished job's result row. While the store is unreachable for a while (a database
    /// restarting) it tries again, for up to a lease's length: the device stays busy and its
    /// worker keeps renewing the lease meanwhile, so a run is not thrown away and repeated for a
    /// blip of the database. Null once written; the error when it cannot be.
    /// </summary>
    private Task<Exception?> WriteResultAsync(string jobId, ResultRow row) =>
        PersistAsync(jobId, "writing the result", () => _results.WriteAsync([row]), StoreErrors.IsTransient);

    /// <summary>
    /// Makes a report to a job's grain, retrying while the cluster cannot deliver it (a silo died
    /// and membership has not caught up, a storage write conflicted) for up to a lease's length:
    /// after that the lease has lapsed and the job runs again anyway. False if it never got through.
    /// </summary>
    private async Task<bool> DeliverAsync(string jobId, string what, Func<Task> call)
    {
        var error = await PersistAsync(jobId, $"reporting {what}", call, e => e is OrleansException or TimeoutException);
        if (error is not null)
            _log.LogError(error, "Reporting {What} of {JobId} failed", what, jobId);
        return error is null;
    }

    /// <summary>
    /// Runs <paramref name="call"/>, and again after 0.25, 0.5, 1, 2, 4, 4 … s while it fails with an
    /// error <paramref name="transient"/> accepts, for up to a lease's length. Null once it
    /// succeeded; otherwise the last error.
    /// </summary>
    private async Task<Exception?> PersistAsync(string jobId, string what, Func<Task> call, Func<Exception, bool> transient)
    {
        var started = DateTime.UtcNow;
        var delay = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                await call();
                return null;
            }
            catch (Exception e) when (transient(e) && DateTime.UtcNow - started + delay <= _options.LeaseDuration)
            {
                _log.LogWarning("{What} of {JobId} failed ({Error}); trying again in {Delay} ms", what, jobId, e.Message, delay.TotalMilliseconds);
                await Task.Delay(delay);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(4).Ticks));
            }
            catch (Exception e)
            {
                return e;
            }
        }
    }

    private async Task NotifyWorkersAsync(WorkItem item)
    {
        foreach (var worker in item.Gang.Select(g => g.Worker).Prepend(item.Worker))
        {
            try
            {
                await _grains.Ref<IWorkerGrain>(worker).JobEndedAsync(item.Lease.Job.Id);
            }
            catch (Exception e)
            {
                _log.LogError(e, "Could not tell worker {Worker} that {JobId} ended", worker, item.Lease.Job.Id);
            }
        }
    }

    private static (FailureKind Kind, string Message) Classify(Exception e) => e switch
    {
        JobFailedException f => (f.Kind, f.Message),
        OperationCanceledException => (FailureKind.Cancelled, "cancelled"),
        OutOfMemoryException => (FailureKind.OutOfMemory, e.Message),
        // A native scalar freed by the finalizer during a libtorch call (see Optimisers.AdamW): not the job's fault.
        System.Runtime.InteropServices.ExternalException when e.Message.Contains("Unknown scalar type", StringComparison.Ordinal)
            || e.Message.Contains("c10/core/Scalar.h", StringComparison.Ordinal)
            => (FailureKind.Transient, $"libtorch: {e.Message.Split('\n')[0]}"),
        IOException or TimeoutException => (FailureKind.Transient, $"{e.GetType().Name}: {e.Message}"),
        _ => (FailureKind.Deterministic, $"{e.GetType().Name}: {e.Message}"),
    };

    private ResultRow ToRow(JobDescriptor job, JobOutcome outcome, Device device, int attempt)
    {
        var config = (EvaluateConfig)JobConfig.Parse(job.ConfigJson);
        return new ResultRow
        {
            JobId = job.Id,
            PretrainId = config.Pretrain.Id,
            Pretrain = config.Pretrain.Label,
            PretrainDataset = config.Pretrain.Dataset,
            PretrainMethod = config.Pretrain.Method,
            PretrainImages = config.Pretrain.Images,
            Backbone = config.Pretrain.Backbone.Arch,
            Width = config.Pretrain.Backbone.Width,
            Input = config.Pretrain.Backbone.Input,
            Task = config.Task,
            Protocol = config.Protocol,
            Shots = config.Shots,
            Seed = config.Seed,
            LearningRate = config.LearningRate,
            Metrics = outcome.Metrics,
            DurationSeconds = outcome.Duration.TotalSeconds,
            FinishedUtc = DateTimeOffset.UtcNow,
            Device = $"{_siloName}/{device.Name}",
            Attempt = attempt,
            Versions = _options.Versions,
            TrainIndices = outcome.TrainIndices is { } indices ? string.Join(',', indices) : "",
        };
    }

    /// <summary>
    /// Holds running jobs to the silo's budgets (<see cref="GridOptions.JobTimeBudget"/>,
    /// <see cref="GridOptions.JobMemoryBudgetBytes"/>): a job over one is cancelled with the reason,
    /// which its failure then carries. Between jobs it notes the memory the silo holds idle.
    /// </summary>
    private void WatchBudgets()
    {
        var running = _threads.Values.Select(t => t.Current).OfType<WorkItem>().Where(i => i.Executing && i.OverBudget is null).Distinct().ToList();
        var memory = Environment.WorkingSet;
        if (running.Count == 0 && _threads.Values.All(t => t.Current is null))
        {
            Volatile.Write(ref _idleMemory, memory);
            return;
        }

        var now = DateTime.UtcNow;
        var time = _options.JobTimeBudget;
        foreach (var item in running.Where(i => time > TimeSpan.Zero && now - i.StartedUtc > time))
            Stop(item, $"exceeded the time budget of {Describe(time)} per job (ran {Describe(now - item.StartedUtc)})");

        var budget = _options.JobMemoryBudgetBytes;
        var idle = Volatile.Read(ref _idleMemory);
        if (budget > 0 && running.Count > 0 && memory - idle > budget * running.Count)
        {
            var culprit = running.MaxBy(i => memory - i.MemoryAtStart)!;
            Stop(culprit, $"exceeded the memory budget of {budget >> 20} MiB per job (the silo held {memory >> 20} MiB, {idle >> 20} MiB of it with no job running; {running.Count} job(s) running)");
        }
    }

    private void Stop(WorkItem item, string reason)
    {
        item.OverBudget = reason;
        _log.LogWarning("Stopping job {JobId}: it {Reason}", item.Lease.Job.Id, reason);
        item.Cancellation.Cancel();
    }

    private static string Describe(TimeSpan span) =>
        span.TotalHours >= 1 ? $"{span.TotalHours:0.#} h" : span.TotalMinutes >= 1 ? $"{span.TotalMinutes:0.#} min" : $"{span.TotalSeconds:0.#} s";

    /// <summary>A leased job on its way through a device thread.</summary>
    /// <param name="Worker">The worker that leased it (and renews the lease).</param>
    /// <param name="Lease">The lease.</param>
    /// <param name="Gang">The other workers and device threads a job of several devices holds.</param>
    private sealed record WorkItem(string Worker, JobLease Lease, IReadOnlyList<(string Worker, DeviceThread Thread)> Gang)
    {
        private volatile bool _executing;

        public CancellationTokenSource Cancellation { get; } = new();

        /// <summary>Set when the silo stops the job to leave: it is handed back, not failed.</summary>
        public bool HandBack { get; set; }

        /// <summary>Set when the job is stopped for going over a budget: why.</summary>
        public string? OverBudget { get; set; }

        /// <summary>When the trainer started it.</summary>
        public DateTime StartedUtc { get; set; }

        /// <summary>The silo's resident memory when it started.</summary>
        public long MemoryAtStart { get; set; }

        /// <summary>True while the trainer runs the job (not while its outcome is reported).</summary>
        public bool Executing
        {
            get => _executing;
            set => _executing = value;
        }
    }

    /// <summary>
    /// One device's thread: runs one job at a time. It sleeps on a monitor while idle (no spinning:
    /// a silo may have dozens of devices on a few cores), and the device counts as busy from
    /// <see cref="TryStart"/> until the job's outcome has been reported.
    /// </summary>
    private sealed class DeviceThread : IDisposable
    {
        private readonly TrainingHost _host;
        private readonly Device _device;
        private readonly object _gate = new();
        private readonly Thread _thread;
        private WorkItem? _next;
        private bool _stopping;
        private int _finished;

        public DeviceThread(TrainingHost host, Device device)
        {
            _host = host;
            _device = device;
            _thread = new Thread(Loop) { IsBackground = true, Name = $"facerep-{device.Name}" };
            _thread.Start();
        }

        public WorkItem? Current { get; private set; }

        public Device Device => _device;

        public int Finished => Volatile.Read(ref _finished);

        /// <summary>Marks the device busy with <paramref name="item"/>; false if it is busy or stopping.</summary>
        public bool TryClaim(WorkItem item)
        {
            lock (_gate)
            {
                if (Current is not null || _stopping)
                    return false;
                Current = item;
                return true;
            }
        }

        /// <summary>Frees the device if <paramref name="item"/> holds it.</summary>
        public void Release(WorkItem item)
        {
            lock (_gate)
            {
                if (Current == item)
                    Current = null;
            }
        }

        /// <summary>Runs a claimed item on this thread.</summary>
        public void Run(WorkItem item)
        {
            lock (_gate)
            {
                _next = item;
                Monitor.Pulse(_gate);
            }
        }

        public void Dispose()
        {
            WorkItem? current;
            lock (_gate)
            {
                _stopping = true;
                current = Current;
                Monitor.Pulse(_gate);
            }

            try
            {
                current?.Cancellation.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // It ended just now.
            }

            _thread.Join(TimeSpan.FromSeconds(10));
        }

        private void Loop()
        {
            while (true)
            {
                WorkItem item;
                lock (_gate)
                {
                    while (_next is null && !_stopping)
                        Monitor.Wait(_gate);
                    if (_stopping)
                        return;
                    item = _next!;
                    _next = null;
                }

                var (outcome, error) = _host.Execute(_device, item);
                _ = FinishAsync(item, outcome, error);
            }
        }

        private async Task FinishAsync(WorkItem item, JobOutcome? outcome, Exception? error)
        {
            try
            {
                await _host.ReportAsync(_device, item, outcome, error);
            }
            finally
            {
                foreach (var (_, member) in item.Gang)
                    member.Release(item);
                Release(item);
                Interlocked.Increment(ref _finished);
                item.Cancellation.Dispose();
            }

            // Only now are the devices free: their workers may lease their next jobs.
            await _host.NotifyWorkersAsync(item);
        }
    }
}
