namespace FaceRep.Results.Store;

/// <summary>The DuckDB store's training curves: one row per point in the <c>curves</c> table.</summary>
public sealed partial class DuckDbResultStore
{
    /// <inheritdoc />
    public async Task WriteCurveAsync(JobCurve curve, CancellationToken cancellationToken = default)
    {
        CurveRows.Validate(curve);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            using var transaction = _connection.BeginTransaction();
            Execute("DELETE FROM curves WHERE job_id = $1", curve.JobId);
            using (var appender = _connection.CreateAppender("curves"))
            {
                foreach (var p in curve.Points)
                {
                    var row = appender.CreateRow().AppendValue(curve.JobId).AppendValue(p.Phase).AppendValue(p.Step).AppendValue(p.TotalSteps);
                    foreach (var value in new[] { p.Loss, p.LearningRate, p.ImagesPerSecond, p.KnnAccuracy })
                        row = CurveRows.Stored(value) is { } v ? row.AppendValue(v) : row.AppendNullValue();
                    row.AppendValue(p.Seconds).EndRow();
                }
            }

            transaction.Commit();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<JobCurve>> ReadCurvesAsync(string? sweep, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            using var command = _connection.CreateCommand();
            command.CommandText = CurveRows.ReadSql(sweep is not null, "");
            if (sweep is not null)
                AddParameters(command, [sweep]);
            using var reader = await command.ExecuteReaderAsync(cancellationToken);
            return await CurveRows.ReadAsync(reader, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }
}
