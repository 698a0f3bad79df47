using System.Globalization;
using System.Text.Json;
using DuckDB.NET.Data;
using FaceRep.Results.Store;

namespace FaceRep.Cli.Tests;

/// <summary><c>facerep results query</c> through the real executable, on a store of known results.</summary>
public sealed class ResultsCommandsTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);
    private readonly string _dir = Directory.CreateTempSubdirectory("facerep-results-cli-").FullName;

    private static ResultRow Row(string id, string pretrain, double shots, int seed, double nme, double floor) => new()
    {
        JobId = id,
        PretrainId = $"pt-{pretrain}",
        Pretrain = pretrain,
        PretrainDataset = pretrain == "scratch" ? null : "synth-curated",
        PretrainMethod = pretrain == "scratch" ? "scratch" : "simclr",
        Backbone = "resnet18",
        Width = 0.25,
        Input = 64,
        Task = "landmarks",
        Protocol = "finetune",
        Shots = shots,
        Seed = seed,
        Metrics = new Dictionary<string, double> { ["nme_io"] = nme, ["floor_nme_io"] = floor },
        DurationSeconds = 1,
        FinishedUtc = DateTimeOffset.UnixEpoch,
        Device = "silo/cpu0",
        Attempt = 1,
        Versions = "test",
    };

    public async Task InitializeAsync()
    {
        // The embedded layout: <out>/results.duckdb.
        await using var store = new DuckDbResultStore(Path.Combine(_dir, "facerep-out", "results.duckdb"));
        await store.InitialiseAsync();
        await store.RecordSweepAsync("known", ["a", "b", "c", "d"]);
        await store.WriteAsync([
            Row("a", "scratch", 0.05, 0, 0.30, 0.40),
            Row("b", "scratch", 0.05, 1, 0.20, 0.44),
            Row("c", "synth-curated/simclr", 0.05, 0, 0.15, 0.40),
            Row("d", "synth-curated/simclr", 0.05, 1, 0.11, 0.44),
        ]);
        await store.RecordSpecAsync("known", "name: known\nseeds: [0, 1]\n");
    }

    [Fact]
    public async Task Report_writes_the_markdown_the_page_and_a_chart_and_prints_the_conclusions()
    {
        var (code, output) = await FacerepProcess.RunAsync(_dir, Timeout, "report", "known", "--out", "rep");

        Assert.True(code == 0, output);
        Assert.Contains("Which pre-training source is best for each task and shot count?", output, StringComparison.Ordinal);
        Assert.Contains("Not measured by this sweep: no self-supervised source on an uncurated set", output, StringComparison.Ordinal);
        var markdown = File.ReadAllText(Path.Combine(_dir, "rep", "report.md"));
        Assert.Contains("# Sweep known: results and conclusions", markdown, StringComparison.Ordinal);
        Assert.Contains("4 evaluation results of 4 evaluation jobs", markdown, StringComparison.Ordinal);
        Assert.Contains("```yaml\nname: known\nseeds: [0, 1]\n```", markdown, StringComparison.Ordinal);
        // scratch 25.00 ± 7.07 over seeds 30 and 20; simclr 13.00 ± 2.83.
        Assert.Contains("| scratch | 25.00 ± 7.07 [20.00, 30.00] (n=2) |", markdown, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_dir, "rep", "charts", "landmarks-finetune.png")));
        Assert.Contains("data:image/png;base64,", File.ReadAllText(Path.Combine(_dir, "rep", "report.html")), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nope", "Unrecognized command or argument 'nope'.", "See 'facerep --help'.")]
    [InlineData("results query", "Option '--metric' is required.", "See 'facerep results query --help'.")]
    [InlineData("results nope", "Unrecognized command or argument 'nope'.", "See 'facerep results --help'.")]
    [InlineData("report", "Required argument missing for command: 'report'.", "See 'facerep report --help'.")]
    [InlineData("demo --slots many", "Cannot parse argument 'many' for option '--slots'", "See 'facerep demo --help'.")]
    public async Task Bad_arguments_are_one_error_line_and_where_help_is_with_exit_code_2(string arguments, string error, string help)
    {
        var (code, output) = await FacerepProcess.RunAsync(_dir, Timeout, arguments.Split(' '));

        Assert.Equal(2, code);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("error: " + error, lines[0], StringComparison.Ordinal);
        Assert.Equal(help, lines[1]);
    }

    [Fact]
    public async Task Report_of_an_unknown_sweep_or_a_missing_run_is_one_line_and_exit_code_2()
    {
        var (unknown, unknownOutput) = await FacerepProcess.RunAsync(_dir, Timeout, "report", "nope", "--out", "rep");
        var (missing, missingOutput) = await FacerepProcess.RunAsync(_dir, Timeout, "report", "known", "--run", "nowhere");

        Assert.Equal((2, 2), (unknown, missing));
        Assert.Contains("has no results or record of a sweep named 'nope'", unknownOutput, StringComparison.Ordinal);
        Assert.Contains("holds no results", missingOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", unknownOutput + missingOutput, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "rep")));
    }

    /// <summary>The output with every run of white space as one space, so wrapped table cells read as one line.</summary>
    private static string Flat(string output) => string.Join(' ', output.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));

    public Task DisposeAsync()
    {
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Csv_has_one_line_per_group_with_mean_std_and_interval()
    {
        var (code, output) = await FacerepProcess.RunAsync(_dir, Timeout, "results", "query", "--metric", "nme_io", "--sweep", "known", "--group-by", "pretrain", "--format", "csv");

        Assert.Equal(0, code);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal("pretrain,metric,n,mean,std,ci95_lower,ci95_upper,min,max,floor", lines[0]);
        var scratch = lines.Single(l => l.StartsWith("scratch,", StringComparison.Ordinal)).Split(',');
        Assert.Equal("2", scratch[2]);
        Assert.Equal(0.25, double.Parse(scratch[3], CultureInfo.InvariantCulture), 12);
        Assert.Equal(Math.Sqrt(0.005), double.Parse(scratch[4], CultureInfo.InvariantCulture), 12);
        Assert.Equal(0.25 - 0.6353102368087349, double.Parse(scratch[5], CultureInfo.InvariantCulture), 9);
        // The floor of the same evaluations: the mean of their constant predictors' scores.
        Assert.Equal(0.42, double.Parse(scratch[9], CultureInfo.InvariantCulture), 12);
    }

    [Fact]
    public async Task A_floor_has_no_floor_of_its_own()
    {
        var (code, output) = await FacerepProcess.RunAsync(_dir, Timeout, "results", "query", "--metric", "floor_nme_io", "--group-by", "seed", "--format", "csv");

        Assert.Equal(0, code);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal("0,floor_nme_io,2,0.4,0,0.4,0.4,0.4,0.4,", lines.Single(l => l.StartsWith("0,", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Json_and_the_table_say_the_same_and_name_the_metric_direction()
    {
        var (jsonCode, json) = await FacerepProcess.RunAsync(_dir, Timeout, "results", "query", "--metric", "nme_io", "--where", "pretrain=synth-curated/simclr", "--format", "json");
        var (tableCode, table) = await FacerepProcess.RunAsync(_dir, Timeout, "results", "query", "--metric", "nme_io", "--group-by", "pretrain");

        Assert.Equal((0, 0), (jsonCode, tableCode));
        using var doc = JsonDocument.Parse(json);
        Assert.Equal("LowerIsBetter", doc.RootElement.GetProperty("direction").GetString());
        var group = Assert.Single(doc.RootElement.GetProperty("groups").EnumerateArray());
        Assert.Equal(0.13, group.GetProperty("mean").GetDouble(), 12);
        Assert.Equal(0.42, group.GetProperty("floor").GetDouble(), 12);
        Assert.Contains("lower is better", table, StringComparison.Ordinal);
        Assert.Contains("0.13", table, StringComparison.Ordinal);
        Assert.Contains("0.25", table, StringComparison.Ordinal);
        Assert.Contains("floor", table, StringComparison.Ordinal);
        Assert.Contains("0.42", table, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Parquet_is_written_and_reads_back_with_the_groups()
    {
        var file = Path.Combine(_dir, "groups.parquet");

        var (code, _) = await FacerepProcess.RunAsync(_dir, Timeout, "results", "query", "--metric", "nme_io", "--group-by", "pretrain,shots", "--format", "parquet", "--output", file);

        Assert.Equal(0, code);
        await using var db = new DuckDBConnection("Data Source=:memory:");
        await db.OpenAsync();
        await using var command = db.CreateCommand();
        command.CommandText = $"SELECT pretrain, shots, n, mean FROM read_parquet('{file}') ORDER BY pretrain";
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(("scratch", "0.05", 2), (reader.GetString(0), reader.GetString(1), reader.GetInt32(2)));
        Assert.Equal(0.25, reader.GetDouble(3), 12);
        Assert.True(await reader.ReadAsync());
        Assert.Equal("synth-curated/simclr", reader.GetString(0));
        Assert.False(await reader.ReadAsync());
    }

    [Fact]
    public async Task Compare_states_nothing_from_two_seeds_and_refuses_an_unknown_source()
    {
        var (code, raw) = await FacerepProcess.RunAsync(_dir, Timeout, "results", "compare", "synth-curated/simclr", "scratch", "--sweep", "known");
        var (unknown, refusal) = await FacerepProcess.RunAsync(_dir, Timeout, "results", "compare", "scratch", "nope");
        var output = Flat(raw);

        Assert.Equal(0, code);
        // Differences 0.15 and 0.09 over two seeds: t = 4 on 1 degree of freedom, p = 0.156, shown;
        // but two seeds are under the three a verdict needs: no finding either way.
        Assert.Contains("not supported", output, StringComparison.Ordinal);
        Assert.Contains("better in 0 cell(s), scratch better in 0, inconclusive in 0, not supported in 1", output, StringComparison.Ordinal);
        Assert.Contains("0.1560", output, StringComparison.Ordinal);
        Assert.Equal(2, unknown);
        Assert.Contains("no results of source 'nope'", Flat(refusal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rank_orders_the_sources_in_each_cell_with_lower_nme_first()
    {
        var (code, raw) = await FacerepProcess.RunAsync(_dir, Timeout, "results", "rank", "--sweep", "known");
        var output = Flat(raw);

        Assert.Equal(0, code);
        // simclr's mean NME 0.13 beats scratch's 0.25 (shown in %).
        Assert.Contains("synth-curated/simclr │ 1 (13.00)", output, StringComparison.Ordinal);
        Assert.Contains("scratch │ 2 (25.00)", output, StringComparison.Ordinal);
        Assert.Contains("lower is better", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Results_held_open_by_a_running_process_are_refused_with_exit_3_not_a_stack_trace()
    {
        // As a facerep run still going would hold them.
        await using var running = new DuckDbResultStore(Path.Combine(_dir, "facerep-out", "results.duckdb"));
        await running.InitialiseAsync();

        var (code, raw) = await FacerepProcess.RunAsync(_dir, Timeout, "results", "query", "--metric", "nme_io");
        var output = Flat(raw);

        Assert.Equal(3, code);
        Assert.Contains($"results.duckdb: is open in another program (process {Environment.ProcessId},", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", raw, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2, "unknown coordinate 'colour'", "--metric", "nme_io", "--where", "colour=red")]
    [InlineData(2, "--format 'xml' is not one of table, csv, json, parquet", "--metric", "nme_io", "--format", "xml")]
    [InlineData(2, "give --output FILE.parquet", "--metric", "nme_io", "--format", "parquet")]
    [InlineData(2, "holds no results", "--metric", "nme_io", "--out", "elsewhere")]
    [InlineData(3, "cannot be reached", "--metric", "nme_io", "--postgres", "Host=127.0.0.1;Port=1;Username=u;Password=hunter2-secret;Database=d;Timeout=2")]
    public async Task Bad_input_gets_one_clear_line_and_its_exit_code(int expected, string message, params string[] args)
    {
        var (code, output) = await FacerepProcess.RunAsync(_dir, Timeout, ["results", "query", .. args]);

        Assert.Equal(expected, code);
        // The console wraps long errors; compare with the line breaks taken out.
        Assert.Contains(message, Flat(output), StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }
}
