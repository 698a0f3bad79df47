using System.Collections.Concurrent;
using FaceRep.Core.Experiments;
using FaceRep.Grid.Abstractions;
using FaceRep.Grid.Workers;
using FaceRep.Results.Store;
using FaceRep.Training.Runs;

namespace FaceRep.Grid.Tests;

/// <summary>
/// A trainer that does no training: these tests are about scheduling. It records every run,
/// checks that no job runs twice at once, and fails jobs on request.
/// </summary>
public sealed class FakeExecutor : IJobExecutor
{
    private readonly ConcurrentDictionary<string, int> _running = new();
    private readonly ConcurrentDictionary<string, string> _busy = new();

    public ConcurrentQueue<(string JobId, JobKind Kind, DateTime Start, DateTime End)> Runs { get; } = new();

    public ConcurrentDictionary<string, (FailureKind Kind, int Times)> Failures { get; } = new();

    public int Overlaps;

    /// <summary>Runs that started on a device (worker) another run was still using.</summary>
    public int DeviceOverlaps;

    /// <summary>The start of each job's latest run.</summary>
    public ConcurrentDictionary<string, DateTime> StartOf { get; } = new();

    /// <summary>The context of each job's latest run.</summary>
    public ConcurrentDictionary<string, RunContext> ContextOf { get; } = new();

    public TimeSpan Delay { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Run times for particular jobs (cancellation still ends them at once).</summary>
    public ConcurrentDictionary<string, TimeSpan> Delays { get; } = new();

    /// <summary>
    /// Jobs that run until a task completes rather than for a set time (cancellation still ends them
    /// at once): a test that needs something to happen during a run awaits that event, not a window.
    /// </summary>
    public ConcurrentDictionary<string, Task> Holds { get; } = new();

    /// <summary>Curve points a job records (as a trainer would) when it starts, before it holds or sleeps.</summary>
    public ConcurrentDictionary<string, CurvePoint[]> Points { get; } = new();

    /// <summary>Raised as each run ends (however it ends): job id, worker, start, end.</summary>
    public event Action<string, string, DateTime, DateTime>? RunEnded;

    /// <summary>The worker (<c>{silo}/{device}</c>) of each job's latest run.</summary>
    public ConcurrentDictionary<string, string> WorkerOf { get; } = new();

    /// <summary>Completed when a job's run starts, by job id.</summary>
    public ConcurrentDictionary<string, TaskCompletionSource> Started { get; } = new();

    /// <summary>Completed when a job's run ends (however it ends), by job id.</summary>
    public ConcurrentDictionary<string, TaskCompletionSource> Ended { get; } = new();

    public Task StartedAsync(string jobId) => Started.GetOrAdd(jobId, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>Completes when the first of <paramref name="jobs"/> to start starts (the dispatcher need not take them in their listed order).</summary>
    public Task FirstStartedAsync(IEnumerable<JobDescriptor> jobs) => Task.WhenAny(jobs.Select(j => StartedAsync(j.Id)));

    public Task EndedAsync(string jobId) => Ended.GetOrAdd(jobId, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public JobOutcome Execute(JobDescriptor job, RunContext context)
    {
        var start = DateTime.UtcNow;
        if (_running.AddOrUpdate(job.Id, 1, (_, n) => n + 1) > 1)
            Interlocked.Increment(ref Overlaps);
        WorkerOf[job.Id] = context.Worker;
        StartOf[job.Id] = start;
        ContextOf[job.Id] = context;
        var held = context.Gang.Prepend(context.Worker).Where(w => w.Length > 0).ToList();
        foreach (var device in held)
        {
            if (!_busy.TryAdd(device, job.Id))
                Interlocked.Increment(ref DeviceOverlaps);
        }

        Started.GetOrAdd(job.Id, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        try
        {
            foreach (var point in Points.GetValueOrDefault(job.Id) ?? [])
                context.Record(point, (double)point.Step / point.TotalSteps, $"step {point.Step}");
            if (Holds.TryGetValue(job.Id, out var hold))
                hold.Wait(context.Cancellation);
            else
                context.Cancellation.WaitHandle.WaitOne(Delays.TryGetValue(job.Id, out var delay) ? delay : Delay);
            context.Cancellation.ThrowIfCancellationRequested();
            if (Failures.TryGetValue(job.Id, out var failure) && failure.Times > 0)
            {
                Failures[job.Id] = (failure.Kind, failure.Times - 1);
                throw new JobFailedException(failure.Kind, $"injected {failure.Kind} failure");
            }

            // A metric that depends only on the job, as a real deterministic trainer's would.
            var metric = (Math.Abs(job.Id.GetHashCode(StringComparison.Ordinal)) % 1000) / 1000.0;
            return new JobOutcome(new Dictionary<string, double> { ["nme_io"] = metric }, null, DateTime.UtcNow - start);
        }
        finally
        {
            foreach (var device in held)
                _busy.TryRemove(KeyValuePair.Create(device, job.Id));
            _running.AddOrUpdate(job.Id, 0, (_, n) => n - 1);
            var end = DateTime.UtcNow;
            Runs.Enqueue((job.Id, job.Kind, start, end));
            RunEnded?.Invoke(job.Id, context.Worker, start, end);
            Ended.GetOrAdd(job.Id, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }
}

/// <summary>An in-memory result store with the same idempotent-by-job-id contract as the real ones.</summary>
public class MemoryResultStore : IResultStore
{
    private readonly ConcurrentDictionary<string, ResultRow> _rows = new();
    private readonly ConcurrentDictionary<(string Sweep, string Job), byte> _sweeps = new();
    private readonly ConcurrentDictionary<string, string> _specs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, JobCurve> _curves = new(StringComparer.Ordinal);

    public int Writes;

    public virtual Task InitialiseAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task WriteAsync(IReadOnlyCollection<ResultRow> rows, CancellationToken cancellationToken = default)
    {
        foreach (var row in rows)
        {
            _rows[row.JobId] = row;
            Interlocked.Increment(ref Writes);
        }

        return Task.CompletedTask;
    }

    public Task RecordSweepAsync(string sweep, IReadOnlyCollection<string> jobIds, CancellationToken cancellationToken = default)
    {
        foreach (var id in jobIds)
            _sweeps[(sweep, id)] = 0;
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<ResultRow>> ReadAsync(string? sweep, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<ResultRow>>(_rows.Values.Where(r => sweep is null || _sweeps.ContainsKey((sweep, r.JobId))).ToList());

    public Task<IReadOnlyList<SummaryRow>> SummariseAsync(string sweep, string metric, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public Task WriteCurveAsync(JobCurve curve, CancellationToken cancellationToken = default)
    {
        _curves[curve.JobId] = curve;
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<JobCurve>> ReadCurvesAsync(string? sweep, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<JobCurve>>(_curves.Values.Where(c => sweep is null || _sweeps.ContainsKey((sweep, c.JobId))).OrderBy(c => c.JobId, StringComparer.Ordinal).ToList());

    public Task RecordSpecAsync(string sweep, string spec, CancellationToken cancellationToken = default)
    {
        _specs[sweep] = spec;
        return Task.CompletedTask;
    }

    public Task<SweepRecord?> ReadSweepAsync(string sweep, CancellationToken cancellationToken = default)
    {
        var ids = _sweeps.Keys.Where(k => k.Item1 == sweep).Select(k => k.Item2).ToList();
        return Task.FromResult<SweepRecord?>(ids.Count == 0 && !_specs.ContainsKey(sweep) ? null
            : new SweepRecord(sweep, ids.Count(i => i.StartsWith("pt-", StringComparison.Ordinal)), ids.Count(i => i.StartsWith("ev-", StringComparison.Ordinal)), _specs.GetValueOrDefault(sweep)));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
