using FaceRep.Grid.Abstractions;
using Xunit.Abstractions;

namespace FaceRep.Cluster.Tests;

/// <summary>
/// A mixed cluster: one silo with a GPU and one with CPU slots. A spec that places pre-training on
/// GPUs and evaluation on CPUs has each job run only where it asked to.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class PlacementClusterTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Spec = """
        name: placed
        pretrain:
          - {dataset: synth-curated, method: simclr, epochs: [1, 2, 3]}
          - {dataset: synth-curated, method: byol, epochs: [1, 2, 3]}
        tasks: [landmarks]
        shots: [0.05, 0.2]
        seeds: [0, 1, 2]
        placement: {pretrain: gpu, evaluate: cpu}
        """;

    private ClusterHarness _cluster = null!;
    private string _dir = null!;

    public async Task InitializeAsync()
    {
        // The sleep trainer never touches the device, so a silo can offer a "cuda0" here.
        _cluster = await ClusterHarness.StartAsync(output, silos: 2, configure: c => c with { Executor = "sleep:100ms" },
            configureSilo: (i, c) => c with { Devices = i == 0 ? "cpu0,cpu1" : "cuda0" });
        _dir = Directory.CreateTempSubdirectory("facerep-placement-").FullName;
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Each_stage_runs_only_on_the_kind_of_device_it_asked_for()
    {
        var path = Path.Combine(_dir, "placed.yaml");
        await File.WriteAllTextAsync(path, Spec);
        var grid = Grid.Planning.SweepPlanner.Plan(Spec, "placed.yaml").Grid;
        var pretrainIds = grid.Pretrain.Select(p => p.Config.Id).ToHashSet(StringComparer.Ordinal);

        var cluster = new[] { "--cluster", _cluster.Redis.ConnectionString, "--cluster-id", _cluster.Config.ClusterId };
        var (code, text) = await FacerepConsole.RunAsync(_dir, ["cluster", "status", .. cluster]);
        Assert.True(code == 0, text);
        Assert.Contains("gpu×1", text, StringComparison.Ordinal);
        Assert.Contains("cpu×2", text, StringComparison.Ordinal);

        (code, text) = await FacerepConsole.RunAsync(_dir, ["sweep", "submit", path, "--watch", "--plain", .. cluster]);
        Assert.True(code == 0, text);
        Assert.Contains("Sweep placed finished: 42 succeeded, 0 failed, of 42.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("warning:", text, StringComparison.Ordinal);

        var runs = RunLog.Read(_cluster.RunLogPath).Where(r => r.Succeeded).ToList();
        Assert.Equal(42, runs.Count);
        var gpuSilo = _cluster.Silos[1];
        Assert.All(runs.Where(r => pretrainIds.Contains(r.JobId)), r => Assert.True(gpuSilo.Owns(r.Silo) && r.Device == "cuda0", $"pre-training {r.JobId} ran on {r.Silo}/{r.Device}"));
        Assert.All(runs.Where(r => !pretrainIds.Contains(r.JobId)), r => Assert.True(!gpuSilo.Owns(r.Silo) && r.Device.StartsWith("cpu", StringComparison.Ordinal), $"evaluation {r.JobId} ran on {r.Silo}/{r.Device}"));
        Assert.Equal(6, runs.Count(r => pretrainIds.Contains(r.JobId)));

        await using var client = await _cluster.ConnectAsync();
        var status = await client.Client.GetGrain<ISweepGrain>("placed").GetStatusAsync();
        Assert.True(status.IsComplete && status.Failed == 0, $"{status}");
    }
}
