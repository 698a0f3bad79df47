using FaceRep.Core.Concurrency;

namespace FaceRep.Results.Store;

/// <summary>
/// Group-commits result writes to another store: rows written concurrently by many devices go
/// to the store in one transaction, and each writer returns only once its rows are committed.
/// Everything else passes straight through.
/// </summary>
public sealed class BatchingResultStore : IResultStore
{
    private readonly IResultStore _inner;
    private readonly GroupCommit<IReadOnlyCollection<ResultRow>> _writes;

    /// <summary>Wraps <paramref name="inner"/>, which this store disposes.</summary>
    public BatchingResultStore(IResultStore inner)
    {
        _inner = inner;
        _writes = new GroupCommit<IReadOnlyCollection<ResultRow>>("facerep-results", Commit, maxBatch: 512);
    }

    /// <summary>Transactions committed to the inner store so far, and the writes they held.</summary>
    public (long Commits, long Writes) Committed => (_writes.Batches, _writes.Writes);

    /// <summary>The store written to.</summary>
    public IResultStore Inner => _inner;

    /// <inheritdoc />
    public Task InitialiseAsync(CancellationToken cancellationToken = default) => _inner.InitialiseAsync(cancellationToken);

    /// <inheritdoc />
    public Task WriteAsync(IReadOnlyCollection<ResultRow> rows, CancellationToken cancellationToken = default) =>
        rows.Count == 0 ? Task.CompletedTask : _writes.SubmitAsync(rows);

    /// <inheritdoc />
    public Task RecordSweepAsync(string sweep, IReadOnlyCollection<string> jobIds, CancellationToken cancellationToken = default) =>
        _inner.RecordSweepAsync(sweep, jobIds, cancellationToken);

    /// <inheritdoc />
    /// <remarks>Curves are few (one per training job) and are written at once, not batched.</remarks>
    public Task WriteCurveAsync(JobCurve curve, CancellationToken cancellationToken = default) =>
        _inner.WriteCurveAsync(curve, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<JobCurve>> ReadCurvesAsync(string? sweep, CancellationToken cancellationToken = default) =>
        _inner.ReadCurvesAsync(sweep, cancellationToken);

    /// <inheritdoc />
    public Task RecordSpecAsync(string sweep, string spec, CancellationToken cancellationToken = default) =>
        _inner.RecordSpecAsync(sweep, spec, cancellationToken);

    /// <inheritdoc />
    public Task<SweepRecord?> ReadSweepAsync(string sweep, CancellationToken cancellationToken = default) =>
        _inner.ReadSweepAsync(sweep, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<ResultRow>> ReadAsync(string? sweep, CancellationToken cancellationToken = default) =>
        _inner.ReadAsync(sweep, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<SummaryRow>> SummariseAsync(string sweep, string metric, CancellationToken cancellationToken = default) =>
        _inner.SummariseAsync(sweep, metric, cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _writes.Dispose();
        await _inner.DisposeAsync();
    }

    private void Commit(IReadOnlyList<IReadOnlyCollection<ResultRow>> batch, Exception?[] failures) =>
        _inner.WriteAsync(batch.SelectMany(rows => rows).ToList()).GetAwaiter().GetResult();
}
