using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using DuckDB.NET.Data;
using FaceRep.Core.Metrics;
using FaceRep.Results.Queries;
using Spectre.Console;

namespace FaceRep.Cli;

/// <summary><c>facerep results …</c>: query the result store directly (no cluster needed).</summary>
public static class ResultsCommands
{
    private static readonly string[] Formats = ["table", "csv", "json", "parquet"];

    /// <summary>The <c>results</c> verb and its sub-verbs.</summary>
    public static Command Create()
    {
        var results = new Command("results", "Query finished jobs' results straight from the result store.");
        results.Subcommands.Add(Query());
        results.Subcommands.Add(Compare());
        results.Subcommands.Add(Rank());
        results.Subcommands.Add(CurveCommands.Create());
        return results;
    }

    private static Command Query()
    {
        var metric = new Option<string>("--metric") { Description = "The metric to aggregate (nme_io, icc, accuracy, …).", Required = true };
        var store = new StoreOptions();
        var where = new Option<string[]>("--where")
        {
            Description = $"Keep results whose coordinate is one of the values: name=value[,value…]; repeatable. Coordinates: {string.Join(", ", Coordinate.All.Select(c => c.Name))}.",
            AllowMultipleArgumentsPerToken = false,
        };
        var groupBy = new Option<string[]>("--group-by") { Description = "Coordinates to group by, comma-separated or repeated (default: one group of everything)." };
        var format = new Option<string>("--format") { Description = "table, csv, json or parquet.", DefaultValueFactory = _ => "table" };
        var output = new Option<string?>("--output") { Description = "Write to this file instead of the console (required for parquet)." };
        var command = new Command("query", "Aggregate a metric over results: count, mean, std and a 95% t interval per group.")
        {
            metric, store.Sweep, where, groupBy, format, output, store.Out, store.Postgres,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var console = AnsiConsole.Console;
            ResultQuery query;
            try
            {
                query = ResultQuery.Parse(result.GetValue(metric)!, result.GetValue(store.Sweep), result.GetValue(where) ?? [], result.GetValue(groupBy) ?? []);
            }
            catch (FormatException e)
            {
                console.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
                return ExitCodes.BadInput;
            }

            var chosen = result.GetValue(format)!;
            var file = result.GetValue(output);
            if (!Formats.Contains(chosen))
            {
                console.MarkupLineInterpolated($"[red]error:[/] --format '{chosen}' is not one of {string.Join(", ", Formats)}");
                return ExitCodes.BadInput;
            }

            if (chosen == "parquet" && string.IsNullOrWhiteSpace(file))
            {
                console.MarkupLine("[red]error:[/] --format parquet writes a file: give --output FILE.parquet");
                return ExitCodes.BadInput;
            }

            if (file is not null && Directory.Exists(file))
            {
                console.MarkupLineInterpolated($"[red]error:[/] --output {Path.GetFullPath(file)} is a directory: name the file to write");
                return ExitCodes.BadInput;
            }

            var (answer, exit) = await store.ReadAsync(result, console, async opened =>
            {
                var queries = (IResultQueries)opened;
                var groups = await queries.QueryAsync(query, cancellationToken);
                // Beside every group, the floor of the same evaluations: what the constant predictor
                // made from their labels scores (absent for metrics without one, and for floors themselves).
                var floors = FloorOf(query.Metric) is { } floor && groups.Count > 0
                    ? await queries.QueryAsync(query with { Metric = floor }, cancellationToken)
                    : [];
                return new QueryAnswer(groups, floors);
            }, cancellationToken);
            if (answer is null)
                return exit;
            var rows = answer.Groups;

            // A metric no task reports and no result holds is a typing error, not an empty answer.
            if (rows.Count == 0 && MetricDefinitions.Find(query.Metric) is null)
            {
                console.MarkupLineInterpolated(
                    $"[red]error:[/] --metric '{query.Metric}' is not a metric: the known ones are {string.Join(", ", MetricDefinitions.All.Select(m => m.Name).Order(StringComparer.Ordinal))}, each with a val_ twin (validation split) and a floor_ twin (the constant predictor), and icc_auNN per action unit");
                return ExitCodes.BadInput;
            }

            if (rows.Count == 0)
                Console.Error.WriteLine($"No results of metric '{query.Metric}'{(query.Sweep is null ? "" : $" in sweep '{query.Sweep}'")} match.");
            try
            {
                await WriteAsync(console, query, answer, chosen, file, cancellationToken);
            }
            catch (Exception e) when (file is not null && e is IOException or UnauthorizedAccessException)
            {
                console.MarkupLineInterpolated($"[red]error:[/] cannot write --output {Path.GetFullPath(file)}: {e.Message}");
                return ExitCodes.BadInput;
            }

            return 0;
        });
        return command;
    }

    /// <summary>The floor twin of <paramref name="metric"/> (<c>floor_</c> + its name), or null when it is a floor already.</summary>
    private static string? FloorOf(string metric) =>
        metric.StartsWith(MetricDefinitions.FloorPrefix, StringComparison.Ordinal) ? null : MetricDefinitions.FloorPrefix + metric;

    /// <summary>A query's groups and, keyed like them, the floor's groups (empty when there is no floor).</summary>
    private sealed record QueryAnswer(IReadOnlyList<AggregateRow> Groups, IReadOnlyList<AggregateRow> Floors)
    {
        private readonly Dictionary<string, double> _floors = Floors.ToDictionary(f => string.Join('\u001f', f.Key), f => f.Mean, StringComparer.Ordinal);

        /// <summary>True when any group has a floor.</summary>
        public bool HasFloors => _floors.Count > 0;

        /// <summary>The mean floor over the same evaluations as <paramref name="group"/>, NaN when none measured one.</summary>
        public double FloorOf(AggregateRow group) => _floors.TryGetValue(string.Join('\u001f', group.Key), out var floor) ? floor : double.NaN;
    }

    private static async Task WriteAsync(IAnsiConsole console, ResultQuery query, QueryAnswer answer, string chosen, string? file, CancellationToken cancellationToken)
    {
        var rows = answer.Groups;
        switch (chosen)
        {
            case "parquet":
                await WriteParquetAsync(query, answer, Path.GetFullPath(file!), cancellationToken);
                console.MarkupLineInterpolated($"Wrote {rows.Count} group(s) to {Path.GetFullPath(file!)}");
                break;
            case "table":
                console.Write(Table(query, answer));
                if (answer.HasFloors)
                    console.MarkupLine("[dim]floor: the same evaluations' constant predictor (majority class, mean shape, mean intensity), made from their training labels alone.[/]");
                break;
            default:
                var text = chosen == "csv" ? Csv(query, answer) : Json(query, answer);
                if (file is null)
                    Console.Out.Write(text);
                else
                    await File.WriteAllTextAsync(file, text, cancellationToken);
                break;
        }
    }

    private static Command Compare()
    {
        var first = new Argument<string>("first") { Description = "A pre-training source (scratch, or dataset/method as in the results)." };
        var second = new Argument<string>("second") { Description = "Another." };
        var alpha = AlphaOption("Family-wise error level for the Holm-corrected tests.");
        var store = new StoreOptions();
        var command = new Command("compare", "Paired comparison of two pre-training sources in every (task, protocol, shots) cell, matched by seed, Holm-corrected.")
        {
            first, second, store.Sweep, alpha, store.Out, store.Postgres,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var console = AnsiConsole.Console;
            if (Level(result, alpha, console) is not { } level)
                return ExitCodes.BadInput;

            var (rows, exit) = await store.ReadAsync(result, console, opened => opened.ReadAsync(result.GetValue(store.Sweep), cancellationToken), cancellationToken);
            if (rows is null)
                return exit;

            var (a, b) = (result.GetValue(first)!, result.GetValue(second)!);
            IReadOnlyList<Results.Analysis.CellComparison> cells;
            try
            {
                cells = Results.Analysis.SourceComparison.Compare(Results.Analysis.HyperSelection.Select(rows).Rows, a, b, level);
            }
            catch (ArgumentException e)
            {
                console.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
                return ExitCodes.BadInput;
            }

            var table = new Table().Title(Markup.Escape($"{a} vs {b}: paired over seeds, Holm-corrected over {cells.Count(c => c.Verdict != Results.Analysis.Verdict.NotSupported)} cells at α = {level}"));
            foreach (var column in new[] { "task", "protocol", "shots", "metric", "n", a, b, "better by", "d_z", "p (t)", "p (Wilcoxon)", "p (Holm)", "finding" })
                table.AddColumn(Markup.Escape(column));
            foreach (var c in cells)
            {
                var definition = MetricDefinitions.Find(c.Metric);
                var scale = definition?.DisplayScale ?? 1;
                string Shown(double v) => double.IsNaN(v) ? "—" : (v * scale).ToString("F2", CultureInfo.InvariantCulture);
                string P(double p) => double.IsNaN(p) ? "—" : p < 1e-4 ? p.ToString("0.0e0", CultureInfo.InvariantCulture) : p.ToString("F4", CultureInfo.InvariantCulture);
                var finding = c.Verdict switch
                {
                    Results.Analysis.Verdict.FirstBetter => $"{a} better",
                    Results.Analysis.Verdict.SecondBetter => $"{b} better",
                    Results.Analysis.Verdict.Inconclusive => "inconclusive",
                    _ => $"not supported (under {Core.Statistics.PairedComparison.MinimumPairsForVerdict} matched seeds)",
                };
                table.AddRow(Markup.Escape(c.Task), Markup.Escape(c.Protocol), c.Shots.ToString(CultureInfo.InvariantCulture),
                    Markup.Escape($"{c.Metric} ({(c.Direction == MetricDirection.LowerIsBetter ? "↓" : "↑")})"),
                    c.Test.Count.ToString(CultureInfo.InvariantCulture), Shown(c.MeanFirst), Shown(c.MeanSecond), Shown(c.Improvement),
                    double.IsNaN(c.Test.EffectSize) ? "—" : c.Test.EffectSize.ToString("F2", CultureInfo.InvariantCulture),
                    P(c.Test.TPValue), P(c.Test.Wilcoxon.PValue), P(c.HolmP), Markup.Escape(finding));
            }

            console.Write(table);
            var counts = cells.GroupBy(c => c.Verdict).ToDictionary(g => g.Key, g => g.Count());
            int Of(Results.Analysis.Verdict v) => counts.GetValueOrDefault(v);
            console.MarkupLineInterpolated(
                $"{a} better in {Of(Results.Analysis.Verdict.FirstBetter)} cell(s), {b} better in {Of(Results.Analysis.Verdict.SecondBetter)}, inconclusive in {Of(Results.Analysis.Verdict.Inconclusive)}, not supported in {Of(Results.Analysis.Verdict.NotSupported)}.");
            return 0;
        });
        return command;
    }

    private static Command Rank()
    {
        var store = new StoreOptions();
        var command = new Command("rank", "Rank the pre-training sources in every (task, protocol, shots) cell by their mean over seeds (1 = best).")
        {
            store.Sweep, store.Out, store.Postgres,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var console = AnsiConsole.Console;
            var (rows, exit) = await store.ReadAsync(result, console, opened => opened.ReadAsync(result.GetValue(store.Sweep), cancellationToken), cancellationToken);
            if (rows is null)
                return exit;
            var cells = Results.Analysis.SourceRanking.Rank(Results.Analysis.HyperSelection.Select(rows).Rows);
            if (cells.Count == 0)
            {
                console.MarkupLine("No results to rank.");
                return 0;
            }

            foreach (var group in cells.GroupBy(c => (c.Task, c.Protocol, c.Metric, c.Direction)))
            {
                var scale = MetricDefinitions.Find(group.Key.Metric)?.DisplayScale ?? 1;
                var direction = group.Key.Direction == MetricDirection.LowerIsBetter ? "lower" : "higher";
                var table = new Table().Title(Markup.Escape($"{group.Key.Task} · {group.Key.Protocol} · {group.Key.Metric} ({direction} is better): rank (mean)"));
                table.AddColumn("source");
                foreach (var cell in group)
                    table.AddColumn(new TableColumn(cell.Shots.ToString(CultureInfo.InvariantCulture)).RightAligned());
                foreach (var source in group.SelectMany(c => c.Ranks.Keys).Distinct().Order(StringComparer.Ordinal))
                {
                    table.AddRow([Markup.Escape(source), .. group.Select(c => c.Ranks.TryGetValue(source, out var r)
                        ? $"{r.ToString("0.#", CultureInfo.InvariantCulture)} ({(c.Means[source] * scale).ToString("F2", CultureInfo.InvariantCulture)})"
                        : "—")]);
                }

                console.Write(table);
            }

            var overall = new Table().Title("Mean rank over the cells each source was in");
            overall.AddColumn("source").AddColumn(new TableColumn("mean rank").RightAligned()).AddColumn(new TableColumn("cells").RightAligned());
            foreach (var (source, meanRank, count) in Results.Analysis.SourceRanking.MeanRanks(cells))
                overall.AddRow(Markup.Escape(source), meanRank.ToString("F2", CultureInfo.InvariantCulture), count.ToString(CultureInfo.InvariantCulture));
            console.Write(overall);
            return 0;
        });
        return command;
    }

    /// <summary>The options every <c>results</c> verb reads the store with, and the reading itself.</summary>
    /// <summary>The <c>--alpha</c> option of the verbs that run Holm-corrected tests.</summary>
    internal static Option<double> AlphaOption(string description) =>
        new("--alpha") { Description = description, DefaultValueFactory = _ => 0.05 };

    /// <summary>The level given with <c>--alpha</c>, or null (after saying why) when it is not between 0 and 1.</summary>
    internal static double? Level(ParseResult result, Option<double> alpha, IAnsiConsole console)
    {
        var level = result.GetValue(alpha);
        if (level is > 0 and < 1)
            return level;
        console.MarkupLineInterpolated($"[red]error:[/] --alpha {level} must be between 0 and 1");
        return null;
    }

    private static string Header(ResultQuery query) => MetricDefinitions.Find(query.Metric) is { } known
        ? $"{query.Metric} ({(known.Direction == MetricDirection.LowerIsBetter ? "lower" : "higher")} is better)"
        : query.Metric;

    private static Table Table(ResultQuery query, QueryAnswer answer)
    {
        var table = new Table().Title(Markup.Escape(Header(query) + (query.Sweep is null ? "" : $" · sweep {query.Sweep}")));
        foreach (var g in query.GroupBy)
            table.AddColumn(g.Name);
        foreach (var column in new[] { "n", "mean", "std", "95% CI", "min", "max" }.Concat(answer.HasFloors ? ["floor"] : []))
            table.AddColumn(new TableColumn(column).RightAligned());
        foreach (var row in answer.Groups)
        {
            string[] cells = [.. row.Key.Select(k => Markup.Escape(k.Length == 0 ? "—" : k)),
                row.Count.ToString(CultureInfo.InvariantCulture), Number(row.Mean), Number(row.StdDev),
                double.IsNaN(row.CiLower) ? "—" : $"[{Number(row.CiLower)}, {Number(row.CiUpper)}]".Replace("[", "[[", StringComparison.Ordinal).Replace("]", "]]", StringComparison.Ordinal),
                Number(row.Min), Number(row.Max)];
            if (answer.HasFloors)
                cells = [.. cells, double.IsNaN(answer.FloorOf(row)) ? "—" : $"[dim]{Number(answer.FloorOf(row))}[/]"];
            table.AddRow(cells);
        }

        return table;
    }

    private static string Number(double value) => value.ToString("G6", CultureInfo.InvariantCulture);

    private static string Csv(ResultQuery query, QueryAnswer answer)
    {
        var csv = new StringBuilder();
        csv.AppendLine(string.Join(',', query.GroupBy.Select(g => g.Name).Concat(["metric", "n", "mean", "std", "ci95_lower", "ci95_upper", "min", "max", "floor"])));
        foreach (var row in answer.Groups)
        {
            csv.AppendLine(string.Join(',', row.Key.Select(CsvField).Concat([
                CsvField(query.Metric), row.Count.ToString(CultureInfo.InvariantCulture), R(row.Mean), R(row.StdDev), R(row.CiLower), R(row.CiUpper), R(row.Min), R(row.Max),
                R(answer.FloorOf(row))])));
        }

        return csv.ToString();
    }

    private static string R(double value) => double.IsNaN(value) ? "" : value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A CSV field, quoted when it must be.</summary>
    internal static string CsvField(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;

    private static string Json(ResultQuery query, QueryAnswer answer)
    {
        var json = new
        {
            metric = query.Metric,
            direction = MetricDefinitions.Find(query.Metric)?.Direction.ToString(),
            sweep = query.Sweep,
            where = query.Filters.ToDictionary(f => f.Coordinate.Name, f => f.Values),
            groupBy = query.GroupBy.Select(g => g.Name),
            groups = answer.Groups.Select(r => new
            {
                key = query.GroupBy.Select((g, i) => (g.Name, Value: r.Key[i])).ToDictionary(p => p.Name, p => p.Value),
                n = r.Count,
                mean = r.Mean,
                std = r.StdDev,
                ci95 = double.IsNaN(r.CiLower) ? null : new[] { r.CiLower, r.CiUpper },
                min = r.Min,
                max = r.Max,
                floor = double.IsNaN(answer.FloorOf(r)) ? (double?)null : answer.FloorOf(r),
            }),
        };
        return JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>Writes the groups as Parquet through an in-memory DuckDB (whichever store they came from).</summary>
    private static async Task WriteParquetAsync(ResultQuery query, QueryAnswer answer, string path, CancellationToken cancellationToken)
    {
        await using var db = new DuckDBConnection("Data Source=:memory:");
        await db.OpenAsync(cancellationToken);
        var keys = query.GroupBy.Select(g => $"\"{g.Name}\" VARCHAR").ToList();
        await using (var create = db.CreateCommand())
        {
            create.CommandText = $"CREATE TABLE groups ({string.Join(", ", keys.Concat(["metric VARCHAR", "n INTEGER", "mean DOUBLE", "std DOUBLE", "ci95_lower DOUBLE", "ci95_upper DOUBLE", "min DOUBLE", "max DOUBLE", "floor DOUBLE"]))})";
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        using (var appender = db.CreateAppender("groups"))
        {
            foreach (var row in answer.Groups)
            {
                var r = appender.CreateRow();
                foreach (var k in row.Key)
                    r = r.AppendValue(k);
                r = r.AppendValue(query.Metric).AppendValue(row.Count).AppendValue(row.Mean).AppendValue(row.StdDev);
                r = double.IsNaN(row.CiLower) ? r.AppendNullValue().AppendNullValue() : r.AppendValue(row.CiLower).AppendValue(row.CiUpper);
                r = r.AppendValue(row.Min).AppendValue(row.Max);
                var floor = answer.FloorOf(row);
                (double.IsNaN(floor) ? r.AppendNullValue() : r.AppendValue(floor)).EndRow();
            }
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await using var copy = db.CreateCommand();
        copy.CommandText = $"COPY groups TO '{path.Replace("'", "''", StringComparison.Ordinal)}' (FORMAT PARQUET)";
        await copy.ExecuteNonQueryAsync(cancellationToken);
    }
}
