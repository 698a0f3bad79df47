using System.Globalization;
using System.Text;

namespace FaceRep.Results.Queries;

/// <summary>A coordinate of a result that queries may filter and group by.</summary>
/// <param name="Name">The name users write (<c>task</c>, <c>shots</c>).</param>
/// <param name="Column">The column of the results table.</param>
/// <param name="IsNumber">True for numeric coordinates (compared as numbers).</param>
/// <param name="InFacts">True when the DuckDB store's read layout (metric_facts, sweep_facts) holds it.</param>
/// <param name="Sql">An expression in place of the column (the subset, read from the metric's name).</param>
public sealed record Coordinate(string Name, string Column, bool IsNumber, bool InFacts = true, string? Sql = null)
{
    /// <summary>
    /// The benchmark test subset a metric was measured on: the part of its stored name after '@'
    /// (<c>nme_io@challenging</c>), <c>full</c> for the whole test split (and for SynthFace).
    /// </summary>
    public const string SubsetName = "subset";

    /// <summary>The SQL of the coordinate's value in a query of <c>results r JOIN metrics m</c>.</summary>
    public string Expression => Sql ?? $"r.{Column}";

    /// <summary>Every coordinate, in the order tables show them.</summary>
    public static readonly IReadOnlyList<Coordinate> All =
    [
        new("pretrain", "pretrain", false),
        new("dataset", "pretrain_dataset", false),
        new("method", "pretrain_method", false),
        new("backbone", "backbone", false),
        new("task", "task", false),
        new("protocol", "protocol", false),
        new("shots", "shots", true),
        new("seed", "seed", true),
        new("lr", "finetune_lr", true),
        new("device", "device", false),
        new("attempt", "attempt", true),
        new("benchmark", "benchmark", false, InFacts: false),
        new(SubsetName, "metric", false, InFacts: false, Sql: "CASE WHEN length(m.metric) > length($1) THEN substr(m.metric, length($1) + 2) ELSE 'full' END"),
    ];

    /// <summary>The coordinate of a name, or null.</summary>
    public static Coordinate? Find(string name) => All.FirstOrDefault(c => c.Name == name);
}

/// <summary>A filter: the coordinate is one of the values.</summary>
public sealed record Filter(Coordinate Coordinate, IReadOnlyList<string> Values);

/// <summary>
/// An aggregate query over a store's results: one metric, optionally one sweep, filters on
/// coordinates, and the coordinates to group by. Every group reports count, mean, sample standard
/// deviation and a 95% t interval of the mean.
/// </summary>
/// <param name="Metric">The metric aggregated.</param>
/// <param name="Sweep">Only this sweep's results, or all.</param>
/// <param name="Filters">Coordinate filters, all of which must hold.</param>
/// <param name="GroupBy">Coordinates to group by, in order.</param>
public sealed record ResultQuery(string Metric, string? Sweep, IReadOnlyList<Filter> Filters, IReadOnlyList<Coordinate> GroupBy)
{
    /// <summary>True when every coordinate it reads is in the DuckDB store's read layout.</summary>
    public bool UsesFacts => GroupBy.Concat(Filters.Select(f => f.Coordinate)).All(c => c.InFacts);

    /// <summary>True when it reads the metric on benchmark test subsets too (<c>metric@subset</c>).</summary>
    public bool BySubset => GroupBy.Concat(Filters.Select(f => f.Coordinate)).Any(c => c.Name == Coordinate.SubsetName);

    /// <summary>
    /// Builds a query from the console's words: <paramref name="where"/> holds <c>name=value[,value…]</c>
    /// items, <paramref name="groupBy"/> coordinate names. Throws <see cref="FormatException"/>
    /// naming the item that is wrong and what is allowed.
    /// </summary>
    public static ResultQuery Parse(string metric, string? sweep, IEnumerable<string> where, IEnumerable<string> groupBy)
    {
        if (string.IsNullOrWhiteSpace(metric))
            throw new FormatException("--metric is empty; name the metric to aggregate, e.g. nme_io");
        var filters = new List<Filter>();
        foreach (var item in where)
        {
            var equals = item.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || equals == item.Length - 1)
                throw new FormatException($"--where '{item}': write it as name=value or name=value1,value2");
            var coordinate = Known(item[..equals].Trim(), "--where");
            var values = item[(equals + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            foreach (var value in values.Where(v => coordinate.IsNumber && !double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
                throw new FormatException($"--where '{item}': {coordinate.Name} is a number, and '{value}' is not");
            filters.Add(new Filter(coordinate, values));
        }

        var groups = new List<Coordinate>();
        foreach (var name in groupBy.SelectMany(g => g.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)))
        {
            var coordinate = Known(name, "--group-by");
            if (groups.Contains(coordinate))
                throw new FormatException($"--group-by names '{name}' twice");
            groups.Add(coordinate);
        }

        return new ResultQuery(metric.Trim(), string.IsNullOrWhiteSpace(sweep) ? null : sweep, filters, groups);
    }

    private static Coordinate Known(string name, string option) =>
        Coordinate.Find(name) ?? throw new FormatException($"{option}: unknown coordinate '{name}'; known: {string.Join(", ", Coordinate.All.Select(c => c.Name))}");

    /// <summary>
    /// The query as SQL of the results, metrics and sweep_jobs tables, with positional parameters
    /// (<c>$1</c>…) that DuckDB and PostgreSQL both read. <paramref name="textOrder"/> is appended to
    /// text columns in ORDER BY (PostgreSQL: <c> COLLATE "C"</c>, so both sort by code point). With
    /// <paramref name="facts"/> it reads the read layout (<c>metric_facts</c>, <c>sweep_facts</c>: values stored with their
    /// coordinates, no joins), which the DuckDB store keeps.
    /// </summary>
    public (string Sql, IReadOnlyList<object> Parameters) ToSql(string textOrder, bool facts = false)
    {
        if (facts && !UsesFacts)
            throw new InvalidOperationException($"the read layout holds no {string.Join(", ", GroupBy.Concat(Filters.Select(f => f.Coordinate)).Where(c => !c.InFacts).Select(c => c.Name))}");
        var parameters = new List<object> { Metric };
        var sql = new StringBuilder();
        var groups = GroupBy.Select(g => g.Expression).ToList();
        sql.Append("SELECT ");
        foreach (var g in groups)
            sql.Append(g).Append(", ");
        var measured = facts ? "r.value" : "m.value";
        sql.Append($"count({measured}), avg({measured}), coalesce(stddev_samp({measured}), 0), min({measured}), max({measured}) ");
        if (facts)
        {
            // The read layout: metric values stored with their coordinates, per sweep or for all jobs.
            sql.Append(Sweep is null ? "FROM metric_facts r WHERE r.metric = $1" : "FROM sweep_facts r WHERE r.metric = $1");
            if (Sweep is not null)
            {
                parameters.Add(Sweep);
                sql.Append($" AND r.sweep = ${parameters.Count}");
            }

            sql.Append(" AND r.value IS NOT NULL");
        }
        else
        {
            // By subset: the metric over the whole test split and on each subset (nme_io, nme_io@common, …).
            sql.Append(BySubset
                ? "FROM results r JOIN metrics m ON m.job_id = r.job_id AND (m.metric = $1 OR left(m.metric, length($1) + 1) = $1 || '@') "
                : "FROM results r JOIN metrics m ON m.job_id = r.job_id AND m.metric = $1 ");
            if (Sweep is not null)
            {
                parameters.Add(Sweep);
                sql.Append($"JOIN sweep_jobs s ON s.job_id = r.job_id AND s.sweep = ${parameters.Count} ");
            }

            sql.Append("WHERE m.value IS NOT NULL");
        }

        foreach (var filter in Filters)
        {
            var placeholders = new List<string>();
            foreach (var value in filter.Values)
            {
                parameters.Add(filter.Coordinate.IsNumber ? double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture) : value);
                placeholders.Add($"${parameters.Count}");
            }

            var column = filter.Coordinate.IsNumber ? $"CAST({filter.Coordinate.Expression} AS DOUBLE PRECISION)" : filter.Coordinate.Expression;
            sql.Append($" AND {column} IN ({string.Join(", ", placeholders)})");
        }

        if (groups.Count > 0)
        {
            sql.Append(" GROUP BY ").Append(string.Join(", ", groups));
            sql.Append(" ORDER BY ").Append(string.Join(", ", GroupBy.Select(g => g.IsNumber ? g.Expression : $"{g.Expression}{textOrder}")));
        }

        return (sql.ToString(), parameters);
    }
}

/// <summary>One group of a query's answer.</summary>
/// <param name="Key">The group's coordinate values, in <see cref="ResultQuery.GroupBy"/> order (as text; empty for a missing dataset).</param>
/// <param name="Count">Results with a value of the metric.</param>
/// <param name="Mean">Their mean.</param>
/// <param name="StdDev">Their sample standard deviation (0 for one).</param>
/// <param name="Min">The smallest.</param>
/// <param name="Max">The largest.</param>
/// <param name="CiLower">Lower end of the 95% t interval of the mean (NaN under two results).</param>
/// <param name="CiUpper">Upper end of it.</param>
public sealed record AggregateRow(IReadOnlyList<string> Key, int Count, double Mean, double StdDev, double Min, double Max, double CiLower, double CiUpper);

/// <summary>A store that answers <see cref="ResultQuery"/> in its own database (the group-by runs there, not in memory).</summary>
public interface IResultQueries
{
    /// <summary>Runs an aggregate query.</summary>
    Task<IReadOnlyList<AggregateRow>> QueryAsync(ResultQuery query, CancellationToken cancellationToken = default);
}

/// <summary>Turns a query's raw groups into <see cref="AggregateRow"/>s with their intervals.</summary>
internal static class Aggregates
{
    /// <summary>Reads the rows of <see cref="ResultQuery.ToSql"/>: the group columns, then count, mean, std, min, max.</summary>
    public static async Task<IReadOnlyList<AggregateRow>> ReadAsync(System.Data.Common.DbDataReader reader, int groups, CancellationToken cancellationToken)
    {
        var rows = new List<AggregateRow>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var key = new string[groups];
            for (var i = 0; i < groups; i++)
                key[i] = reader.IsDBNull(i) ? "" : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture)!;
            var count = Convert.ToInt32(reader.GetValue(groups), CultureInfo.InvariantCulture);
            if (count == 0)
                continue;
            var mean = reader.GetDouble(groups + 1);
            var sd = reader.GetDouble(groups + 2);
            var (lower, upper) = Interval(count, mean, sd);
            rows.Add(new AggregateRow(key, count, mean, sd, reader.GetDouble(groups + 3), reader.GetDouble(groups + 4), lower, upper));
        }

        return rows;
    }

    /// <summary>The 95% Student t interval of a mean; NaN under two values.</summary>
    public static (double Lower, double Upper) Interval(int count, double mean, double sd)
    {
        if (count < 2)
            return (double.NaN, double.NaN);
        var half = Core.Statistics.StudentT.Quantile(0.975, count - 1) * sd / Math.Sqrt(count);
        return (mean - half, mean + half);
    }
}
