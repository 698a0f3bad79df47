using FaceRep.Data;
using FaceRep.Data.Quality;
using FaceRep.Data.Shards;
using FaceRep.Grid.Abstractions;
using FaceRep.Grid.Datasets;
using Orleans.Core.Internal;

namespace FaceRep.Grid.Tests.Grains;

public sealed class DatasetShardGrainTests(GridFixture grid) : IClassFixture<GridFixture>, IDisposable
{
    private const int Samples = 24;
    private const int ShardSize = 7;
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"facerep-dataset-shards-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_root))
            Directory.Delete(_root, recursive: true);
    }

    private string SiloA => grid.Cluster.Silos[0].Name;

    private string SiloB => grid.Cluster.Silos[1].Name;

    /// <summary>
    /// A small curated SynthFace dataset under a name unique to the test, whose last sample repeats
    /// its first: a near-duplicate pair split between the first and the last shard.
    /// </summary>
    private (string Directory, DatasetManifest Manifest) WriteDataset(string test, int seed = 0, string? name = null)
    {
        name ??= $"{test}-{Guid.NewGuid():N}";
        var source = SynthFaceCatalog.OpenPretrain(SynthFaceCatalog.Curated, Samples - 1, 32, seed);
        var directory = Path.Combine(_root, $"{test}-{seed}-{Guid.NewGuid():N}");
        var samples = Enumerable.Range(0, Samples).Select(i => ShardSample.From(source.Get(i % source.Count), $"{name}[{i}]"));
        var manifest = ShardStore.Write(samples, directory, name, $"synthface:video:seed={seed}", source.Resolution, ShardSize);
        return (directory, manifest);
    }

    private static void Corrupt(string directory, string file)
    {
        var path = Path.Combine(directory, file);
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x5A;
        bytes[(bytes.Length / 2) + 1] ^= 0xA5;
        File.WriteAllBytes(path, bytes);
    }

    private IDatasetShardGrain Shard(DatasetManifest manifest, int index) =>
        grid.Client.GetDatasetShardGrain(manifest.Name, manifest.Shards[index].File);

    private async Task<ShardInfo[]> ShardsAsync(DatasetManifest manifest) =>
        await Task.WhenAll(manifest.Shards.Select(s => grid.Client.GetDatasetShardGrain(manifest.Name, s.File).GetAsync()));

    [Fact]
    public async Task Registering_a_dataset_records_each_shards_entry_validation_and_local_copy()
    {
        var (directory, manifest) = WriteDataset("register");

        var report = await DatasetRegistrar.RegisterAsync(grid.Client, directory, SiloA);

        Assert.Equal(4, manifest.Shards.Count);
        Assert.Equal(manifest.Shards.Select(s => s.File), await grid.Client.GetGrain<IDatasetGrain>(manifest.Name).GetShardsAsync());
        var shards = await ShardsAsync(manifest);
        for (var i = 0; i < shards.Length; i++)
        {
            var entry = manifest.Shards[i];
            var info = shards[i];
            Assert.Equal(new ShardDescriptor(manifest.Name, entry.File, entry.Count, entry.Sha256, entry.Bytes), info.Shard);
            Assert.Equal(manifest.Name, info.Dataset);
            Assert.Equal(entry.File, info.File);
            var validation = Assert.IsType<ShardValidation>(info.Validation);
            Assert.Equal(SiloA, validation.Silo);
            Assert.Equal(entry.Count, validation.Decoded);
            Assert.Equal(0, validation.Corrupt);
            Assert.Equal(entry.Sha256, validation.Sha256);
            Assert.Empty(validation.Errors);
            Assert.False(info.IsCorrupt);
            var copy = Assert.Single(info.Copies);
            Assert.Equal(SiloA, copy.Silo);
            Assert.Equal(Path.Combine(Path.GetFullPath(directory), entry.File), copy.Path);
            Assert.Equal(Facts(validation), Facts(copy.Validation!));
        }

        Assert.Equal(report.Shards.Select(s => s.Validation.Decoded), shards.Select(s => s.Validation!.Decoded));
    }

    [Fact]
    public async Task Near_duplicates_are_counted_across_the_whole_dataset_and_reported_per_shard()
    {
        var (directory, manifest) = WriteDataset("redundancy");
        // The reference: the whole dataset as training reads it, measured at once, split by shard.
        var read = ShardStore.Open(directory);
        var shardOf = manifest.Shards.SelectMany(s => Enumerable.Repeat(s.File, s.Count)).ToArray();
        var expected = Redundancy.Measure(read, i => shardOf[i], threshold: 6);
        // What counting within each shard alone would say; the data has near-duplicates across shard boundaries.
        var withinShards = manifest.Shards.Sum(s =>
        {
            var first = Array.IndexOf(shardOf, s.File);
            return Redundancy.Measure(new Slice(read, first, s.Count), _ => s.File, threshold: 6).NearDuplicates;
        });

        var report = await DatasetRegistrar.RegisterAsync(grid.Client, directory, SiloA, threshold: 6);

        var shards = await ShardsAsync(manifest);
        Assert.True(expected.NearDuplicates > withinShards, $"the data should have near-duplicates across shards: {expected.NearDuplicates} in all, {withinShards} within shards");
        Assert.Equal(expected.Parts.Select(p => (p.Part, p.Samples, p.NearDuplicates)),
            shards.Select(s => (s.File, s.Statistics!.Samples, s.Statistics.NearDuplicates)));
        Assert.All(shards, s => Assert.Equal(6, s.Statistics!.Threshold));
        Assert.Equal(expected.NearDuplicates, report.Redundancy.NearDuplicates);
        Assert.Equal(expected.NearDuplicates, report.Summary.NearDuplicates);
        Assert.Equal(Samples, report.Summary.ExaminedSamples);
        Assert.Equal(expected.Rate, report.Summary.NearDuplicateRate, 12);
    }

    [Fact]
    public async Task A_corrupt_shard_is_reported_corrupt_with_its_file_named()
    {
        var (directory, manifest) = WriteDataset("corrupt");
        var victim = manifest.Shards[1];
        Corrupt(directory, victim.File);

        var report = await DatasetRegistrar.RegisterAsync(grid.Client, directory, SiloA);

        var info = await Shard(manifest, 1).GetAsync();
        Assert.True(info.IsCorrupt);
        var validation = info.Validation!;
        Assert.Equal(0, validation.Decoded);
        Assert.Equal(victim.Count, validation.Corrupt);
        Assert.NotEqual(victim.Sha256, validation.Sha256);
        var error = Assert.Single(validation.Errors);
        Assert.Contains(victim.File, error, StringComparison.Ordinal);
        Assert.Contains("checksum", error, StringComparison.Ordinal);
        Assert.Equal(0, info.Statistics!.Samples);
        Assert.False(Assert.Single(info.Copies).IsUsable);

        var others = (await ShardsAsync(manifest)).Where(s => s.File != victim.File).ToList();
        Assert.All(others, s => Assert.False(s.IsCorrupt));
        Assert.All(others, s => Assert.Equal(s.Shard!.Samples, s.Validation!.Decoded));

        var summary = report.Summary;
        Assert.Equal(1, summary.ShardsCorrupt);
        Assert.Equal(new[] { victim.File }, summary.CorruptShards);
        Assert.Equal(victim.Count, summary.CorruptSamples);
        Assert.Equal(Samples - victim.Count, summary.DecodedSamples);
        Assert.Equal(Samples - victim.Count, summary.ExaminedSamples);
        Assert.Empty(summary.CompleteCopies);
    }

    [Fact]
    public async Task A_missing_shard_file_is_reported_and_the_silo_holds_no_copy_of_it()
    {
        var (directory, manifest) = WriteDataset("missing");
        await DatasetRegistrar.RegisterAsync(grid.Client, directory, SiloA);
        File.Delete(Path.Combine(directory, manifest.Shards[2].File));

        var report = await DatasetRegistrar.RegisterAsync(grid.Client, directory, SiloA);

        var info = await Shard(manifest, 2).GetAsync();
        Assert.True(info.IsCorrupt);
        Assert.Null(info.Validation!.Sha256);
        Assert.Contains("missing", Assert.Single(info.Validation.Errors), StringComparison.Ordinal);
        Assert.Empty(info.Copies);
        Assert.Empty(report.Summary.CompleteCopies);
    }

    [Fact]
    public async Task Registering_the_same_dataset_again_changes_nothing_but_the_validation_time()
    {
        var (directory, manifest) = WriteDataset("again");
        var first = await DatasetRegistrar.RegisterAsync(grid.Client, directory, SiloA);
        var before = await ShardsAsync(manifest);

        var second = await DatasetRegistrar.RegisterAsync(grid.Client, directory, SiloA);

        var after = await ShardsAsync(manifest);
        Assert.Equal(manifest.Shards.Select(s => s.File), await grid.Client.GetGrain<IDatasetGrain>(manifest.Name).GetShardsAsync());
        for (var i = 0; i < after.Length; i++)
        {
            Assert.Equal(before[i].Shard, after[i].Shard);
            Assert.Equal(before[i].RegisteredUtc, after[i].RegisteredUtc);
            Assert.Equal(Facts(before[i].Validation!) with { ValidatedUtc = default }, Facts(after[i].Validation!) with { ValidatedUtc = default });
            Assert.Equal(before[i].Statistics! with { ComputedUtc = default }, after[i].Statistics! with { ComputedUtc = default });
            var copy = Assert.Single(after[i].Copies);
            Assert.Equal(before[i].Copies[0].AddedUtc, copy.AddedUtc);
        }

        Assert.Equal(Counts(first.Summary), Counts(second.Summary));
        Assert.Equal(first.Summary.CompleteCopies, second.Summary.CompleteCopies);

        // The shard's own registration, repeated, records nothing.
        var shard = Shard(manifest, 0);
        var version = (await shard.GetAsync()).Version;
        var again = await shard.RegisterAsync(after[0].Shard!);
        Assert.True(again.Accepted);
        Assert.Equal(version, again.Info.Version);
    }

    [Fact]
    public async Task A_shard_whose_checksum_changed_is_refused_and_keeps_its_entry()
    {
        var (_, manifest) = WriteDataset("checksum");
        var entry = manifest.Shards[0];
        var descriptor = new ShardDescriptor(manifest.Name, entry.File, entry.Count, entry.Sha256, entry.Bytes);
        var shard = Shard(manifest, 0);
        Assert.True((await shard.RegisterAsync(descriptor)).Accepted);

        var changed = await shard.RegisterAsync(descriptor with { Sha256 = new string('0', 64) });

        Assert.False(changed.Accepted);
        Assert.Contains(entry.Sha256, changed.Error, StringComparison.Ordinal);
        Assert.Contains(descriptor.Key, changed.Error, StringComparison.Ordinal);
        Assert.Equal(descriptor, (await shard.GetAsync()).Shard);
    }

    [Fact]
    public async Task A_dataset_rewritten_with_other_content_under_its_name_is_refused()
    {
        var (directory, manifest) = WriteDataset("rewritten");
        await DatasetRegistrar.RegisterAsync(grid.Client, directory, SiloA);
        var (otherDirectory, other) = WriteDataset("rewritten", seed: 1, name: manifest.Name);
        Assert.NotEqual(manifest.Shards[0].Sha256, other.Shards[0].Sha256);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => DatasetRegistrar.RegisterAsync(grid.Client, otherDirectory, SiloB));

        Assert.Contains(manifest.Name, refused.Message, StringComparison.Ordinal);
        var shards = await ShardsAsync(manifest);
        Assert.Equal(manifest.Shards.Select(s => s.Sha256), shards.Select(s => s.Shard!.Sha256));
        Assert.All(shards, s => Assert.Equal(new[] { SiloA }, s.Copies.Select(c => c.Silo)));
    }

    [Fact]
    public async Task A_second_silos_copy_is_listed_and_removing_a_copy_forgets_it()
    {
        var (directory, manifest) = WriteDataset("copies");
        await DatasetRegistrar.RegisterAsync(grid.Client, directory, SiloA);
        var copyB = Path.Combine(_root, "silo-b");
        CopyDirectory(directory, copyB);

        var report = await DatasetRegistrar.RegisterAsync(grid.Client, copyB, SiloB);

        var expectedSilos = new[] { SiloA, SiloB }.Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(expectedSilos, report.Summary.CompleteCopies);
        var info = await Shard(manifest, 3).GetAsync();
        Assert.Equal(expectedSilos, info.Copies.Select(c => c.Silo));
        Assert.Equal(Path.Combine(copyB, manifest.Shards[3].File), info.Copies.Single(c => c.Silo == SiloB).Path);
        Assert.Equal(SiloB, info.Validation!.Silo);

        var removed = await Shard(manifest, 3).RemoveCopyAsync(SiloB);
        var removedAgain = await Shard(manifest, 3).RemoveCopyAsync(SiloB);

        Assert.True(removed);
        Assert.False(removedAgain);
        Assert.Equal(new[] { SiloA }, (await Shard(manifest, 3).GetAsync()).Copies.Select(c => c.Silo));
        Assert.Equal(new[] { SiloA }, (await grid.Client.GetGrain<IDatasetGrain>(manifest.Name).GetSummaryAsync()).CompleteCopies);
    }

    [Fact]
    public async Task A_copy_recorded_by_hand_at_a_new_path_replaces_the_silos_old_copy_and_its_validation()
    {
        var (directory, manifest) = WriteDataset("moved");
        await DatasetRegistrar.RegisterAsync(grid.Client, directory, SiloA);
        var shard = Shard(manifest, 0);

        await shard.AddCopyAsync(SiloB, "/data/b/shard-00000.msgpack");
        await shard.AddCopyAsync(SiloA, "/data/a/moved.msgpack");

        var copies = (await shard.GetAsync()).Copies;
        Assert.Equal(2, copies.Count);
        var a = copies.Single(c => c.Silo == SiloA);
        Assert.Equal("/data/a/moved.msgpack", a.Path);
        Assert.Null(a.Validation);
        // Silo B holds only shard 0, so it holds no complete copy.
        Assert.Equal(new[] { SiloA }, (await grid.Client.GetGrain<IDatasetGrain>(manifest.Name).GetSummaryAsync()).CompleteCopies);
    }

    [Fact]
    public async Task The_dataset_summary_adds_up_over_its_shards()
    {
        var (directory, manifest) = WriteDataset("summary");
        Corrupt(directory, manifest.Shards[2].File);

        var report = await DatasetRegistrar.RegisterAsync(grid.Client, directory, SiloA);

        var summary = await grid.Client.GetGrain<IDatasetGrain>(manifest.Name).GetSummaryAsync();
        var shards = await ShardsAsync(manifest);
        Assert.True(summary.IsRegistered);
        Assert.Equal(manifest.Name, summary.Name);
        Assert.Equal(4, summary.Shards);
        Assert.Equal(Samples, summary.Samples);
        Assert.Equal(4, summary.ShardsValidated);
        Assert.Equal(1, summary.ShardsCorrupt);
        Assert.Equal(summary.Samples, summary.DecodedSamples + summary.CorruptSamples);
        Assert.Equal(shards.Sum(s => s.Validation!.Decoded), summary.DecodedSamples);
        Assert.Equal(summary.DecodedSamples, summary.ExaminedSamples);
        Assert.Equal(shards.Sum(s => s.Statistics!.NearDuplicates), summary.NearDuplicates);
        Assert.True(summary.NearDuplicates > 0);
        Assert.Equal((double)summary.NearDuplicates / summary.ExaminedSamples, summary.NearDuplicateRate, 12);
        Assert.Equal(Counts(summary), Counts(report.Summary));
    }

    [Fact]
    public async Task Shards_and_datasets_keep_their_state_across_reactivation()
    {
        var (directory, manifest) = WriteDataset("persisted");
        await DatasetRegistrar.RegisterAsync(grid.Client, directory, SiloA);
        await Shard(manifest, 1).AddCopyAsync(SiloB, "/elsewhere/shard.msgpack");
        var dataset = grid.Client.GetGrain<IDatasetGrain>(manifest.Name);
        var before = await Shard(manifest, 1).GetAsync();
        var summaryBefore = await dataset.GetSummaryAsync();

        await Shard(manifest, 1).AsReference<IGrainManagementExtension>().DeactivateOnIdle();
        await dataset.AsReference<IGrainManagementExtension>().DeactivateOnIdle();

        var after = await Shard(manifest, 1).GetAsync();
        Assert.Equal(before.Version, after.Version);
        Assert.Equal(before.Shard, after.Shard);
        Assert.Equal(Facts(before.Validation!), Facts(after.Validation!));
        Assert.Equal(before.Statistics, after.Statistics);
        Assert.Equal(before.Copies.Select(c => (c.Silo, c.Path)), after.Copies.Select(c => (c.Silo, c.Path)));
        Assert.Equal(manifest.Shards.Select(s => s.File), await dataset.GetShardsAsync());
        Assert.Equal(Counts(summaryBefore), Counts(await dataset.GetSummaryAsync()));
    }

    [Fact]
    public async Task An_unregistered_shard_refuses_records_and_an_unknown_dataset_summarises_as_empty()
    {
        var name = $"unknown-{Guid.NewGuid():N}";
        var shard = grid.Client.GetDatasetShardGrain(name, "shard-00000.msgpack");

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => shard.AddCopyAsync(SiloA, "/x"));
        var summary = await grid.Client.GetGrain<IDatasetGrain>(name).GetSummaryAsync();

        Assert.Contains("not registered", refused.Message, StringComparison.Ordinal);
        Assert.False((await shard.GetAsync()).IsRegistered);
        Assert.False(summary.IsRegistered);
        Assert.Equal(0, summary.Shards);
        Assert.Empty(await grid.Client.GetGrain<IDatasetGrain>(name).GetShardsAsync());
    }

    [Fact]
    public void Shard_keys_name_the_dataset_and_the_file()
    {
        Assert.Equal("faces/shard-00001.msgpack", DatasetShardKey.Of("faces", "shard-00001.msgpack"));
        Assert.Equal(("faces", "sub/shard-00001.msgpack"), DatasetShardKey.Parse("faces/sub/shard-00001.msgpack"));
        Assert.Throws<ArgumentException>(() => DatasetShardKey.Of("a/b", "shard"));
        Assert.Throws<ArgumentException>(() => DatasetShardKey.Parse("no-slash"));
    }

    /// <summary>A validation's facts, its error list compared by content.</summary>
    private static ValidationFacts Facts(ShardValidation v) => new(v.Silo, v.Decoded, v.Corrupt, v.Sha256, string.Join("\n", v.Errors), v.ValidatedUtc);

    private sealed record ValidationFacts(string Silo, int Decoded, int Corrupt, string? Sha256, string Errors, DateTime ValidatedUtc);

    private static (int, int, int, int, int, int, int, int) Counts(DatasetSummary s) =>
        (s.Shards, s.Samples, s.ShardsValidated, s.ShardsCorrupt, s.DecodedSamples, s.CorruptSamples, s.ExaminedSamples, s.NearDuplicates);

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }

    /// <summary>A contiguous range of a dataset.</summary>
    private sealed class Slice(IFaceDataset inner, int first, int count) : IFaceDataset
    {
        public string Name => inner.Name;

        public int Count => count;

        public int Resolution => inner.Resolution;

        public FaceSample Get(int index) => inner.Get(first + index);
    }
}
