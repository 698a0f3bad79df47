using System.Data.Common;

namespace FaceRep.Results.Store;

/// <summary>Reading result rows and their metrics back from either store (the tables are the same).</summary>
internal static class ResultRows
{
    /// <summary>A sweep's recorded job counts by kind and its spec; one parameter, the sweep.</summary>
    public const string SweepRecordSql = """
        SELECT (SELECT count(*) FROM sweep_jobs WHERE sweep = $1 AND job_id LIKE 'pt-%'),
               (SELECT count(*) FROM sweep_jobs WHERE sweep = $1 AND job_id LIKE 'ev-%'),
               (SELECT spec FROM sweeps WHERE sweep = $1)
        """;

    /// <summary>Records a sweep's spec; parameters: sweep, spec.</summary>
    public const string RecordSpecSql =
        "INSERT INTO sweeps (sweep, spec, recorded_utc) VALUES ($1, $2, now()) ON CONFLICT (sweep) DO UPDATE SET spec = excluded.spec, recorded_utc = excluded.recorded_utc";

    /// <summary>Reads <see cref="SweepRecordSql"/>'s one row.</summary>
    public static async Task<SweepRecord?> ReadSweepRecordAsync(System.Data.Common.DbDataReader reader, string sweep, CancellationToken cancellationToken)
    {
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        var pretrain = Convert.ToInt32(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture);
        var evaluations = Convert.ToInt32(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture);
        var spec = reader.IsDBNull(2) ? null : reader.GetString(2);
        return pretrain == 0 && evaluations == 0 && spec is null ? null : new SweepRecord(sweep, pretrain, evaluations, spec);
    }

    /// <summary>
    /// The query of <see cref="IResultStore.SummariseAsync"/> ($1 sweep, $2 metric; a row's task is its scope) in SQL both stores
    /// read; <paramref name="textOrder"/> follows each text column in ORDER BY (PostgreSQL: <c> COLLATE "C"</c>).
    /// </summary>
    public static string SummarySql(string textOrder) => $"""
        SELECT r.pretrain, {ScopeSql}, r.protocol, r.shots, count(m.value), avg(m.value), coalesce(stddev_samp(m.value), 0)
        FROM results r
        JOIN sweep_jobs s ON s.job_id = r.job_id
        JOIN metrics m ON m.job_id = r.job_id AND m.metric = $2
        WHERE s.sweep = $1 AND m.value IS NOT NULL
        GROUP BY r.pretrain, {ScopeSql}, r.protocol, r.shots
        ORDER BY {ScopeSql}{textOrder}, r.protocol{textOrder}, r.pretrain{textOrder}, r.shots
        """;

    /// <summary>A result's scope in SQL (<see cref="ResultRow.Scope"/>): the task, or "task on benchmark".</summary>
    private const string ScopeSql =
        "CASE WHEN coalesce(r.benchmark, '') = '' THEN r.task " +
        "WHEN coalesce(r.benchmark_kind, '') = '' OR r.benchmark_kind = r.benchmark THEN r.task || ' on ' || r.benchmark " +
        "ELSE r.task || ' on ' || r.benchmark || ' (' || r.benchmark_kind || ')' END";

    /// <summary>Reads the rows of <see cref="SummarySql"/>.</summary>
    public static async Task<IReadOnlyList<SummaryRow>> ReadSummaryAsync(DbDataReader reader, string metric, CancellationToken cancellationToken)
    {
        var rows = new List<SummaryRow>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new SummaryRow(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetDouble(3), metric,
                Convert.ToInt32(reader.GetValue(4), System.Globalization.CultureInfo.InvariantCulture), reader.GetDouble(5), reader.GetDouble(6)));
        }

        return rows;
    }

    /// <summary>Reads <c>job_id, metric, value</c> rows into metrics by job (NULL is NaN: a metric that was not finite).</summary>
    public static async Task<Dictionary<string, Dictionary<string, double>>> ReadMetricsAsync(DbDataReader reader, CancellationToken cancellationToken)
    {
        var metrics = new Dictionary<string, Dictionary<string, double>>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            var id = reader.GetString(0);
            if (!metrics.TryGetValue(id, out var m))
                metrics[id] = m = new Dictionary<string, double>(StringComparer.Ordinal);
            m[reader.GetString(1)] = reader.IsDBNull(2) ? double.NaN : reader.GetDouble(2);
        }

        return metrics;
    }

    /// <summary>Reads rows of the <c>results</c> table's columns, in table order, with their metrics.</summary>
    public static async Task<List<ResultRow>> ReadAsync(DbDataReader reader, Dictionary<string, Dictionary<string, double>> metrics, CancellationToken cancellationToken)
    {
        var rows = new List<ResultRow>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var id = reader.GetString(0);
            rows.Add(new ResultRow
            {
                JobId = id,
                PretrainId = reader.GetString(1),
                Pretrain = reader.GetString(2),
                PretrainDataset = reader.IsDBNull(3) ? null : reader.GetString(3),
                PretrainMethod = reader.GetString(4),
                Backbone = reader.GetString(5),
                Width = reader.GetDouble(6),
                Input = reader.GetInt32(7),
                Task = reader.GetString(8),
                Protocol = reader.GetString(9),
                Shots = reader.GetDouble(10),
                Seed = reader.GetInt32(11),
                DurationSeconds = reader.GetDouble(12),
                FinishedUtc = new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(13), DateTimeKind.Utc)),
                Device = reader.GetString(14),
                Attempt = reader.GetInt32(15),
                Versions = reader.GetString(16),
                TrainIndices = reader.IsDBNull(17) ? "" : reader.GetString(17),
                LearningRate = reader.IsDBNull(18) ? 0 : reader.GetDouble(18),
                PretrainImages = reader.IsDBNull(19) ? 0 : reader.GetInt32(19),
                PretrainContent = reader.IsDBNull(20) ? "" : reader.GetString(20),
                PretrainKind = reader.IsDBNull(21) ? "" : reader.GetString(21),
                Benchmark = reader.IsDBNull(22) ? "" : reader.GetString(22),
                BenchmarkContent = reader.IsDBNull(23) ? "" : reader.GetString(23),
                BenchmarkKind = reader.IsDBNull(24) ? "" : reader.GetString(24),
                Metrics = metrics.TryGetValue(id, out var m) ? m : new Dictionary<string, double>(),
            });
        }

        return rows;
    }
}
