using System.Data.Common;
using DuckDB.NET.Data;

namespace FaceRep.Results.Store;

/// <summary>
/// The embedded result store: one DuckDB file. Writes replace a job's rows in one transaction,
/// so a job written twice (a retry, a resumed sweep) still has exactly one result.
/// </summary>
public sealed partial class DuckDbResultStore : IResultStore, Queries.IResultQueries
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS results (
            job_id VARCHAR PRIMARY KEY,
            pretrain_id VARCHAR NOT NULL,
            pretrain VARCHAR NOT NULL,
            pretrain_dataset VARCHAR,
            pretrain_method VARCHAR NOT NULL,
            backbone VARCHAR NOT NULL,
            width DOUBLE NOT NULL,
            input INTEGER NOT NULL,
            task VARCHAR NOT NULL,
            protocol VARCHAR NOT NULL,
            shots DOUBLE NOT NULL,
            seed INTEGER NOT NULL,
            duration_s DOUBLE NOT NULL,
            finished_utc TIMESTAMPTZ NOT NULL,
            device VARCHAR NOT NULL,
            attempt INTEGER NOT NULL,
            versions VARCHAR NOT NULL
        );
        CREATE TABLE IF NOT EXISTS metrics (
            job_id VARCHAR NOT NULL,
            metric VARCHAR NOT NULL,
            value DOUBLE,
            PRIMARY KEY (job_id, metric)
        );
        ALTER TABLE results ADD COLUMN IF NOT EXISTS train_indices VARCHAR DEFAULT '';
        ALTER TABLE results ADD COLUMN IF NOT EXISTS finetune_lr DOUBLE DEFAULT 0;
        ALTER TABLE results ADD COLUMN IF NOT EXISTS pretrain_images INTEGER DEFAULT 0;
        ALTER TABLE results ADD COLUMN IF NOT EXISTS pretrain_content VARCHAR DEFAULT '';
        ALTER TABLE results ADD COLUMN IF NOT EXISTS pretrain_kind VARCHAR DEFAULT '';
        ALTER TABLE results ADD COLUMN IF NOT EXISTS benchmark VARCHAR DEFAULT '';
        ALTER TABLE results ADD COLUMN IF NOT EXISTS benchmark_content VARCHAR DEFAULT '';
        ALTER TABLE results ADD COLUMN IF NOT EXISTS benchmark_kind VARCHAR DEFAULT '';
        CREATE TABLE IF NOT EXISTS sweep_jobs (
            sweep VARCHAR NOT NULL,
            job_id VARCHAR NOT NULL,
            PRIMARY KEY (sweep, job_id)
        );
        CREATE TABLE IF NOT EXISTS sweeps (
            sweep VARCHAR PRIMARY KEY,
            spec VARCHAR NOT NULL,
            recorded_utc TIMESTAMPTZ NOT NULL
        );
        CREATE TABLE IF NOT EXISTS metric_facts (
            job_id VARCHAR NOT NULL, metric VARCHAR NOT NULL, value DOUBLE,
            pretrain VARCHAR NOT NULL, pretrain_dataset VARCHAR, pretrain_method VARCHAR NOT NULL, backbone VARCHAR NOT NULL,
            task VARCHAR NOT NULL, protocol VARCHAR NOT NULL, shots DOUBLE NOT NULL, seed INTEGER NOT NULL,
            finetune_lr DOUBLE NOT NULL, device VARCHAR NOT NULL, attempt INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS sweep_facts (
            sweep VARCHAR NOT NULL, job_id VARCHAR NOT NULL, metric VARCHAR NOT NULL, value DOUBLE,
            pretrain VARCHAR NOT NULL, pretrain_dataset VARCHAR, pretrain_method VARCHAR NOT NULL, backbone VARCHAR NOT NULL,
            task VARCHAR NOT NULL, protocol VARCHAR NOT NULL, shots DOUBLE NOT NULL, seed INTEGER NOT NULL,
            finetune_lr DOUBLE NOT NULL, device VARCHAR NOT NULL, attempt INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS curves (
            job_id VARCHAR NOT NULL, phase VARCHAR NOT NULL, step BIGINT NOT NULL, total_steps BIGINT NOT NULL,
            loss DOUBLE, lr DOUBLE, images_per_s DOUBLE, knn DOUBLE, seconds DOUBLE NOT NULL,
            PRIMARY KEY (job_id, phase, step)
        );
        CREATE TABLE IF NOT EXISTS facts_generation (generation BIGINT NOT NULL);
        INSERT INTO facts_generation SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM facts_generation);
        CREATE TABLE IF NOT EXISTS sweep_facts_built (sweep VARCHAR NOT NULL, metric VARCHAR NOT NULL, generation BIGINT NOT NULL, PRIMARY KEY (sweep, metric));
        """;

    // Read layout for sweep-scoped queries: sweep_facts holds a sweep's values of a metric as of the
    // write generation they were built at (sweep_facts_built). Writes and sweep records bump the
    // generation; a query of a (sweep, metric) whose facts are older rebuilds them first, in one
    // pass, so writes never pay for it and a finished sweep's facts are built once.
    private const string BumpGeneration = "UPDATE facts_generation SET generation = generation + 1";

    /// <summary>The facts of a metrics table's rows: one row per metric with its job's coordinates from a results table.</summary>
    private static string FactsOf(string metrics, string results) => $"""
        SELECT m.job_id, m.metric, m.value, r.pretrain, r.pretrain_dataset, r.pretrain_method, r.backbone,
               r.task, r.protocol, r.shots, r.seed, r.finetune_lr, r.device, r.attempt
        FROM {metrics} m JOIN {results} r ON r.job_id = m.job_id
        """;

    private readonly DuckDBConnection _connection;
    private readonly SemaphoreSlim _gate = new(1, 1);

    private int _disposed;

    /// <summary>Opens (creating if needed) the DuckDB file at <paramref name="path"/>.</summary>
    public DuckDbResultStore(string path)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        FilePath = full;
        _connection = new DuckDBConnection($"Data Source={full}");
        _connection.Open();
    }

    /// <summary>The database file.</summary>
    public string FilePath { get; }

    /// <inheritdoc />
    public async Task InitialiseAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            using (var command = _connection.CreateCommand())
            {
                command.CommandText = Schema;
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public async Task WriteAsync(IReadOnlyCollection<ResultRow> rows, CancellationToken cancellationToken = default)
    {
        if (rows.Count == 0)
            return;
        // The last row written for a job wins, as if the rows had been written one by one.
        var latest = rows.GroupBy(r => r.JobId, StringComparer.Ordinal).Select(g => g.Last()).ToList();
        await _gate.WaitAsync(cancellationToken);
        try
        {
            // Set-based, not row by row: DuckDB pays dearly per statement and per bound parameter.
            // The batch is staged once; new jobs (nearly all) are inserted as they are, and if any
            // job already has rows, the primary key refuses the batch, which is rolled back and
            // written again replacing them.
            Execute("CREATE TEMP TABLE IF NOT EXISTS staged_results AS SELECT * FROM results LIMIT 0");
            Execute("CREATE TEMP TABLE IF NOT EXISTS staged_metrics AS SELECT * FROM metrics LIMIT 0");
            Execute("TRUNCATE staged_results");
            Execute("TRUNCATE staged_metrics");
            Append("staged_results", "staged_metrics", latest);
            try
            {
                Insert(replacing: false);
            }
            catch (DuckDBException)
            {
                Insert(replacing: true);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public async Task RecordSweepAsync(string sweep, IReadOnlyCollection<string> jobIds, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            using var transaction = _connection.BeginTransaction();
            StageIds(jobIds);
            Execute("INSERT INTO sweep_jobs SELECT DISTINCT $1, job_id FROM staged_ids ON CONFLICT DO NOTHING", sweep);
            Execute(BumpGeneration);
            transaction.Commit();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public async Task RecordSpecAsync(string sweep, string spec, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            Execute(ResultRows.RecordSpecSql, sweep, spec);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public async Task<SweepRecord?> ReadSweepAsync(string sweep, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            using var command = _connection.CreateCommand();
            command.CommandText = ResultRows.SweepRecordSql;
            AddParameters(command, [sweep]);
            using var reader = await command.ExecuteReaderAsync(cancellationToken);
            return await ResultRows.ReadSweepRecordAsync(reader, sweep, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Moves the staged batch into the tables of record and keeps the read layout: every metric
    /// value with its job's coordinates, in <c>metric_facts</c> and, once per sweep the job is in,
    /// in <c>sweep_facts</c> (aggregate queries read these alone, without joins on job ids). When
    /// <paramref name="replacing"/>, jobs written before are replaced: their row and their metrics
    /// of the same names, which are all a job has (its metrics are fixed by its task), and their facts.
    /// </summary>
    private void Insert(bool replacing)
    {
        using var transaction = _connection.BeginTransaction();
        var verb = replacing ? "INSERT OR REPLACE" : "INSERT";
        Execute($"{verb} INTO results SELECT * FROM staged_results");
        Execute($"{verb} INTO metrics SELECT * FROM staged_metrics");
        if (replacing)
            Execute("DELETE FROM metric_facts WHERE job_id IN (SELECT job_id FROM staged_results)");
        Execute($"INSERT INTO metric_facts {FactsOf("staged_metrics", "staged_results")}");
        Execute(BumpGeneration);
        transaction.Commit();
    }

    private long Scalar(string sql, params object?[] values)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        AddParameters(command, values);
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Appends rows to a results table and their metrics to a metrics table.</summary>
    private void Append(string resultsTable, string metricsTable, IReadOnlyList<ResultRow> rows)
    {
        using (var appender = _connection.CreateAppender(resultsTable))
        {
            foreach (var row in rows)
            {
                var r = appender.CreateRow()
                    .AppendValue(row.JobId).AppendValue(row.PretrainId).AppendValue(row.Pretrain);
                r = row.PretrainDataset is null ? r.AppendNullValue() : r.AppendValue(row.PretrainDataset);
                r.AppendValue(row.PretrainMethod).AppendValue(row.Backbone).AppendValue(row.Width).AppendValue(row.Input)
                    .AppendValue(row.Task).AppendValue(row.Protocol).AppendValue(row.Shots).AppendValue(row.Seed)
                    .AppendValue(row.DurationSeconds).AppendValue(row.FinishedUtc).AppendValue(row.Device).AppendValue(row.Attempt)
                    .AppendValue(row.Versions).AppendValue(row.TrainIndices).AppendValue(row.LearningRate).AppendValue(row.PretrainImages)
                    .AppendValue(row.PretrainContent).AppendValue(row.PretrainKind).AppendValue(row.Benchmark).AppendValue(row.BenchmarkContent).AppendValue(row.BenchmarkKind)
                    .EndRow();
            }
        }

        using (var appender = _connection.CreateAppender(metricsTable))
        {
            foreach (var row in rows)
            {
                foreach (var (metric, value) in row.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal))
                {
                    var r = appender.CreateRow().AppendValue(row.JobId).AppendValue(metric);
                    (double.IsFinite(value) ? r.AppendValue(value) : r.AppendNullValue()).EndRow();
                }
            }
        }
    }

    /// <summary>Fills this connection's staging table with job ids (inside the caller's transaction).</summary>
    private void StageIds(IEnumerable<string> ids)
    {
        Execute("CREATE TEMP TABLE IF NOT EXISTS staged_ids (job_id VARCHAR NOT NULL)");
        Execute("DELETE FROM staged_ids");
        using var appender = _connection.CreateAppender("staged_ids");
        foreach (var id in ids)
            appender.CreateRow().AppendValue(id).EndRow();
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ResultRow>> ReadAsync(string? sweep, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            Dictionary<string, Dictionary<string, double>> metrics;
            using (var command = _connection.CreateCommand())
            {
                command.CommandText = sweep is null
                    ? "SELECT job_id, metric, value FROM metrics"
                    : "SELECT m.job_id, m.metric, m.value FROM metrics m JOIN sweep_jobs s ON s.job_id = m.job_id WHERE s.sweep = $1";
                AddParameters(command, sweep is null ? [] : [sweep]);
                using var reader = await command.ExecuteReaderAsync(cancellationToken);
                metrics = await ResultRows.ReadMetricsAsync(reader, cancellationToken);
            }

            List<ResultRow> rows;
            using (var command = _connection.CreateCommand())
            {
                command.CommandText = (sweep is null
                    ? "SELECT r.* FROM results r"
                    : "SELECT r.* FROM results r JOIN sweep_jobs s ON s.job_id = r.job_id WHERE s.sweep = $1")
                    + " ORDER BY r.task, r.protocol, r.pretrain, r.shots, r.seed, r.job_id";
                AddParameters(command, sweep is null ? [] : [sweep]);
                using var reader = await command.ExecuteReaderAsync(cancellationToken);
                rows = await ResultRows.ReadAsync(reader, metrics, cancellationToken);
            }

            return rows;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<SummaryRow>> SummariseAsync(string sweep, string metric, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            using var command = _connection.CreateCommand();
            command.CommandText = ResultRows.SummarySql("");
            AddParameters(command, [sweep, metric]);
            using var reader = await command.ExecuteReaderAsync(cancellationToken);
            return await ResultRows.ReadSummaryAsync(reader, metric, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<Queries.AggregateRow>> QueryAsync(Queries.ResultQuery query, CancellationToken cancellationToken = default)
    {
        // The read layout holds the common coordinates; a query by benchmark or subset joins the tables.
        var (sql, parameters) = query.ToSql(textOrder: "", facts: query.UsesFacts);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (query.Sweep is { } sweep && query.UsesFacts)
            {
                using var transaction = _connection.BeginTransaction();
                var current = Scalar("SELECT generation FROM facts_generation");
                var built = Scalar("SELECT coalesce(max(generation), -1) FROM sweep_facts_built WHERE sweep = $1 AND metric = $2", sweep, query.Metric);
                if (built != current)
                {
                    // Built per (sweep, metric) and inserted in one piece, so the table's zone maps skip the rest when it is read.
                    Execute("DELETE FROM sweep_facts WHERE sweep = $1 AND metric = $2", sweep, query.Metric);
                    Execute("INSERT INTO sweep_facts SELECT $1, f.* FROM metric_facts f WHERE f.metric = $2 AND f.job_id IN (SELECT job_id FROM sweep_jobs WHERE sweep = $1)", sweep, query.Metric);
                    Execute("INSERT OR REPLACE INTO sweep_facts_built VALUES ($1, $2, $3)", sweep, query.Metric, current);
                }

                transaction.Commit();
            }

            using var command = _connection.CreateCommand();
            command.CommandText = sql;
            AddParameters(command, [.. parameters]);
            using var reader = await command.ExecuteReaderAsync(cancellationToken);
            return await Queries.Aggregates.ReadAsync(reader, query.GroupBy.Count, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // Disposing twice is harmless, as for any IAsyncDisposable.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        await _gate.WaitAsync();
        try
        {
            await _connection.DisposeAsync();
        }
        finally
        {
            _gate.Release();
            _gate.Dispose();
        }
    }

    private void Execute(string sql, params object?[] values)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        AddParameters(command, values);
        command.ExecuteNonQuery();
    }

    private static void AddParameters(DbCommand command, object?[] values)
    {
        foreach (var value in values)
            command.Parameters.Add(new DuckDBParameter(value ?? DBNull.Value));
    }
}
