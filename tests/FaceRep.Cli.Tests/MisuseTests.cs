using System.Security.Cryptography;

namespace FaceRep.Cli.Tests;

/// <summary>A finished embedded run, made once, that each misuse case copies and damages.</summary>
public sealed class FinishedRunFixture : IAsyncLifetime
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("facerep-misuse-").FullName;

    public const string Spec = """
        name: tiny
        backbone: {arch: resnet18, width: 0.125, input: 32}
        pretrain:
          - {dataset: synth-curated, method: scratch}
          - {dataset: synth-curated, method: simclr, epochs: 1, images: 64, batch: 32}
        tasks: [landmarks]
        shots: [0.5]
        seeds: [0]
        scale: {task_train: 64, task_test: 32, finetune_steps: 10, finetune_batch: 16}
        """;

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(Path.Combine(Directory, "tiny.yaml"), Spec);
        var (code, output) = await FacerepProcess.RunAsync(Directory, TimeSpan.FromMinutes(10), "run", "tiny.yaml", "--out", "good");
        if (code != 0)
            throw new InvalidOperationException($"the reference run failed ({code}):\n{output}");
    }

    public Task DisposeAsync()
    {
        System.IO.Directory.Delete(Directory, recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary>
/// A user's mistakes and a damaged output directory, through the real executable: each is one
/// <c>error:</c> line naming what is wrong, exit code 2 (bad input) or 3 (a store that cannot be
/// used), no trace, and no file in the run's directory changed.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class MisuseTests(FinishedRunFixture run) : IClassFixture<FinishedRunFixture>, IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);
    private readonly string _case = Path.Combine(run.Directory, $"case-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_case))
            Directory.Delete(_case, recursive: true);
    }

    /// <summary>Damage applied to a copy of the finished run's directory.</summary>
    public static TheoryData<string, int, string, string[]> Cases => new()
    {
        // case, exit code, what the line names, the verb (CASE is the damaged copy)
        { "results.duckdb truncated to 4 KiB", 3, "results.duckdb: cannot be read", ["results", "query", "--metric", "nme_io", "--out", "CASE"] },
        { "results.duckdb halved", 3, "results.duckdb: cannot be read", ["report", "tiny", "--run", "CASE"] },
        { "results.duckdb garbled", 3, "results.duckdb: cannot be read", ["results", "query", "--metric", "nme_io", "--out", "CASE"] },
        { "results.duckdb garbled", 3, "results.duckdb: cannot be read", ["run", "tiny.yaml", "--out", "CASE"] },
        { "results-outbox.db garbled", 3, "results-outbox.db: is damaged", ["results", "query", "--metric", "nme_io", "--out", "CASE"] },
        { "state.db truncated to 4 KiB", 3, "state.db: is damaged", ["run", "tiny.yaml", "--out", "CASE"] },
        { "state.db garbled", 3, "state.db: is damaged", ["run", "tiny.yaml", "--out", "CASE"] },
        { "none", 2, "--output", ["results", "query", "--metric", "nme_io", "--out", "CASE", "--format", "csv", "--output", "CASE/reports"] },
        { "none", 2, "--metric 'bogus' is not a metric", ["results", "query", "--metric", "bogus", "--out", "CASE"] },
        { "none", 2, "--threads 0: use 1 to", ["run", "tiny.yaml", "--out", "CASE", "--threads", "0"] },
        { "none", 2, "--threads -1: use 1 to", ["run", "tiny.yaml", "--out", "CASE", "--threads", "-1"] },
        { "none", 2, "--threads 9999: use 1 to", ["run", "tiny.yaml", "--out", "CASE", "--threads", "9999"] },
        { "none", 2, "--slots -1: use 0", ["run", "tiny.yaml", "--out", "CASE", "--slots", "-1"] },
        { "none", 2, "is a file, not a directory", ["run", "tiny.yaml", "--out", "CASE/state.db"] },
        // Exists and cannot be written, even by root.
        { "none", 2, "/sys/kernel: cannot be written", ["run", "tiny.yaml", "--out", "/sys/kernel"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_misuse_is_one_line_naming_what_is_wrong_and_changes_nothing(string damage, int exitCode, string names, string[] verb)
    {
        CopyDirectory(Path.Combine(run.Directory, "good"), _case);
        Damage(damage);
        var before = Snapshot(_case);

        var args = verb.Select(a => a.Replace("CASE", _case, StringComparison.Ordinal)).ToArray();
        var (code, output) = await FacerepProcess.RunAsync(run.Directory, Timeout, args);

        Assert.True(code == exitCode, $"exit {code}:\n{output}");
        // One problem, one line and nothing else (a redirected console wraps it at 160 columns).
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.StartsWith("error:", lines[0], StringComparison.Ordinal);
        Assert.True(lines.Skip(1).All(l => l.Length > 0 && !l.StartsWith("error:", StringComparison.Ordinal)) && lines.Length <= output.Length / 120 + 1, output);
        Assert.Contains(names, string.Join(' ', lines), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot(_case));
    }

    [Fact]
    public async Task A_second_run_on_a_directory_in_use_is_told_so_in_one_line()
    {
        CopyDirectory(Path.Combine(run.Directory, "good"), _case);
        // Holding run.lock as a run does: the second run and a query are refused, nothing changes.
        using (new FileStream(Path.Combine(_case, "run.lock"), FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            var before = Snapshot(_case);
            foreach (var verb in new[] { new[] { "run", "tiny.yaml", "--out", _case }, ["results", "query", "--metric", "nme_io", "--out", _case] })
            {
                var (code, output) = await FacerepProcess.RunAsync(run.Directory, Timeout, verb);
                Assert.True(code == 3, output);
                Assert.Contains("is in use by a run still going", output, StringComparison.Ordinal);
                Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("error:", StringComparison.Ordinal));
            }

            Assert.Equal(before, Snapshot(_case));
        }
    }

    [Fact]
    public async Task Results_open_in_another_program_are_named_with_that_program_not_called_damaged()
    {
        CopyDirectory(Path.Combine(run.Directory, "good"), _case);
        var before = Snapshot(_case);
        await using (var other = new DuckDB.NET.Data.DuckDBConnection($"Data Source={Path.Combine(_case, "results.duckdb")}"))
        {
            other.Open();
            foreach (var verb in new[] { new[] { "run", "tiny.yaml", "--out", _case }, ["results", "query", "--metric", "nme_io", "--out", _case] })
            {
                var (code, output) = await FacerepProcess.RunAsync(run.Directory, Timeout, verb);
                Assert.True(code == 3, output);
                Assert.Contains($"results.duckdb: is open in another program (process {Environment.ProcessId},", output, StringComparison.Ordinal);
                Assert.DoesNotContain("cannot be read", output, StringComparison.Ordinal);
            }
        }

        Assert.Equal(before, Snapshot(_case));
    }

    [Fact]
    public async Task An_empty_state_db_is_said_and_the_jobs_are_found_again_from_the_result_store()
    {
        CopyDirectory(Path.Combine(run.Directory, "good"), _case);
        File.WriteAllBytes(Path.Combine(_case, "state.db"), []);

        var (code, output) = await FacerepProcess.RunAsync(run.Directory, Timeout, "run", "tiny.yaml", "--out", _case);

        Assert.True(code == 0, output);
        Assert.Contains("state.db was empty (0 bytes)", output, StringComparison.Ordinal);
        // Both evaluations are found in the result store; the two pre-trainings reuse their checkpoints.
        Assert.Contains("Reusing 2 finished job(s) from earlier runs; 2 to run.", output, StringComparison.Ordinal);
        var log = string.Concat(Directory.GetFiles(Path.Combine(_case, "logs")).Select(File.ReadAllText));
        Assert.DoesNotContain("(Evaluate) started", log.Split("facerep starting").Last(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Model_export_of_a_corrupt_checkpoint_reports_it_and_leaves_the_artifacts_as_they_were()
    {
        CopyDirectory(Path.Combine(run.Directory, "good"), _case);
        var checkpoint = Assert.Single(Directory.GetDirectories(Path.Combine(_case, "artifacts", "checkpoints"), "pt-*"));
        var weights = Path.Combine(checkpoint, "backbone.dat");
        var bytes = File.ReadAllBytes(weights);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(weights, bytes);
        var before = Snapshot(_case);

        var (code, output) = await FacerepProcess.RunAsync(run.Directory, Timeout,
            "model", "export", Path.GetFileName(checkpoint), "--artifacts", Path.Combine(_case, "artifacts"), "--out", Path.Combine(run.Directory, $"{Guid.NewGuid():N}.safetensors"));

        Assert.True(code == 2, output);
        Assert.Contains("is corrupt", output, StringComparison.Ordinal);
        Assert.DoesNotContain("moved aside", output, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot(_case));
    }

    private void Damage(string damage)
    {
        string P(string name) => Path.Combine(_case, name);
        switch (damage)
        {
            case "none":
                break;
            case "results.duckdb truncated to 4 KiB":
                Truncate(P("results.duckdb"), 4096);
                break;
            case "results.duckdb halved":
                Truncate(P("results.duckdb"), new FileInfo(P("results.duckdb")).Length / 2);
                break;
            case "results.duckdb garbled":
                Garble(P("results.duckdb"));
                break;
            case "results-outbox.db garbled":
                Garble(P("results-outbox.db"));
                break;
            case "state.db truncated to 4 KiB":
                Truncate(P("state.db"), 4096);
                break;
            case "state.db garbled":
                Garble(P("state.db"));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(damage), damage, "no such damage");
        }
    }

    private static void Truncate(string path, long length)
    {
        using var file = new FileStream(path, FileMode.Open);
        file.SetLength(length);
    }

    /// <summary>Every seventh byte replaced, from a fixed seed.</summary>
    private static void Garble(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var random = new Random(17);
        for (var i = 0; i < bytes.Length; i += 7)
            bytes[i] = (byte)random.Next(256);
        File.WriteAllBytes(path, bytes);
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var directory in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(directory.Replace(from, to, StringComparison.Ordinal));
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, file.Replace(from, to, StringComparison.Ordinal));
    }

    /// <summary>Every file under the directory with its content hash (but the lock file, which is empty and may be held).</summary>
    private static string Snapshot(string directory) => string.Join('\n',
        Directory.GetFiles(directory, "*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f) != "run.lock").Order(StringComparer.Ordinal)
            .Select(f => $"{Path.GetRelativePath(directory, f)} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))}"));
}
