using FaceRep.Data.Benchmarks;
using FaceRep.Data.ImageSets;
using FaceRep.Grid.Abstractions;
using Xunit.Abstractions;

namespace FaceRep.Cluster.Tests;

/// <summary>
/// Two silos, one holding an imported set and a benchmark under its DatasetRoots and one not: a sweep
/// naming them is resolved with the silos' own catalogs, the jobs reading them run only where they are,
/// and a sweep naming a set or benchmark no silo holds is refused at submit.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class DatasetPlacementClusterTests(ITestOutputHelper output) : IAsyncLifetime
{
    private ClusterHarness _cluster = null!;
    private string _dir = null!;
    private ImageSetManifest _faces = null!;
    private BenchmarkManifest _w300 = null!;

    public async Task InitializeAsync()
    {
        _dir = Directory.CreateTempSubdirectory("facerep-dataset-placement-").FullName;
        var fixtures = global::FaceRep.Tests.Shared.ImageSetFixtures.PathOf();
        _faces = ImageSetImport.Import(Path.Combine(fixtures, "identities"), Path.Combine(_dir, "silo-data", "faces")).Manifest;
        var w300 = global::FaceRep.Tests.Shared.BenchmarkFixtures.PathOf("300w");
        _w300 = BenchmarkImport.Run(BenchmarkKinds.Get("300w"), w300, Path.Combine(_dir, "silo-data", "w300"), new BenchmarkImportOptions { Size = 32 });
        // A set and a benchmark only this machine has: no silo can run a job on them.
        ImageSetImport.Import(Path.Combine(fixtures, "crawl"), Path.Combine(_dir, "local", "crawl"));
        BenchmarkImport.Run(BenchmarkKinds.Get("300w"), w300, Path.Combine(_dir, "local", "mine300w"), new BenchmarkImportOptions { Size = 48 });
        var roots = Path.Combine(_dir, "silo-data");
        _cluster = await ClusterHarness.StartAsync(output, silos: 2, configure: c => c with { Executor = "sleep:100ms" },
            configureSilo: (i, c) => i == 0 ? c with { DatasetRoots = roots } : c);
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Pre_training_on_an_imported_set_runs_only_on_the_silo_that_holds_it()
    {
        var path = Path.Combine(_dir, "faces.yaml");
        await File.WriteAllTextAsync(path, """
            name: faces
            pretrain:
              - {dataset: synth-curated, method: scratch}
              - {dataset: faces, method: simclr, batch: 8, epochs: [1, 2, 3]}
              - {dataset: faces, method: byol, batch: 8, epochs: [1, 2, 3]}
            tasks: [landmarks]
            shots: [0.5]
            seeds: [0, 1]
            """);
        var cluster = new[] { "--cluster", _cluster.Redis.ConnectionString, "--cluster-id", _cluster.Config.ClusterId };

        // Named by the silos' catalogs: this machine has no copy and no --data.
        var (code, text) = await FacerepConsole.RunAsync(_dir, ["sweep", "submit", path, "--watch", "--plain", .. cluster]);

        Assert.True(code == 0, text);
        Assert.Contains("Sweep faces finished: 21 succeeded, 0 failed, of 21.", text, StringComparison.Ordinal);
        var runs = RunLog.Read(_cluster.RunLogPath).Where(r => r.Succeeded).ToList();
        var grid = Grid.Planning.SweepPlanner.Plan(await File.ReadAllTextAsync(path), "faces.yaml", DatasetCatalog.Open([Path.Combine(_dir, "silo-data")])).Grid;
        var onFaces = grid.Pretrain.Where(p => p.Config.DatasetContent == _faces.Content).Select(p => p.Config.Id).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(6, onFaces.Count);
        var holder = _cluster.Silos[0];
        Assert.All(runs.Where(r => onFaces.Contains(r.JobId)), r => Assert.True(holder.Owns(r.Silo), $"pre-training {r.JobId} on the set ran on {r.Silo}, which does not hold it"));
        Assert.Equal(6, runs.Count(r => onFaces.Contains(r.JobId)));
        // The other silo still worked: evaluations go anywhere.
        Assert.Contains(runs, r => !holder.Owns(r.Silo));
    }

    [Fact]
    public async Task A_sweep_naming_a_set_no_silo_holds_is_refused_at_submit()
    {
        var path = Path.Combine(_dir, "crawl.yaml");
        await File.WriteAllTextAsync(path, """
            name: crawl
            pretrain:
              - {dataset: crawl, method: simclr, batch: 4}
            tasks: [landmarks]
            shots: [0.5]
            seeds: [0]
            """);
        var cluster = new[] { "--cluster", _cluster.Redis.ConnectionString, "--cluster-id", _cluster.Config.ClusterId };

        // Resolved here with --data, but held by no silo.
        var (code, text) = await FacerepConsole.RunAsync(_dir, ["sweep", "submit", path, "--data", Path.Combine(_dir, "local"), .. cluster]);
        text = Unwrapped(text);
        Assert.True(code == 2, text);
        Assert.Contains("no silo of", text, StringComparison.Ordinal);
        Assert.Contains("holds dataset 'crawl'", text, StringComparison.Ordinal);
        Assert.Contains("the silos hold: faces", text, StringComparison.Ordinal);

        // Without --data the silos' catalogs are all there is: the name is unknown, and they list what they hold.
        (code, text) = await FacerepConsole.RunAsync(_dir, ["sweep", "submit", path, .. cluster]);
        text = Unwrapped(text);
        Assert.True(code == 2, text);
        Assert.Contains("unknown dataset 'crawl'", text, StringComparison.Ordinal);
        Assert.True(text.Contains("faces (under the silos of", StringComparison.Ordinal), text);
        await using var client = await _cluster.ConnectAsync();
        Assert.DoesNotContain(await client.Client.GetGrain<IDispatcherGrain>(0).GetSweepsAsync(), s => s.Name == "crawl");
    }

    [Fact]
    public async Task Evaluations_on_a_benchmark_run_only_on_the_silo_that_holds_it_and_one_no_silo_holds_is_refused()
    {
        var path = Path.Combine(_dir, "bench.yaml");
        await File.WriteAllTextAsync(path, """
            name: bench
            pretrain:
              - {dataset: synth-curated, method: scratch}
            tasks: [landmarks, {task: landmarks, benchmark: w300}]
            shots: [0.5]
            seeds: [0, 1, 2, 3]
            """);
        var cluster = new[] { "--cluster", _cluster.Redis.ConnectionString, "--cluster-id", _cluster.Config.ClusterId };

        var (code, text) = await FacerepConsole.RunAsync(_dir, ["sweep", "submit", path, "--watch", "--plain", .. cluster]);

        Assert.True(code == 0, text);
        Assert.Contains("Sweep bench finished: 9 succeeded, 0 failed, of 9.", text, StringComparison.Ordinal);
        var grid = Grid.Planning.SweepPlanner.Plan(await File.ReadAllTextAsync(path), "bench.yaml", DatasetCatalog.Open([Path.Combine(_dir, "silo-data")])).Grid;
        var onBenchmark = grid.Evaluations.Where(e => e.Config.BenchmarkContent == _w300.Content).Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(4, onBenchmark.Count);
        var runs = RunLog.Read(_cluster.RunLogPath).Where(r => r.Succeeded && onBenchmark.Contains(r.JobId)).ToList();
        Assert.Equal(4, runs.Count);
        Assert.All(runs, r => Assert.True(_cluster.Silos[0].Owns(r.Silo), $"evaluation {r.JobId} on the benchmark ran on {r.Silo}, which does not hold it"));

        // A benchmark given here with --data that no silo holds would leave its jobs waiting for ever: refused.
        await File.WriteAllTextAsync(path, (await File.ReadAllTextAsync(path)).Replace("name: bench", "name: mine", StringComparison.Ordinal).Replace("benchmark: w300", "benchmark: mine300w", StringComparison.Ordinal));
        (code, text) = await FacerepConsole.RunAsync(_dir, ["sweep", "submit", path, "--data", Path.Combine(_dir, "local"), .. cluster]);
        text = Unwrapped(text);
        Assert.True(code == 2, text);
        Assert.Contains("holds benchmark 'mine300w'", text, StringComparison.Ordinal);
        Assert.Contains("the silos hold: w300", text, StringComparison.Ordinal);
    }

    /// <summary>The console wraps long lines at its width: joined again so phrases can be found.</summary>
    private static string Unwrapped(string text) => System.Text.RegularExpressions.Regex.Replace(text, @"\s+", " ");
}
