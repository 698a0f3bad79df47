using FaceRep.Results.Store;

namespace FaceRep.Cli.Tests;

/// <summary>
/// Inputs that go bad under a real run (real TorchSharp training, the embedded grid): a
/// checkpoint damaged on disk, and hyper-parameters that make a loss NaN.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class DamagedInputTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);
    private readonly string _dir = Directory.CreateTempSubdirectory("facerep-damaged-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Spec(string name, string seeds, string simclr = "") => $$"""
        name: {{name}}
        backbone: {arch: resnet18, width: 0.125, input: 32}
        pretrain:
          - {dataset: synth-curated, method: scratch}
          - {dataset: synth-curated, method: simclr, epochs: 1, images: 64, batch: 16{{simclr}}}
        tasks: [landmarks]
        shots: [0.5]
        seeds: {{seeds}}
        scale: {task_train: 64, task_test: 32, finetune_steps: 10, finetune_batch: 16}
        """;

    [Theory]
    [InlineData("truncated")]
    [InlineData("bit flipped")]
    public async Task A_damaged_checkpoint_is_rejected_and_its_pretraining_runs_again_for_the_evaluations_that_need_it(string damage)
    {
        // Arrange: a finished run, whose SimCLR checkpoint is then damaged on disk.
        await File.WriteAllTextAsync(Path.Combine(_dir, "first.yaml"), Spec("first", "[0]"));
        var (code, output) = await FacerepProcess.RunAsync(_dir, Timeout, "run", "first.yaml", "--out", "out");
        Assert.True(code == 0, output);
        var checkpoints = Path.Combine(_dir, "out", "artifacts", "checkpoints");
        var checkpoint = Assert.Single(Directory.GetDirectories(checkpoints, "pt-*"));
        var weights = Path.Combine(checkpoint, "backbone.dat");
        var original = await File.ReadAllBytesAsync(weights);
        var damaged = damage == "truncated" ? original[..(original.Length / 3)] : [.. original];
        if (damage == "bit flipped")
            damaged[damaged.Length / 2] ^= 0x10;
        await File.WriteAllBytesAsync(weights, damaged);

        // Act: a sweep with one more seed needs the checkpoint for a new evaluation.
        await File.WriteAllTextAsync(Path.Combine(_dir, "second.yaml"), Spec("second", "[0, 1]"));
        (code, output) = await FacerepProcess.RunAsync(_dir, Timeout, "run", "second.yaml", "--out", "out");

        // Assert: every job succeeded; the damaged checkpoint was kept aside and written anew by a second pre-training run.
        Assert.True(code == 0, output);
        Assert.Single(Directory.GetDirectories(checkpoints, $"{Path.GetFileName(checkpoint)}.corrupt-*"));
        Assert.True(File.Exists(weights), "the pre-training job did not write its checkpoint again");
        Assert.Equal(original.Length, new FileInfo(weights).Length);
        var log = ReadLogs();
        Assert.Contains($"found the checkpoint of {Path.GetFileName(checkpoint)} unusable", log, StringComparison.Ordinal);
        Assert.Contains($"Job {Path.GetFileName(checkpoint)} runs again (rebuild 1 of at most 3)", log, StringComparison.Ordinal);
        await using var store = new OutboxResultStore(new DuckDbResultStore(Path.Combine(_dir, "out", "results.duckdb")), Path.Combine(_dir, "out", "results-outbox.db"));
        var rows = await store.ReadAsync("second");
        Assert.Equal(4, rows.Count);
        Assert.All(rows, r => Assert.True(r.Metrics.Values.All(double.IsFinite), $"{r.JobId} has a non-finite metric"));
    }

    [Fact]
    public async Task A_hyper_parameter_that_makes_the_loss_NaN_fails_its_job_as_diverged_once_without_retries_until_asked()
    {
        // Arrange: a SimCLR temperature so small that its logits overflow.
        await File.WriteAllTextAsync(Path.Combine(_dir, "nan.yaml"), Spec("nan", "[0]", ", temperature: 1e-300"));

        // Act
        var (code, output) = await FacerepProcess.RunAsync(_dir, Timeout, "run", "nan.yaml", "--out", "out");

        // Assert: exit code 1 (job failures), the pre-training failed as diverged on its first and
        // only attempt, its evaluation failed because of it, and the scratch evaluation succeeded.
        Assert.True(code == 1, output);
        var log = ReadLogs();
        var diverged = System.Text.RegularExpressions.Regex.Match(log, @"Job (pt-[0-9a-f]+) failed \(""?Diverged""?\)");
        Assert.True(diverged.Success, log);
        var started = log.Split('\n').Count(l => l.Contains($"Job {diverged.Groups[1].Value} (Pretrain) started on", StringComparison.Ordinal));
        Assert.Equal(1, started);
        Assert.Contains("loss became NaN", log, StringComparison.Ordinal);
        Assert.DoesNotContain("failed transiently", log, StringComparison.Ordinal);
        await using (var store = new OutboxResultStore(new DuckDbResultStore(Path.Combine(_dir, "out", "results.duckdb")), Path.Combine(_dir, "out", "results-outbox.db")))
        {
            var rows = await store.ReadAsync("nan");
            var row = Assert.Single(rows);
            Assert.Equal("scratch", row.PretrainMethod);
        }

        // Run again: the failures are counted apart from the reused jobs and stay failed.
        (code, output) = await FacerepProcess.RunAsync(_dir, Timeout, "run", "nan.yaml", "--out", "out");
        Assert.True(code == 1, output);
        Assert.Contains("Reusing 2 finished job(s) from earlier runs; 2 failed in an earlier run and stay failed (--retry-failed runs them again); 0 to run.", output, StringComparison.Ordinal);
        Assert.Equal(1, PretrainStarts(diverged.Groups[1].Value));

        // On request they run again: the pre-training first (it diverges again), then its evaluation.
        (code, output) = await FacerepProcess.RunAsync(_dir, Timeout, "run", "nan.yaml", "--out", "out", "--retry-failed");
        Assert.True(code == 1, output);
        Assert.Contains("Running again 2 job(s) that failed in an earlier run.", output, StringComparison.Ordinal);
        Assert.Contains("2 that failed earlier run again", output, StringComparison.Ordinal);
        Assert.Equal(2, PretrainStarts(diverged.Groups[1].Value));
    }

    private int PretrainStarts(string job) =>
        ReadLogs().Split('\n').Count(l => l.Contains($"Job {job} (Pretrain) started on", StringComparison.Ordinal));

    private string ReadLogs()
    {
        var logs = Path.Combine(_dir, "out", "logs");
        return string.Join('\n', Directory.GetFiles(logs).Select(f =>
        {
            using var stream = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return new StreamReader(stream).ReadToEnd();
        }));
    }
}
