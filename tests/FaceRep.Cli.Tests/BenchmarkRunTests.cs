using FaceRep.Results.Store;

namespace FaceRep.Cli.Tests;

/// <summary>
/// A benchmark end to end through the console: SynthFace written in 300W's layout, imported as 300W (the
/// importer finding each face in its larger canvas), named in a spec, measured in the official protocol.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class BenchmarkRunTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"facerep-benchmark-e2e-{Guid.NewGuid():N}");

    public BenchmarkRunTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Spec(string benchmark, string task = "landmarks") => $$"""
        name: bench
        backbone: {arch: resnet18, width: 0.125, input: 32}
        pretrain:
          - {dataset: synth-curated, method: scratch}
        tasks: [{task: {{task}}, benchmark: {{benchmark}}}]
        shots: [0.5]
        seeds: [0, 1]
        scale: {finetune_steps: 20, finetune_batch: 8}
        """;

    [Fact]
    public async Task A_synthface_export_imported_as_300w_is_measured_per_official_subset_and_keeps_its_results_when_renamed()
    {
        var (exported, export) = await FacerepProcess.RunAsync(_dir, Timeout, "data", "synth", "--as", "300w", "--out", "src/300w", "--count", "150", "--resolution", "64");
        Assert.True(exported == 0, export);
        Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(_dir, "src", "300w", "ibug"), "*.pts"));
        var (imported, import) = await FacerepProcess.RunAsync(_dir, Timeout, "data", "import", "src/300w", "--benchmark", "300w", "--out", "data/s300w", "--size", "64");
        Assert.True(imported == 0, import);
        Assert.Contains("Imported s300w as the 300w benchmark (landmarks): 150 faces", Normalised(import), StringComparison.Ordinal);
        var (inspected, inspect) = await FacerepProcess.RunAsync(_dir, Timeout, "data", "inspect", "data/s300w");
        Assert.True(inspected == 0, inspect);
        Assert.Contains("common", inspect, StringComparison.Ordinal);
        Assert.Contains("challenging", inspect, StringComparison.Ordinal);

        // A task the benchmark does not measure, and a benchmark that is not there, are refused before anything runs.
        File.WriteAllText(Path.Combine(_dir, "wrong.yaml"), Spec("s300w", task: "emotion"));
        var (wrong, wrongOutput) = await FacerepProcess.RunAsync(_dir, Timeout, "run", "wrong.yaml");
        Assert.True(wrong == 2, wrongOutput);
        Assert.Contains("'s300w' is the 300w benchmark, which measures landmarks, not emotion", Normalised(wrongOutput), StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(_dir, "typo.yaml"), Spec("s300"));
        var (typo, typoOutput) = await FacerepProcess.RunAsync(_dir, Timeout, "run", "typo.yaml");
        Assert.True(typo == 2, typoOutput);
        Assert.Contains("unknown benchmark 's300'", typoOutput, StringComparison.Ordinal);
        Assert.Contains("s300w (300w, landmarks)", Normalised(typoOutput), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "facerep-out", "artifacts")), "a refused spec trained something");

        File.WriteAllText(Path.Combine(_dir, "bench.yaml"), Spec("s300w"));
        // Planned: the benchmark is data each evaluating silo needs.
        var (planned, plan) = await FacerepProcess.RunAsync(_dir, Timeout, "plan", "bench.yaml");
        Assert.True(planned == 0, plan);
        Assert.Contains("300w benchmark", Normalised(plan), StringComparison.Ordinal);
        Assert.Contains("│ s300w ", plan, StringComparison.Ordinal);
        var (code, first) = await FacerepProcess.RunAsync(_dir, Timeout, "run", "bench.yaml");
        Assert.True(code == 0, first);
        Assert.Contains("3/3 done", first, StringComparison.Ordinal);
        Assert.Contains("landmarks on s300w (300w)", Normalised(first), StringComparison.Ordinal);

        var rows = await RowsAsync();
        Assert.Equal(2, rows.Count(r => r.Benchmark == "s300w"));
        Assert.All(rows, r => Assert.Matches("^[0-9a-f]{64}$", r.BenchmarkContent));
        foreach (var row in rows)
        {
            foreach (var metric in new[] { "nme_io", "nme_io@common", "nme_io@challenging", "fr_10", "auc_10", "floor_nme_io@challenging", "val_nme_io" })
                Assert.True(row.Metrics.ContainsKey(metric), $"{row.JobId} lacks {metric}: {string.Join(", ", row.Metrics.Keys)}");
            // The whole test split is the two subsets: its NME lies between theirs.
            var (common, challenging) = (row.Metrics["nme_io@common"], row.Metrics["nme_io@challenging"]);
            Assert.InRange(row.Metrics["nme_io"], Math.Min(common, challenging), Math.Max(common, challenging));
        }

        var (queried, query) = await FacerepProcess.RunAsync(_dir, Timeout, "results", "query", "--metric", "nme_io", "--group-by", "benchmark,subset");
        Assert.True(queried == 0, query);
        Assert.Matches(@"s300w\s*│\s*challenging\s*│\s*2\s*│", query);
        Assert.Matches(@"s300w\s*│\s*common\s*│\s*2\s*│", query);
        Assert.Matches(@"s300w\s*│\s*full\s*│\s*2\s*│", query);
        Assert.Contains("landmarks on s300w (300w)", File.ReadAllText(Path.Combine(_dir, "facerep-out", "reports", "bench", "report.md")), StringComparison.Ordinal);

        // Renamed: the same content, so the same jobs; nothing runs again.
        Directory.Move(Path.Combine(_dir, "data", "s300w"), Path.Combine(_dir, "data", "w300"));
        File.WriteAllText(Path.Combine(_dir, "bench.yaml"), Spec("w300"));
        var (renamed, second) = await FacerepProcess.RunAsync(_dir, Timeout, "run", "bench.yaml");
        Assert.True(renamed == 0, second);
        Assert.Contains("Reusing 3 finished job(s)", second, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_benchmarks_export_runs_in_one_sweep_and_the_report_has_a_section_for_each()
    {
        foreach (var (format, name, count, test) in new[]
        {
            ("300w", "w300", "60", "20"), ("wflw", "wf", "60", "20"), ("aflw2000-3d", "a3d", "60", "20"), ("affectnet", "aff", "80", "24"),
            ("disfa", "dis", "108", null), ("lfw", "lf", "120", "60"), ("ijbb", "ij", "120", "60"),
        })
        {
            string[] sizes = test is null ? ["--count", count] : ["--count", count, "--test", test];
            var (exported, export) = await FacerepProcess.RunAsync(_dir, Timeout, ["data", "synth", "--as", format, "--out", $"src/{name}", .. sizes, "--resolution", "48"]);
            Assert.True(exported == 0, export);
            var (imported, import) = await FacerepProcess.RunAsync(_dir, Timeout, "data", "import", $"src/{name}", "--benchmark", format, "--out", $"data/{name}", "--size", "48");
            Assert.True(imported == 0, import);
        }

        File.WriteAllText(Path.Combine(_dir, "all.yaml"), """
            name: all
            backbone: {arch: resnet18, width: 0.125, input: 32}
            pretrain:
              - {dataset: synth-curated, method: scratch}
            tasks:
              - {task: landmarks, benchmark: w300}
              - {task: landmarks, benchmark: wf}
              - {task: landmarks3d, benchmark: a3d}
              - {task: emotion, benchmark: aff}
              - {task: au, benchmark: dis}
              - {task: recognition, benchmark: lf}
              - {task: recognition, benchmark: ij}
            shots: [1.0]
            seeds: [0]
            scale: {finetune_steps: 10, finetune_batch: 8}
            """);
        var (code, output) = await FacerepProcess.RunAsync(_dir, Timeout, "run", "all.yaml");

        Assert.True(code == 0, output);
        Assert.Contains("8/8 done", output, StringComparison.Ordinal);
        // Each table leads with its benchmark's headline, known from the kind the scope names.
        Assert.Contains("recognition on lf (lfw) · finetune · acc_10fold", Normalised(output), StringComparison.Ordinal);
        Assert.Contains("au on dis (disfa) · finetune · icc", Normalised(output), StringComparison.Ordinal);
        Assert.Contains("recognition on ij (ijbb) · finetune · tar_far_1e4", Normalised(output), StringComparison.Ordinal);
        var report = File.ReadAllText(Path.Combine(_dir, "facerep-out", "reports", "all", "report.md"));
        Assert.Contains("## Benchmarks", report, StringComparison.Ordinal);
        foreach (var scope in new[] { "landmarks on w300 (300w)", "landmarks on wf (wflw)", "landmarks3d on a3d (aflw2000-3d)", "emotion on aff (affectnet)", "au on dis (disfa)", "recognition on lf (lfw)", "recognition on ij (ijbb)" })
            Assert.Contains($"### {scope} · finetune", report, StringComparison.Ordinal);
        // 300W's and WFLW's subsets, AFLW2000-3D's yaw bins, DISFA's folds and action units, and the paper's figures
        // for the two whose protocol is its own.
        Assert.Matches(@"\| scratch \| 100% \| challenging \|", report);
        Assert.Matches(@"\| scratch \| 100% \| pose \|", report);
        Assert.Matches(@"\| scratch \| 100% \| yaw0-30 \|", report);
        Assert.Matches(@"\| scratch \| 100% \| fold2 \|", report);
        Assert.Matches(@"\| scratch \| 100% \| AU26 \|", report);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(report, @"\| published: the paper").Count);
        var rows = await RowsAsync("all");
        Assert.Equal(["a3d", "aff", "dis", "ij", "lf", "w300", "wf"], rows.Select(r => r.Benchmark).Order());
        Assert.Equal(["300w", "affectnet", "aflw2000-3d", "disfa", "ijbb", "lfw", "wflw"], rows.Select(r => r.BenchmarkKind).Order());
        Assert.InRange(rows.Single(r => r.Benchmark == "ij").Metrics["tar_far_1e4"], 0, 1);
        Assert.Equal(3, rows.Single(r => r.Benchmark == "dis").Metrics["folds"]);
        Assert.InRange(rows.Single(r => r.Benchmark == "lf").Metrics["acc_10fold"], 0, 1);
    }

    [Fact]
    public async Task A_disfa_subject_whose_landmarks_are_missing_is_named_frame_by_frame_and_the_import_says_how_many_more_it_did_not_print()
    {
        var (exported, export) = await FacerepProcess.RunAsync(_dir, Timeout, "data", "synth", "--as", "disfa", "--out", "src/dis", "--count", "675", "--resolution", "32");
        Assert.True(exported == 0, export);
        Assert.Contains("675 SynthFace faces of 27 subjects in three cross-validation folds", Normalised(export), StringComparison.Ordinal);
        Directory.Delete(Path.Combine(_dir, "src", "dis", "Landmark_Points", "SN001"), recursive: true);

        var (imported, import) = await FacerepProcess.RunAsync(_dir, Timeout, "data", "import", "src/dis", "--benchmark", "disfa", "--out", "data/dis", "--size", "32");

        // Some faces were skipped: exit 1, the benchmark written without them.
        Assert.True(imported == 1, import);
        var text = Normalised(import);
        Assert.Contains("skipped: Frames/SN001/00001.jpg: no landmarks (Landmark_Points/SN001/tmp_frame_lm/SN001_0000_lm.mat)", text, StringComparison.Ordinal);
        Assert.Contains("… and 5 more skipped", text, StringComparison.Ordinal);
        Assert.Contains("650 faces (650 train; cross-validation folds fold1 225, fold2 225, fold3 200)", text, StringComparison.Ordinal);
    }

    private static string Normalised(string text) => System.Text.RegularExpressions.Regex.Replace(text, @"\s+", " ");

    private async Task<IReadOnlyList<ResultRow>> RowsAsync(string sweep = "bench")
    {
        await using var store = new DuckDbResultStore(Path.Combine(_dir, "facerep-out", "results.duckdb"));
        return await store.ReadAsync(sweep);
    }
}
