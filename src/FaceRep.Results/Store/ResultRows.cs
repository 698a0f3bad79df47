using System.Data.Common;

namespace FaceRep.Results.Store;

/// <summary>Reading result rows and their metrics back from either store (the tables are the same).</summary>
internal static class ResultRows
{
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
                Metrics = metrics.TryGetValue(id, out var m) ? m : new Dictionary<string, double>(),
            });
        }

        return rows;
    }
}
