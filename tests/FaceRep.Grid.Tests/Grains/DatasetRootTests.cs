using FaceRep.Data;
using FaceRep.Data.Shards;
using FaceRep.Grid.Abstractions;
using FaceRep.Grid.Datasets;
using FaceRep.Grid.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace FaceRep.Grid.Tests.Grains;

/// <summary>Two silos that both hold a copy of the same datasets under a dataset root; one shard of one is corrupt.</summary>
public sealed class DatasetRootFixture : GridFixture
{
    public DatasetRootFixture()
    {
        Directory.CreateDirectory(Root);
        foreach (var name in new[] { Clean, Damaged })
        {
            var source = SynthFaceCatalog.OpenPretrain(SynthFaceCatalog.Curated, 12, 32, seed: name.Length);
            var samples = Enumerable.Range(0, source.Count).Select(i => ShardSample.From(source.Get(i), $"{name}[{i}]"));
            var manifest = ShardStore.Write(samples, Path.Combine(Root, name), name, "synthface:curated", source.Resolution, 5);
            if (name == Damaged)
            {
                var path = Path.Combine(Root, name, manifest.Shards[1].File);
                var bytes = File.ReadAllBytes(path);
                bytes[bytes.Length / 2] ^= 0x5A;
                File.WriteAllBytes(path, bytes);
            }
        }

        // Not a dataset: it is skipped, with a warning.
        Directory.CreateDirectory(Path.Combine(Root, "notes"));
    }

    public string Root { get; } = Path.Combine(Path.GetTempPath(), $"facerep-dataset-roots-{Guid.NewGuid():N}");

    public string Clean { get; } = $"clean-{Guid.NewGuid():N}"[..14];

    public string Damaged { get; } = $"damaged-{Guid.NewGuid():N}"[..16];

    protected override void Configure(GridOptions options) => options.DatasetRoots = Root;

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(Root, recursive: true);
    }
}

public sealed class DatasetRootTests(DatasetRootFixture grid) : IClassFixture<DatasetRootFixture>
{
    private async Task<IReadOnlyList<LocalDatasetReport>[]> RegisteredAsync() =>
        await Task.WhenAll(grid.Cluster.Silos.Select(s => s.SiloHost.Services.GetRequiredService<DatasetRootRegistration>().Registered.WaitAsync(TimeSpan.FromSeconds(60))));

    [Fact]
    public async Task Every_silo_registers_the_datasets_under_its_roots_as_its_copies()
    {
        var reports = await RegisteredAsync();

        foreach (var report in reports)
            Assert.Equal(new[] { grid.Clean, grid.Damaged }.Order(StringComparer.Ordinal), report.Select(r => r.Manifest.Name).Order(StringComparer.Ordinal));
        var summary = await grid.Client.GetGrain<IDatasetGrain>(grid.Clean).GetSummaryAsync();
        Assert.True(summary.IsRegistered);
        Assert.Equal(3, summary.Shards);
        Assert.Equal(0, summary.ShardsCorrupt);
        Assert.Equal(12, summary.DecodedSamples);
        Assert.Equal(grid.Cluster.Silos.Select(s => s.Name).Order(StringComparer.Ordinal), summary.CompleteCopies.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_corrupt_shard_is_named_and_no_silo_counts_as_holding_a_complete_copy()
    {
        await RegisteredAsync();

        var summary = await grid.Client.GetGrain<IDatasetGrain>(grid.Damaged).GetSummaryAsync();

        Assert.Equal(1, summary.ShardsCorrupt);
        Assert.Single(summary.CorruptShards);
        Assert.True(summary.CorruptSamples > 0);
        Assert.Empty(summary.CompleteCopies);
    }
}
