namespace FaceRep.Results.Store;

/// <summary>Where finished jobs' results live and are queried from.</summary>
public interface IResultStore : IAsyncDisposable
{
    /// <summary>Creates the schema if it is missing.</summary>
    Task InitialiseAsync(CancellationToken cancellationToken = default);

    /// <summary>Writes results, replacing any earlier rows of the same jobs (idempotent by job id).</summary>
    Task WriteAsync(IReadOnlyCollection<ResultRow> rows, CancellationToken cancellationToken = default);

    /// <summary>Records which jobs belong to a sweep (idempotent).</summary>
    Task RecordSweepAsync(string sweep, IReadOnlyCollection<string> jobIds, CancellationToken cancellationToken = default);

    /// <summary>Reads the result rows of a sweep (all sweeps when null), ordered by coordinates.</summary>
    Task<IReadOnlyList<ResultRow>> ReadAsync(string? sweep, CancellationToken cancellationToken = default);

    /// <summary>Records the spec a sweep was expanded from (replacing an earlier one of the same sweep).</summary>
    Task RecordSpecAsync(string sweep, string spec, CancellationToken cancellationToken = default);

    /// <summary>What is recorded of a sweep (its job counts and spec), or null when nothing is.</summary>
    Task<SweepRecord?> ReadSweepAsync(string sweep, CancellationToken cancellationToken = default);

    /// <summary>Writes a job's training curve, replacing any curve kept for the same job (idempotent by job id).</summary>
    Task WriteCurveAsync(JobCurve curve, CancellationToken cancellationToken = default);

    /// <summary>The training curves of a sweep's jobs (every job's when null), one per job, each in (phase, step) order.</summary>
    Task<IReadOnlyList<JobCurve>> ReadCurvesAsync(string? sweep, CancellationToken cancellationToken = default);

    /// <summary>Mean and sample standard deviation of a metric over seeds per (pre-training, task, protocol, shots).</summary>
    Task<IReadOnlyList<SummaryRow>> SummariseAsync(string sweep, string metric, CancellationToken cancellationToken = default);
}

/// <summary>What the store holds about a sweep besides its results.</summary>
/// <param name="Sweep">Sweep name.</param>
/// <param name="PretrainJobs">Pre-training jobs recorded for it.</param>
/// <param name="EvaluationJobs">Evaluation jobs recorded for it.</param>
/// <param name="Spec">The spec it was expanded from, or null when none was recorded.</param>
public sealed record SweepRecord(string Sweep, int PretrainJobs, int EvaluationJobs, string? Spec);
