using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using FaceRep.Core.Specs;
using FaceRep.Training;
using FaceRep.Training.Backbones;
using FaceRep.Training.Checkpoints;
using Xunit.Abstractions;

namespace FaceRep.Cli.Tests;

/// <summary>
/// Every console verb through the real executable, with no servers: help, refused input (exit 2)
/// checked before any cluster is contacted, unreachable clusters (exit 3) with the password kept
/// out, and model import/export on real checkpoints.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class ConsoleVerbsTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);

    /// <summary>How long an unreachable cluster may take to be reported (the console gives up on connecting after 10 s).</summary>
    private static readonly TimeSpan UnreachableWithin = TimeSpan.FromSeconds(20);

    /// <summary>The same for seven verbs started at once on a small machine.</summary>
    private static readonly TimeSpan UnreachableSideBySideWithin = TimeSpan.FromSeconds(40);

    private const string Secret = "SOMESECRET";

    /// <summary>The smallest spec that passes validation: one scratch source, one task, one shot count, one seed.</summary>
    private const string ValidSpec = """
        name: probe
        pretrain:
          - {dataset: synth-curated, method: scratch}
        tasks: [landmarks]
        shots: [0.1]
        seeds: [0]
        """;

    /// <summary>The environment variables that pick a cluster; removed from every child so a developer's own settings cannot leak in.</summary>
    private static readonly string[] ClusterVariables = ["FACEREP_CLUSTER", "FACEREP_CLUSTER_ID", "FACEREP_SERVICE_ID"];

    private readonly string _dir = Directory.CreateTempSubdirectory("facerep-verbs-cli-").FullName;
    private readonly ITestOutputHelper _log;

    public ConsoleVerbsTests(ITestOutputHelper log)
    {
        _log = log;
        File.WriteAllText(Path.Combine(_dir, "valid.yaml"), ValidSpec + "\n");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // ---- help ----

    [Theory]
    [InlineData("", "facerep: run facial representation-learning studies on the FaceRep.Grid.")]
    [InlineData("demo", "Run a built-in sweep in embedded mode (no servers) and print its results.")]
    [InlineData("run", "Run a sweep spec in embedded mode in the foreground; run it again to resume.")]
    [InlineData("data", "Generate, inspect and measure face datasets.")]
    [InlineData("data synth", "Generate a SynthFace dataset as a manifest of shards, or a benchmark's files with --as.")]
    [InlineData("data inspect", "Detect a dataset's format and report its size, label coverage and corrupt samples.")]
    [InlineData("data redundancy", "Report the near-duplicate rate of a dataset, per shard.")]
    [InlineData("plan", "Say what a sweep will cost before it runs: jobs per stage, jobs already done, data per silo, estimated device-hours.")]
    [InlineData("data import", "Import an image set into checksummed shards of encoded images, or a benchmark with --benchmark; unreadable images are skipped and named; an interrupted image-set import resumes.")]
    [InlineData("results", "Query finished jobs' results straight from the result store.")]
    [InlineData("results query", "Aggregate a metric over results: count, mean, std and a 95% t interval per group.")]
    [InlineData("results compare", "Paired comparison of two pre-training sources in every (task, protocol, shots) cell, matched by seed, Holm-corrected.")]
    [InlineData("results rank", "Rank the pre-training sources in every (task, protocol, shots) cell by their mean over seeds (1 = best).")]
    [InlineData("report", "Write a sweep's report: conclusions with their evidence, metric-against-shots charts, ranks, run statistics and spec.")]
    [InlineData("sweep", "Submit, watch and manage sweeps on a cluster (--cluster or FACEREP_CLUSTER).")]
    [InlineData("sweep submit", "Submit a sweep spec to the cluster; submitting it again resumes it (finished jobs are kept).")]
    [InlineData("sweep watch", "Follow a sweep until it ends: jobs by state, a bar per stage, an ETA from the observed pace, failures as they happen. Survives a lost connection.")]
    [InlineData("sweep status", "A sweep's progress now: jobs by state per stage and its latest failures. Exit code 1 if any job failed.")]
    [InlineData("sweep list", "The cluster's sweeps: state, jobs done of total, failures.")]
    [InlineData("sweep cancel", "Cancel a sweep: its unfinished jobs (that no other sweep needs) stop and fail as cancelled. Submitting it again resumes it.")]
    [InlineData("sweep retry", "Run a sweep's failed and cancelled jobs again from a clean slate.")]
    [InlineData("cluster", "Look at a cluster (--cluster or FACEREP_CLUSTER).")]
    [InlineData("cluster status", "The cluster's silos (devices, busy and idle workers, draining), and the ready jobs queued per sweep.")]
    [InlineData("model", "Move backbone weights between FaceRep.Grid and PyTorch.")]
    [InlineData("model import", "Check that a PyTorch checkpoint loads into a backbone, and report what was loaded, missing and unexpected.")]
    [InlineData("model export", "Write a pre-training job's backbone as safetensors with torchvision's names.")]
    public async Task Every_verb_answers_help_with_its_description_and_usage_and_exit_code_0(string verb, string description)
    {
        string[] args = verb.Length == 0 ? ["--help"] : [.. verb.Split(' '), "--help"];

        var (code, output) = await FacerepProcess.RunAsync(_dir, Timeout, args);

        Assert.True(code == 0, output);
        var flat = Flat(output);
        Assert.StartsWith("Description: " + description, flat, StringComparison.Ordinal);
        Assert.Contains("Usage: " + ("facerep " + verb).Trim(), flat, StringComparison.Ordinal);
        Assert.DoesNotContain("error:", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sweep submit")]
    [InlineData("sweep watch")]
    [InlineData("sweep status")]
    [InlineData("sweep list")]
    [InlineData("sweep cancel")]
    [InlineData("sweep retry")]
    [InlineData("cluster status")]
    public async Task Every_cluster_verb_offers_the_cluster_options_in_its_help(string verb)
    {
        var (code, output) = await FacerepProcess.RunAsync(_dir, Timeout, [.. Words(verb), "--help"]);

        Assert.True(code == 0, output);
        Assert.Contains("--cluster <cluster>", output, StringComparison.Ordinal);
        Assert.Contains("$FACEREP_CLUSTER)", output, StringComparison.Ordinal);
        Assert.Contains("--cluster-id <cluster-id>", output, StringComparison.Ordinal);
    }

    // ---- sweep submit: the spec is refused before any cluster is contacted ----

    [Fact]
    public async Task Submit_of_a_missing_spec_names_the_path_and_exits_2_without_contacting_the_cluster()
    {
        var (code, output, _) = await RunAsync(null, "sweep", "submit", "nowhere.yaml", "--cluster", Unreachable());

        Assert.True(code == 2, output);
        AssertOneError(output);
        Assert.Contains("nowhere.yaml: file not found", output, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(_dir, "nowhere.yaml"), Flat(output), StringComparison.Ordinal);
        Assert.DoesNotContain("cannot reach", output, StringComparison.Ordinal);
    }

    [Theory]
    // A bracket left open to the end of the file: the parser gives up at the end, so any line it names will do.
    [InlineData("name: [unclosed\n", @"bad\.yaml:\d+:\d+: invalid YAML: ")]
    // A stray brace in the middle of the file: the line and column are where it stands.
    [InlineData("name: probe\ntasks: [landmarks]}\nshots: [0.1]\nseeds: [0]\n", @"bad\.yaml:2:19: invalid YAML: ")]
    public async Task Submit_of_malformed_yaml_names_the_file_and_line_and_exits_2_without_contacting_the_cluster(string text, string where)
    {
        File.WriteAllText(Path.Combine(_dir, "bad.yaml"), text);

        var (code, output, _) = await RunAsync(null, "sweep", "submit", "bad.yaml", "--cluster", Unreachable());

        Assert.True(code == 2, output);
        AssertOneError(output);
        Assert.Matches("^error: " + where, output);
        Assert.DoesNotContain("cannot reach", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("method: scratch", "method: dino", "pretrain[0].method: unknown method 'dino'; known: scratch, supervised, simclr, moco, swav, byol, barlow, import")]
    [InlineData("tasks: [landmarks]", "tasks: [landmarks, gait]", "tasks[1]: unknown task 'gait'; known: recognition, landmarks, au, emotion, landmarks3d")]
    [InlineData("dataset: synth-curated, method: scratch", "dataset: synth-galaxy, method: simclr", "pretrain[0].dataset: unknown dataset 'synth-galaxy'; known: synth-curated, synth-uncurated, synth-video")]
    [InlineData("seeds: [0]", "seeds: [0]\nplacement: {pretrain: tpu}", "placement.pretrain: unknown device kind 'tpu'; known: any, gpu, cpu")]
    public async Task Submit_of_an_unknown_name_says_the_field_the_value_and_the_known_ones_and_exits_2_without_contacting_the_cluster(
        string valid, string invalid, string error)
    {
        Assert.Contains(valid, ValidSpec, StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(_dir, "bad.yaml"), ValidSpec.Replace(valid, invalid, StringComparison.Ordinal) + "\n");

        var (code, output, _) = await RunAsync(null, "sweep", "submit", "bad.yaml", "--cluster", Unreachable());

        Assert.True(code == 2, output);
        AssertOneError(output);
        Assert.Matches(@"^error: bad\.yaml:\d+:\d+: " + Regex.Escape(error), output);
        Assert.DoesNotContain("cannot reach", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retry_without_failed_says_so_and_exits_2_without_contacting_the_cluster()
    {
        var (code, output, _) = await RunAsync(null, "sweep", "retry", "x", "--cluster", Unreachable());

        Assert.True(code == 2, output);
        AssertOneError(output);
        Assert.Contains("--failed", output, StringComparison.Ordinal);
        Assert.DoesNotContain("cannot reach", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_with_a_failure_count_out_of_range_exits_2_without_contacting_the_cluster()
    {
        var (code, output, _) = await RunAsync(null, "sweep", "status", "x", "--failures", "-1", "--cluster", Unreachable());

        Assert.True(code == 2, output);
        AssertOneError(output);
        Assert.Contains("--failures is -1; use 0-1000", output, StringComparison.Ordinal);
        Assert.DoesNotContain("cannot reach", output, StringComparison.Ordinal);
    }

    // ---- which cluster ----

    /// <summary>Every verb that talks to a cluster, with the arguments it needs to get as far as connecting.</summary>
    private static readonly string[] ClusterVerbList =
    [
        "sweep submit valid.yaml",
        "sweep watch x",
        "sweep status x",
        "sweep list",
        "sweep cancel x",
        "sweep retry x --failed",
        "cluster status",
    ];

    public static TheoryData<string> ClusterVerbs() => new(ClusterVerbList);

    [Theory]
    [MemberData(nameof(ClusterVerbs))]
    public async Task A_cluster_verb_with_no_cluster_given_says_how_to_give_one_and_exits_2(string verb)
    {
        var (code, output, _) = await RunAsync(null, Words(verb));

        Assert.True(code == 2, output);
        AssertOneError(output);
        Assert.Contains("no cluster given: pass --cluster HOST:PORT[,password=…] or set FACEREP_CLUSTER", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(",,,", "--cluster names no Redis endpoint")]
    [InlineData("password=" + Secret, "--cluster names no Redis endpoint")]
    [InlineData("127.0.0.1:1,password=" + Secret + ",bogus=1", "--cluster is not a Redis connection string: Keyword 'bogus' is not supported.")]
    [InlineData("127.0.0.1:1,password=" + Secret + ",connectTimeout=soon", "--cluster is not a Redis connection string: Keyword 'connectTimeout' requires an integer value")]
    public async Task A_malformed_cluster_connection_string_is_refused_with_exit_code_2_and_the_password_kept_out(string connection, string error)
    {
        var (code, output, _) = await RunAsync(null, "sweep", "list", "--cluster", connection);

        Assert.True(code == 2, output);
        AssertOneError(output);
        Assert.StartsWith("error: " + error, output, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_connection_string_in_the_environment_is_refused_with_exit_code_2()
    {
        var (code, output, _) = await RunAsync(new() { ["FACEREP_CLUSTER"] = ",,," }, "sweep", "list");

        Assert.True(code == 2, output);
        AssertOneError(output);
        Assert.Contains("error: FACEREP_CLUSTER names no Redis endpoint", output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ClusterVerbs))]
    public async Task A_cluster_verb_against_an_unreachable_cluster_says_where_it_looked_keeps_the_password_out_and_exits_3(string verb)
    {
        var port = FreePort();

        var (code, output, elapsed) = await RunAsync(null, [.. Words(verb), "--cluster", $"127.0.0.1:{port},password={Secret}"]);

        _log.WriteLine($"facerep {verb}: exit {code} after {elapsed.TotalSeconds:0.0} s: {Flat(output)}");
        Assert.True(code == 3, output);
        AssertUnreachable(output, port, "facerep");
        Assert.True(elapsed < UnreachableWithin, $"took {elapsed.TotalSeconds:0.0} s: {output}");
    }

    [Fact]
    public async Task Every_cluster_verb_reads_the_cluster_and_its_id_from_the_environment_and_exits_3_when_unreachable()
    {
        var port = FreePort();
        var environment = new Dictionary<string, string?>
        {
            ["FACEREP_CLUSTER"] = $"127.0.0.1:{port},password={Secret}",
            ["FACEREP_CLUSTER_ID"] = "lab-cluster",
        };

        // The verbs wait on the same connect timeout: side by side they take about as long as one.
        var runs = await Task.WhenAll(ClusterVerbList.Select(async verb => (Verb: verb, Run: await RunAsync(environment, Words(verb)))));

        foreach (var (verb, (code, output, elapsed)) in runs)
        {
            _log.WriteLine($"FACEREP_CLUSTER facerep {verb}: exit {code} after {elapsed.TotalSeconds:0.0} s: {Flat(output)}");
            Assert.True(code == 3, $"{verb}: {output}");
            AssertUnreachable(output, port, "lab-cluster");
            Assert.True(elapsed < UnreachableSideBySideWithin, $"{verb} took {elapsed.TotalSeconds:0.0} s: {output}");
        }
    }

    // ---- model import ----

    [Fact]
    public async Task Import_of_a_missing_file_names_it_and_exits_2()
    {
        var (code, output) = await FacerepProcess.RunAsync(_dir, Timeout, "model", "import", "missing.pt", "--arch", "resnet18");

        Assert.True(code == 2, output);
        AssertOneError(output);
        Assert.Contains("error: missing.pt: no such file", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_into_an_unknown_architecture_lists_the_known_ones_and_exits_2()
    {
        File.WriteAllBytes(Path.Combine(_dir, "weights.pt"), [1, 2, 3]);

        var (code, output) = await FacerepProcess.RunAsync(_dir, Timeout, "model", "import", "weights.pt", "--arch", "resnet999");

        Assert.True(code == 2, output);
        AssertOneError(output);
        Assert.Contains("error: --arch 'resnet999' is not a backbone; use one of resnet18, resnet34, resnet50", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_of_a_file_that_is_no_checkpoint_gives_the_reason_and_exits_2()
    {
        var noise = new byte[4096];
        new Random(7).NextBytes(noise);
        File.WriteAllBytes(Path.Combine(_dir, "noise.pt"), noise);

        var (code, output) = await FacerepProcess.RunAsync(_dir, Timeout, "model", "import", "noise.pt", "--arch", "resnet18", "--width", "0.25");

        Assert.True(code == 2, output);
        AssertOneError(output);
        Assert.StartsWith("error: noise.pt: it is neither a torch.save zip file", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_with_a_width_out_of_range_names_the_range_and_exits_2()
    {
        var (code, output) = await FacerepProcess.RunAsync(_dir, Timeout, "model", "import", "missing.pt", "--arch", "resnet18", "--width", "9");

        Assert.True(code == 2, output);
        AssertOneError(output);
        Assert.Contains("error: --width 9 is out of range; use a number in (0, 4]", output, StringComparison.Ordinal);
    }

    // ---- model export ----

    [Fact]
    public async Task Export_writes_the_checkpoints_weights_and_import_loads_every_tensor_back()
    {
        var spec = new BackboneSpec("resnet18", 0.25, 64);
        var job = new string('a', 32) + new string('0', 32);
        using var original = TorchRuntime.Seeded(11, () => BackboneRegistry.Create(spec));
        new CheckpointStore(Path.Combine(_dir, "artifacts")).Save(job, original, spec);

        var (exported, exportOutput) = await FacerepProcess.RunAsync(_dir, Timeout, "model", "export", job, "--artifacts", "artifacts", "--out", "x.safetensors");
        var file = Path.Combine(_dir, "x.safetensors");
        var (imported, importOutput) = await FacerepProcess.RunAsync(_dir, Timeout, "model", "import", "x.safetensors", "--arch", "resnet18", "--width", "0.25");

        Assert.True(exported == 0, exportOutput);
        Assert.Contains($"resnet18 (width 0.25, 64 px) from job {job}", Flat(exportOutput), StringComparison.Ordinal);
        Assert.True(new FileInfo(file).Length > 0);
        Assert.True(imported == 0, importOutput);
        Assert.Contains("missing from the file (0): none", importOutput, StringComparison.Ordinal);
        Assert.Contains("in the file but not the backbone (0): none", importOutput, StringComparison.Ordinal);
        Assert.Contains("Every backbone tensor comes from the file.", importOutput, StringComparison.Ordinal);

        // The file holds the checkpoint's own weights, not a fresh backbone's.
        using var restored = TorchRuntime.Seeded(12, () => BackboneRegistry.Create(spec));
        var expected = original.state_dict();
        var actual = restored.state_dict();
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        Assert.Contains(expected, p => !p.Value.equal(actual[p.Key]).all().item<bool>());
        ModelInterop.Import(file, restored);
        Assert.All(expected, p => Assert.True(p.Value.equal(actual[p.Key]).all().item<bool>(), $"{p.Key} differs"));
    }

    [Theory]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000", "no checkpoint of job '0000000000000000000000000000000000000000000000000000000000000000' under ")]
    [InlineData("../x", "'../x' is not a job id")]
    [InlineData("abc/../../etc", "'abc/../../etc' is not a job id")]
    public async Task Export_of_an_unknown_or_malformed_job_id_exits_2_and_writes_nothing(string job, string error)
    {
        Directory.CreateDirectory(Path.Combine(_dir, "artifacts", "checkpoints"));

        var (code, output) = await FacerepProcess.RunAsync(_dir, Timeout, "model", "export", job, "--artifacts", "artifacts", "--out", "x.safetensors");

        Assert.True(code == 2, output);
        AssertOneError(output);
        Assert.StartsWith("error: " + error, output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir, "x.safetensors")));
    }

    [Fact]
    public async Task Export_of_a_checkpoint_corrupted_after_saving_names_the_checksum_and_exits_2()
    {
        var spec = new BackboneSpec("resnet18", 0.25, 64);
        var job = new string('c', 64);
        var store = new CheckpointStore(Path.Combine(_dir, "artifacts"));
        using (var backbone = BackboneRegistry.Create(spec))
            store.Save(job, backbone, spec);
        var weights = Directory.GetFiles(store.PathOf(job)).Single(f => !f.EndsWith(".json", StringComparison.Ordinal));
        var bytes = File.ReadAllBytes(weights);
        for (var i = bytes.Length / 2; i < bytes.Length / 2 + 16; i++)
            bytes[i] ^= 0xFF;
        File.WriteAllBytes(weights, bytes);

        var (code, output) = await FacerepProcess.RunAsync(_dir, Timeout, "model", "export", job, "--artifacts", "artifacts", "--out", "x.safetensors");

        Assert.True(code == 2, output);
        AssertOneError(output);
        Assert.StartsWith($"error: checkpoint {job} is corrupt: checksum ", Flat(output), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir, "x.safetensors")));
    }

    [Fact]
    public async Task Export_of_a_checkpoint_with_unreadable_metadata_says_so_and_exits_2()
    {
        var job = new string('d', 64);
        var checkpoint = Directory.CreateDirectory(Path.Combine(_dir, "artifacts", "checkpoints", job)).FullName;
        File.WriteAllText(Path.Combine(checkpoint, "checkpoint.json"), "{not json");

        var (code, output) = await FacerepProcess.RunAsync(_dir, Timeout, "model", "export", job, "--artifacts", "artifacts", "--out", "x.safetensors");

        Assert.True(code == 2, output);
        AssertOneError(output);
        Assert.Contains(job, output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir, "x.safetensors")));
    }

    // ---- helpers ----

    /// <summary>
    /// Runs facerep with the cluster variables removed and <paramref name="environment"/> set;
    /// returns the exit code, everything printed and how long it took.
    /// </summary>
    private async Task<(int ExitCode, string Output, TimeSpan Elapsed)> RunAsync(Dictionary<string, string?>? environment, params string[] args)
    {
        var variables = ClusterVariables.ToDictionary(v => v, _ => (string?)null);
        foreach (var (name, value) in environment ?? [])
            variables[name] = value;
        var clock = Stopwatch.StartNew();
        using var process = FacerepProcess.StartWith(_dir, variables, args);
        var code = await process.WaitForExitAsync(Timeout);
        return (code, process.Output, clock.Elapsed);
    }

    /// <summary>A loopback port nothing listens on: bound to find it, then released.</summary>
    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>A connection string to a port nothing listens on: contacting it would exit 3.</summary>
    private static string Unreachable() => $"127.0.0.1:{FreePort()},password={Secret}";

    private static void AssertUnreachable(string output, int port, string clusterId)
    {
        AssertOneError(output);
        Assert.StartsWith($"error: cannot reach the cluster '{clusterId}' at 127.0.0.1:{port}: ", output, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, output, StringComparison.Ordinal);
    }

    /// <summary>Exactly one error, and no stack trace.</summary>
    private static void AssertOneError(string output)
    {
        Assert.Single(Regex.Matches(output, "^error: ", RegexOptions.Multiline));
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
    }

    private static string[] Words(string verb) => verb.Split(' ');

    /// <summary>The output with every run of white space as one space, so wrapped lines read as one.</summary>
    private static string Flat(string output) => string.Join(' ', output.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));
}
