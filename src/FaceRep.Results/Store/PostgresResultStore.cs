using Npgsql;

namespace FaceRep.Results.Store;

/// <summary>
/// The cluster result store: PostgreSQL, shared by every silo. The same tables and the same
/// answers as <see cref="DuckDbResultStore"/>: writes replace a job's row and its metrics of the
/// same names in one transaction (idempotent by job id), a batch goes in as one statement of
/// arrays, and text sorts by code point (<c>COLLATE "C"</c>) whatever the server's locale.
/// </summary>
public sealed class PostgresResultStore : IResultStore, Queries.IResultQueries
{
    /// <summary>Serialises schema creation across silos starting together.</summary>
    private const long SchemaLock = 0x46616365526570; // "FaceRep"

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS results (
            job_id TEXT PRIMARY KEY,
            pretrain_id TEXT NOT NULL,
            pretrain TEXT NOT NULL,
            pretrain_dataset TEXT,
            pretrain_method TEXT NOT NULL,
            backbone TEXT NOT NULL,
            width DOUBLE PRECISION NOT NULL,
            input INTEGER NOT NULL,
            task TEXT NOT NULL,
            protocol TEXT NOT NULL,
            shots DOUBLE PRECISION NOT NULL,
            seed INTEGER NOT NULL,
            duration_s DOUBLE PRECISION NOT NULL,
            finished_utc TIMESTAMPTZ NOT NULL,
            device TEXT NOT NULL,
            attempt INTEGER NOT NULL,
            versions TEXT NOT NULL,
            train_indices TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE IF NOT EXISTS metrics (
            job_id TEXT NOT NULL,
            metric TEXT NOT NULL,
            value DOUBLE PRECISION,
            PRIMARY KEY (job_id, metric)
        );
        CREATE TABLE IF NOT EXISTS sweep_jobs (
            sweep TEXT NOT NULL,
            job_id TEXT NOT NULL,
            PRIMARY KEY (sweep, job_id)
        );
        ALTER TABLE results ADD COLUMN IF NOT EXISTS finetune_lr DOUBLE PRECISION NOT NULL DEFAULT 0;
        ALTER TABLE results ADD COLUMN IF NOT EXISTS pretrain_images INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE results ADD COLUMN IF NOT EXISTS pretrain_content TEXT NOT NULL DEFAULT '';
        ALTER TABLE results ADD COLUMN IF NOT EXISTS pretrain_kind TEXT NOT NULL DEFAULT '';
        ALTER TABLE results ADD COLUMN IF NOT EXISTS benchmark TEXT NOT NULL DEFAULT '';
        ALTER TABLE results ADD COLUMN IF NOT EXISTS benchmark_content TEXT NOT NULL DEFAULT '';
        ALTER TABLE results ADD COLUMN IF NOT EXISTS benchmark_kind TEXT NOT NULL DEFAULT '';
        CREATE TABLE IF NOT EXISTS sweeps (
            sweep TEXT PRIMARY KEY,
            spec TEXT NOT NULL,
            recorded_utc TIMESTAMPTZ NOT NULL
        );
        CREATE INDEX IF NOT EXISTS results_cell ON results (task, protocol, pretrain, shots);
        CREATE TABLE IF NOT EXISTS curves (
            job_id TEXT NOT NULL, phase TEXT NOT NULL, step BIGINT NOT NULL, total_steps BIGINT NOT NULL,
            loss DOUBLE PRECISION, lr DOUBLE PRECISION, images_per_s DOUBLE PRECISION, knn DOUBLE PRECISION, seconds DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (job_id, phase, step)
        );
        """;

    private const string Columns =
        "job_id, pretrain_id, pretrain, pretrain_dataset, pretrain_method, backbone, width, input, task, protocol, shots, seed, duration_s, finished_utc, device, attempt, versions, train_indices, finetune_lr, pretrain_images, pretrain_content, pretrain_kind, benchmark, benchmark_content, benchmark_kind";

    private readonly NpgsqlDataSource _source;

    /// <summary>Connects to the database named by an Npgsql connection string (<c>Host=…;Database=…;Username=…;Password=…</c>).</summary>
    /// <exception cref="ArgumentException">The connection string cannot be parsed.</exception>
    public PostgresResultStore(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        _source = NpgsqlDataSource.Create(connectionString);
    }

    /// <inheritdoc />
    public async Task InitialiseAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, $"SELECT pg_advisory_xact_lock({SchemaLock})", cancellationToken);
        await ExecuteAsync(connection, Schema, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async Task WriteAsync(IReadOnlyCollection<ResultRow> rows, CancellationToken cancellationToken = default)
    {
        if (rows.Count == 0)
            return;
        // The last row written for a job wins, as if the rows had been written one by one; rows
        // go in job-id order, so two silos writing overlapping batches lock them in one order.
        var latest = rows.GroupBy(r => r.JobId, StringComparer.Ordinal).Select(g => g.Last()).OrderBy(r => r.JobId, StringComparer.Ordinal).ToList();
        var metrics = latest.SelectMany(r => r.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => (r.JobId, m.Key, m.Value))).ToList();

        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand(
            $"""
            INSERT INTO results ({Columns})
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::int[],
                                 $9::text[], $10::text[], $11::float8[], $12::int[], $13::float8[], $14::timestamptz[], $15::text[], $16::int[],
                                 $17::text[], $18::text[], $19::float8[], $20::int[], $21::text[], $22::text[], $23::text[], $24::text[], $25::text[])
            ON CONFLICT (job_id) DO UPDATE SET
                pretrain_id = EXCLUDED.pretrain_id, pretrain = EXCLUDED.pretrain, pretrain_dataset = EXCLUDED.pretrain_dataset,
                pretrain_method = EXCLUDED.pretrain_method, backbone = EXCLUDED.backbone, width = EXCLUDED.width, input = EXCLUDED.input,
                task = EXCLUDED.task, protocol = EXCLUDED.protocol, shots = EXCLUDED.shots, seed = EXCLUDED.seed,
                duration_s = EXCLUDED.duration_s, finished_utc = EXCLUDED.finished_utc, device = EXCLUDED.device,
                attempt = EXCLUDED.attempt, versions = EXCLUDED.versions, train_indices = EXCLUDED.train_indices,
                finetune_lr = EXCLUDED.finetune_lr, pretrain_images = EXCLUDED.pretrain_images, pretrain_content = EXCLUDED.pretrain_content, pretrain_kind = EXCLUDED.pretrain_kind,
                benchmark = EXCLUDED.benchmark, benchmark_content = EXCLUDED.benchmark_content, benchmark_kind = EXCLUDED.benchmark_kind
            """, connection, transaction))
        {
            Add(command, latest.Select(r => r.JobId));
            Add(command, latest.Select(r => r.PretrainId));
            Add(command, latest.Select(r => r.Pretrain));
            Add(command, latest.Select(r => r.PretrainDataset));
            Add(command, latest.Select(r => r.PretrainMethod));
            Add(command, latest.Select(r => r.Backbone));
            Add(command, latest.Select(r => r.Width));
            Add(command, latest.Select(r => r.Input));
            Add(command, latest.Select(r => r.Task));
            Add(command, latest.Select(r => r.Protocol));
            Add(command, latest.Select(r => r.Shots));
            Add(command, latest.Select(r => r.Seed));
            Add(command, latest.Select(r => r.DurationSeconds));
            Add(command, latest.Select(r => r.FinishedUtc.UtcDateTime));
            Add(command, latest.Select(r => r.Device));
            Add(command, latest.Select(r => r.Attempt));
            Add(command, latest.Select(r => r.Versions));
            Add(command, latest.Select(r => r.TrainIndices));
            Add(command, latest.Select(r => r.LearningRate));
            Add(command, latest.Select(r => r.PretrainImages));
            Add(command, latest.Select(r => r.PretrainContent));
            Add(command, latest.Select(r => r.PretrainKind));
            Add(command, latest.Select(r => r.Benchmark));
            Add(command, latest.Select(r => r.BenchmarkContent));
            Add(command, latest.Select(r => r.BenchmarkKind));
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        if (metrics.Count > 0)
        {
            await using var command = new NpgsqlCommand(
                """
                INSERT INTO metrics (job_id, metric, value)
                SELECT * FROM unnest($1::text[], $2::text[], $3::float8[])
                ON CONFLICT (job_id, metric) DO UPDATE SET value = EXCLUDED.value
                """, connection, transaction);
            Add(command, metrics.Select(m => m.JobId));
            Add(command, metrics.Select(m => m.Key));
            // Not-a-number and infinities are stored as NULL, as in the DuckDB store: no metric of them is a measurement.
            Add(command, metrics.Select(m => double.IsFinite(m.Value) ? m.Value : (double?)null));
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async Task RecordSweepAsync(string sweep, IReadOnlyCollection<string> jobIds, CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand(
            "INSERT INTO sweep_jobs (sweep, job_id) SELECT DISTINCT $1, id FROM unnest($2::text[]) AS ids(id) ON CONFLICT DO NOTHING");
        command.Parameters.Add(new NpgsqlParameter { Value = sweep });
        Add(command, jobIds);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async Task RecordSpecAsync(string sweep, string spec, CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand(ResultRows.RecordSpecSql);
        command.Parameters.Add(new NpgsqlParameter { Value = sweep });
        command.Parameters.Add(new NpgsqlParameter { Value = spec });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async Task<SweepRecord?> ReadSweepAsync(string sweep, CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand(ResultRows.SweepRecordSql);
        command.Parameters.Add(new NpgsqlParameter { Value = sweep });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await ResultRows.ReadSweepRecordAsync(reader, sweep, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ResultRow>> ReadAsync(string? sweep, CancellationToken cancellationToken = default)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        // One snapshot for both queries, so a row and its metrics agree.
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        Dictionary<string, Dictionary<string, double>> metrics;
        await using (var command = new NpgsqlCommand(sweep is null
            ? "SELECT job_id, metric, value FROM metrics"
            : "SELECT m.job_id, m.metric, m.value FROM metrics m JOIN sweep_jobs s ON s.job_id = m.job_id WHERE s.sweep = $1", connection, transaction))
        {
            if (sweep is not null)
                command.Parameters.Add(new NpgsqlParameter { Value = sweep });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            metrics = await ResultRows.ReadMetricsAsync(reader, cancellationToken);
        }

        List<ResultRow> rows;
        await using (var command = new NpgsqlCommand(
            (sweep is null
                ? $"SELECT {Columns} FROM results r"
                : $"SELECT {Prefixed("r")} FROM results r JOIN sweep_jobs s ON s.job_id = r.job_id WHERE s.sweep = $1")
            + """ ORDER BY r.task COLLATE "C", r.protocol COLLATE "C", r.pretrain COLLATE "C", r.shots, r.seed, r.job_id COLLATE "C" """,
            connection, transaction))
        {
            if (sweep is not null)
                command.Parameters.Add(new NpgsqlParameter { Value = sweep });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            rows = await ResultRows.ReadAsync(reader, metrics, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return rows;
    }

    /// <inheritdoc />
    public async Task WriteCurveAsync(JobCurve curve, CancellationToken cancellationToken = default)
    {
        CurveRows.Validate(curve);
        var p = curve.Points;
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var delete = new NpgsqlCommand("DELETE FROM curves WHERE job_id = $1", connection, transaction))
        {
            delete.Parameters.Add(new NpgsqlParameter { Value = curve.JobId });
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var command = new NpgsqlCommand(
            $"INSERT INTO curves (job_id, {CurveRows.Columns}) SELECT $1, * FROM unnest($2::text[], $3::bigint[], $4::bigint[], $5::float8[], $6::float8[], $7::float8[], $8::float8[], $9::float8[])",
            connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = curve.JobId });
            Add(command, p.Select(x => x.Phase));
            Add(command, p.Select(x => x.Step));
            Add(command, p.Select(x => x.TotalSteps));
            Add(command, p.Select(x => CurveRows.Stored(x.Loss)));
            Add(command, p.Select(x => CurveRows.Stored(x.LearningRate)));
            Add(command, p.Select(x => CurveRows.Stored(x.ImagesPerSecond)));
            Add(command, p.Select(x => CurveRows.Stored(x.KnnAccuracy)));
            Add(command, p.Select(x => x.Seconds));
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<JobCurve>> ReadCurvesAsync(string? sweep, CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand(CurveRows.ReadSql(sweep is not null, " COLLATE \"C\""));
        if (sweep is not null)
            command.Parameters.Add(new NpgsqlParameter { Value = sweep });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await CurveRows.ReadAsync(reader, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<SummaryRow>> SummariseAsync(string sweep, string metric, CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand(ResultRows.SummarySql(" COLLATE \"C\""));
        command.Parameters.Add(new NpgsqlParameter { Value = sweep });
        command.Parameters.Add(new NpgsqlParameter { Value = metric });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await ResultRows.ReadSummaryAsync(reader, metric, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<Queries.AggregateRow>> QueryAsync(Queries.ResultQuery query, CancellationToken cancellationToken = default)
    {
        var (sql, parameters) = query.ToSql(textOrder: " COLLATE \"C\"");
        await using var command = _source.CreateCommand(sql);
        foreach (var value in parameters)
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await Queries.Aggregates.ReadAsync(reader, query.GroupBy.Count, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _source.DisposeAsync();

    private static string Prefixed(string alias) => string.Join(", ", Columns.Split(", ").Select(c => $"{alias}.{c}"));

    private static void Add<T>(NpgsqlCommand command, IEnumerable<T> values) =>
        command.Parameters.Add(new NpgsqlParameter { Value = values.ToArray() });

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
