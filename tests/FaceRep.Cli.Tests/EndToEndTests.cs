using System.Text.RegularExpressions;
using FaceRep.Results.Store;

namespace FaceRep.Cli.Tests;

/// <summary>The real console, a real in-process silo, real TorchSharp training, real SQLite and DuckDB.</summary>
[Collection(ProcessCollection.Name)]
public sealed partial class EndToEndTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"facerep-e2e-{Guid.NewGuid():N}");

    public EndToEndTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A sweep like the smoke profile, smaller, so that killing and resuming it stays quick.</summary>
    private const string SmallSpec = """
        name: small
        backbone: {arch: resnet18, width: 0.125, input: 32}
        pretrain:
          - {dataset: synth-curated, method: scratch}
          - {dataset: synth-curated, method: simclr, epochs: 4, images: 256, batch: 32}
        tasks: [landmarks]
        shots: [0.1, 0.5]
        seeds: [0, 1]
        scale: {task_train: 200, task_test: 64, finetune_steps: 60, finetune_batch: 16}
        """;

    [Fact]
    public async Task The_demo_runs_the_smoke_sweep_and_a_second_run_reuses_it_with_the_same_numbers()
    {
        var (code, first) = await FacerepProcess.RunAsync(_dir, Timeout, "demo", "--profile", "smoke");

        Assert.True(code == 0, first);
        Assert.Contains("10/10 done", first, StringComparison.Ordinal);
        // libtorch's own log lines ("[W1205 20:38:06.06 NNPACK.cpp:56] Could not initialize NNPACK!")
        // would bury the progress: none may reach the user.
        Assert.DoesNotMatch(LibtorchLogLine(), first);
        // Nothing is wrong, so nothing on the console says otherwise (no ./data here: that is no error).
        Assert.DoesNotContain(" ERR] ", first, StringComparison.Ordinal);
        Assert.DoesNotContain(" WRN] ", first, StringComparison.Ordinal);
        var table = ResultLines(first);
        Assert.Equal(2, table.Count);
        Assert.Contains(table, l => l.Contains("scratch", StringComparison.Ordinal));
        Assert.Contains(table, l => l.Contains("synth-curated/simclr", StringComparison.Ordinal));
        Assert.All(table, l => Assert.Equal(2, NmeCell().Matches(l).Count));
        Assert.True(File.Exists(Path.Combine(_dir, "facerep-out", "state.db")));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(_dir, "facerep-out", "logs"), "facerep-*.log"));
        // The run writes its report and prints the conclusions' one-line answers.
        Assert.Contains("Does pre-training help most when labels are few?", first, StringComparison.Ordinal);
        var report = Path.Combine(_dir, "facerep-out", "reports", "smoke");
        Assert.Contains("## Conclusions", File.ReadAllText(Path.Combine(report, "report.md")), StringComparison.Ordinal);
        Assert.Contains("name: smoke", File.ReadAllText(Path.Combine(report, "report.md")), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(report, "charts", "landmarks-finetune.png")));

        var (again, second) = await FacerepProcess.RunAsync(_dir, Timeout, "demo", "--profile", "smoke");

        Assert.True(again == 0, second);
        Assert.Contains("Reusing 10 finished job(s)", second, StringComparison.Ordinal);
        Assert.Equal(table, ResultLines(second));
    }

    [Fact]
    public async Task A_run_whose_numeric_self_check_fails_trains_nothing_and_names_the_check()
    {
        File.WriteAllText(Path.Combine(_dir, "small.yaml"), SmallSpec);
        using var run = FacerepProcess.StartWith(_dir, new Dictionary<string, string?> { ["FACEREP_NUMERIC_TOLERANCE"] = "0" }, "run", "small.yaml");

        var code = await run.WaitForExitAsync(Timeout);

        Assert.True(code == 3, run.Output);
        Assert.Contains("The embedded silo did not start: numeric self-check failed: with oneDNN", run.Output, StringComparison.Ordinal);
        Assert.Contains("differs from the float64 reference", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("done", run.Output, StringComparison.Ordinal);
        var log = string.Concat(Directory.GetFiles(Path.Combine(_dir, "facerep-out", "logs")).Select(File.ReadAllText));
        Assert.DoesNotMatch(JobLogRegex(), log);
        Assert.False(Directory.Exists(Path.Combine(_dir, "facerep-out", "artifacts")) && Directory.EnumerateFiles(Path.Combine(_dir, "facerep-out", "artifacts"), "*", SearchOption.AllDirectories).Any(), "a checkpoint was written");

        var (badCode, bad) = await RunWithAsync(new Dictionary<string, string?> { ["FACEREP_NUMERIC_TOLERANCE"] = "lots" }, "run", "small.yaml");

        Assert.Equal(2, badCode);
        Assert.Contains("FACEREP_NUMERIC_TOLERANCE is 'lots'; use a number from 0 to 1", bad, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Killing_a_run_and_starting_it_again_finishes_without_redoing_or_losing_work()
    {
        File.WriteAllText(Path.Combine(_dir, "small.yaml"), SmallSpec);

        // Reference: the same sweep, uninterrupted, in its own directory.
        var (code, referenceOutput) = await FacerepProcess.RunAsync(_dir, Timeout, "run", "small.yaml", "--out", "reference");
        Assert.True(code == 0, referenceOutput);

        // Kill -9 once a few evaluations have finished, then resume.
        using (var victim = FacerepProcess.Start(_dir, "run", "small.yaml", "--out", "killed"))
        {
            await victim.WaitForLineAsync(l => DoneCount(l) >= 4).WaitAsync(Timeout);
            victim.KillHard();
        }

        var (resumed, output) = await FacerepProcess.RunAsync(_dir, Timeout, "run", "small.yaml", "--out", "killed");

        Assert.True(resumed == 0, output);
        Assert.Matches(@"Reusing \d+ finished job\(s\)", output);
        var runs = LogRuns(Path.Combine(_dir, "killed"));
        Assert.Equal(2, runs.Count);
        var finishedBeforeKill = Jobs(runs[0], "succeeded");
        var startedAfterKill = Jobs(runs[1], "started");
        Assert.True(finishedBeforeKill.Count >= 4, $"{finishedBeforeKill.Count} jobs finished before the kill");
        Assert.Empty(startedAfterKill.Intersect(finishedBeforeKill));
        Assert.Equal(10, finishedBeforeKill.Count + Jobs(runs[1], "succeeded").Count);

        var reference = await ReadResultsAsync(Path.Combine(_dir, "reference"));
        var recovered = await ReadResultsAsync(Path.Combine(_dir, "killed"));
        Assert.Equal(8, reference.Count);
        Assert.Equal(reference.Keys.Order(), recovered.Keys.Order());
        foreach (var (job, nme) in reference)
            Assert.Equal(nme, recovered[job]);
    }

    [Fact]
    public async Task A_broken_spec_is_refused_with_file_line_and_field_and_exit_code_2()
    {
        File.WriteAllText(Path.Combine(_dir, "broken.yaml"), """
            name: broken
            pretrain:
              - {dataset: synth-curated, method: simclrr}
            tasks: [landmarks]
            shots: [0.05]
            seeds: [0]
            """);

        var (code, output) = await FacerepProcess.RunAsync(_dir, Timeout, "run", "broken.yaml");

        Assert.Equal(2, code);
        Assert.Contains("broken.yaml:3:", output, StringComparison.Ordinal);
        Assert.Contains("pretrain[0].method", output, StringComparison.Ordinal);
        Assert.Contains("simclrr", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "facerep-out")), "a refused spec must not create or touch any state");
    }

    [Fact]
    public async Task Settings_a_method_cannot_honour_are_refused_up_front_naming_the_source()
    {
        File.WriteAllText(Path.Combine(_dir, "methods.yaml"), """
            name: methods
            pretrain:
              - {dataset: synth-curated, method: swav, options: {protoypes: 30}}
              - {dataset: synth-uncurated, method: supervised}
            tasks: [landmarks]
            shots: [0.05]
            seeds: [0]
            """);

        var (code, raw) = await FacerepProcess.RunAsync(_dir, Timeout, "run", "methods.yaml");
        // The console wraps long errors; compare with the line breaks taken out.
        var output = string.Join(' ', raw.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));

        Assert.Equal(2, code);
        Assert.Contains("synth-curated/swav", output, StringComparison.Ordinal);
        Assert.Contains("no option 'protoypes'", output, StringComparison.Ordinal);
        Assert.Contains("synth-uncurated/supervised", output, StringComparison.Ordinal);
        Assert.Contains("identity labels", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "facerep-out")), "a refused spec must not create or touch any state");
    }

    [Fact]
    public async Task A_job_needing_more_devices_than_the_machine_offers_is_refused_up_front()
    {
        File.WriteAllText(Path.Combine(_dir, "gang.yaml"), """
            name: gang
            pretrain:
              - {dataset: synth-curated, method: simclr, devices: 3}
            tasks: [landmarks]
            shots: [0.05]
            seeds: [0]
            """);

        var (code, raw) = await FacerepProcess.RunAsync(_dir, Timeout, "run", "gang.yaml", "--slots", "2");
        var output = string.Join(' ', raw.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));

        Assert.Equal(2, code);
        Assert.Contains("gang.yaml", output, StringComparison.Ordinal);
        Assert.Contains("devices: 3 is more than the 2 device(s)", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "facerep-out")), "a refused spec must not create or touch any state");
    }

    [Fact]
    public async Task A_sweep_with_a_ceiling_runs_it_and_shows_it_beside_the_sources_without_ranking_it()
    {
        File.WriteAllText(Path.Combine(_dir, "ceiling.yaml"), """
            name: ceiling
            backbone: {arch: resnet18, width: 0.125, input: 32}
            pretrain:
              - {dataset: synth-curated, method: scratch}
            tasks: [landmarks]
            shots: [0.25]
            seeds: [0, 1]
            scale: {task_train: 200, task_test: 64, finetune_steps: 5, finetune_batch: 16}
            ceiling: {steps: 60}
            """);

        var (code, output) = await FacerepProcess.RunAsync(_dir, Timeout, "run", "ceiling.yaml");

        Assert.True(code == 0, output);
        Assert.Contains("5/5 done", output, StringComparison.Ordinal);   // scratch, 2 evaluations, 2 ceiling runs
        var ceiling = Assert.Single(ResultLines(output), l => l.Contains("ceiling: scratch, all labels, 60 steps", StringComparison.Ordinal));
        Assert.Single(NmeCell().Matches(ceiling));
        await using (var store = new DuckDbResultStore(Path.Combine(_dir, "facerep-out", "results.duckdb")))
        {
            var rows = await store.ReadAsync("ceiling");
            var runs = rows.Where(r => r.Protocol == "ceiling").ToList();
            Assert.Equal([0, 1], runs.Select(r => r.Seed).Order());
            Assert.All(runs, r => Assert.Equal(("scratch", 1.0), (r.Pretrain, r.Shots)));
            // Sixty steps on every label beat five on a quarter of them.
            var study = rows.Where(r => r.Protocol == "finetune").ToList();
            Assert.True(runs.Average(r => r.Metrics["nme_io"]) < study.Average(r => r.Metrics["nme_io"]), output);
        }

        var report = File.ReadAllText(Path.Combine(_dir, "facerep-out", "reports", "ceiling", "report.md"));
        Assert.Contains("| ceiling: scratch, all labels, long fine-tuning |", report, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_dir, "facerep-out", "reports", "ceiling", "charts", "landmarks-finetune.png")));
        Assert.False(File.Exists(Path.Combine(_dir, "facerep-out", "reports", "ceiling", "charts", "landmarks-ceiling.png")), "the ceiling got a section of its own");
    }

    [Fact]
    public async Task An_unknown_profile_is_refused()
    {
        var (code, output) = await FacerepProcess.RunAsync(_dir, Timeout, "demo", "--profile", "nope");

        Assert.Equal(2, code);
        Assert.Contains("smoke", output, StringComparison.Ordinal);
    }

    private static List<string> ResultLines(string output) =>
        output.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith('│') && l.Contains('±', StringComparison.Ordinal)).ToList();

    private static int DoneCount(string line)
    {
        var m = DoneRegex().Match(line);
        return m.Success ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : -1;
    }

    /// <summary>The log's lines, split into one list per process run (each run logs a start line first).</summary>
    private static List<List<string>> LogRuns(string outDir)
    {
        var runs = new List<List<string>>();
        foreach (var line in Directory.GetFiles(Path.Combine(outDir, "logs"), "facerep-*.log").Order().SelectMany(File.ReadLines))
        {
            if (line.Contains("facerep starting", StringComparison.Ordinal))
                runs.Add([]);
            if (runs.Count > 0)
                runs[^1].Add(line);
        }

        return runs;
    }

    /// <summary>Job ids that reached a point ("started" or "succeeded") in a run's log lines.</summary>
    private static HashSet<string> Jobs(IEnumerable<string> lines, string what) =>
        lines.Select(l => JobLogRegex().Match(l))
            .Where(m => m.Success && m.Groups[2].Value == what)
            .Select(m => m.Groups[1].Value)
            .ToHashSet();

    private static async Task<Dictionary<string, double>> ReadResultsAsync(string outDir)
    {
        await using var store = new DuckDbResultStore(Path.Combine(outDir, "results.duckdb"));
        var rows = await store.ReadAsync("small");
        Assert.Equal(rows.Count, rows.Select(r => r.JobId).Distinct().Count());
        return rows.ToDictionary(r => r.JobId, r => r.Metrics["nme_io"]);
    }

    private async Task<(int Code, string Output)> RunWithAsync(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        using var process = FacerepProcess.StartWith(_dir, environment, args);
        var code = await process.WaitForExitAsync(Timeout);
        return (code, process.Output);
    }

    [GeneratedRegex(@"(?m)^\[[WEIF]\d{4} \d\d:\d\d:\d\d")]
    private static partial Regex LibtorchLogLine();

    [GeneratedRegex(@"(\d+)/\d+ done")]
    private static partial Regex DoneRegex();

    [GeneratedRegex(@"Job ((?:pt|ev)-[0-9a-f]{16}) (?:\(\w+\) )?(started|succeeded)")]
    private static partial Regex JobLogRegex();

    [GeneratedRegex(@"\d+\.\d\d ± \d+\.\d\d \(n=2\)")]
    private static partial Regex NmeCell();
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessCollection
{
    public const string Name = "process";
}
