using FaceRep.Data.Shards;

namespace FaceRep.Data.Tests.Shards;

public sealed class ShardStoreTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"facerep-shards-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_dir))
            Directory.Delete(_dir, recursive: true);
    }

    private static IFaceDataset Source(int count = 10) => SynthFaceCatalog.OpenPretrain(SynthFaceCatalog.Curated, count, 32, seed: 2);

    [Fact]
    public void A_written_dataset_reads_back_with_its_labels_and_8_bit_pixels()
    {
        var source = Source();

        var manifest = ShardStore.Write(source, _dir, "test", shardSize: 4);
        var read = ShardStore.Open(_dir);

        Assert.Equal(3, manifest.Shards.Count);
        Assert.Equal([4, 4, 2], manifest.Shards.Select(s => s.Count));
        Assert.Equal(10, read.Count);
        Assert.Equal(0, read.Skipped);
        for (var i = 0; i < 10; i++)
        {
            var a = source.Get(i);
            var b = read.Get(i);
            Assert.Equal(a.Landmarks, b.Landmarks);
            Assert.Equal(a.Identity, b.Identity);
            Assert.Equal(a.Landmarks3D, b.Landmarks3D);
            Assert.Equal(a.ActionUnits, b.ActionUnits);
            Assert.Equal(a.Yaw, b.Yaw);
            Assert.All(a.Pixels.Zip(b.Pixels), p => Assert.InRange(Math.Abs(p.First - p.Second), 0, 0.5f / 255 + 1e-6f));
        }
    }

    [Fact]
    public void Emotion_labels_survive_the_round_trip()
    {
        var emotion = SynthFaceCatalog.OpenTask("emotion", 16, 8, 8, 32, seed: 0).Train;

        ShardStore.Write(emotion, _dir, "emotion", shardSize: 8);
        var read = ShardStore.Open(_dir);

        for (var i = 0; i < 16; i++)
        {
            Assert.Equal(emotion.Get(i).Emotion, read.Get(i).Emotion);
            Assert.Equal(emotion.Get(i).Valence, read.Get(i).Valence);
            Assert.Equal(emotion.Get(i).Arousal, read.Get(i).Arousal);
        }

        Assert.Equal(8, Enumerable.Range(0, 16).Select(i => read.Get(i).Emotion).Distinct().Count());
    }

    [Fact]
    public void A_corrupt_shard_is_skipped_counted_and_named()
    {
        ShardStore.Write(Source(), _dir, "test", shardSize: 4);
        var victim = Path.Combine(_dir, "shard-00001.msgpack");
        var bytes = File.ReadAllBytes(victim);
        bytes[bytes.Length / 2] ^= 0x5A;
        File.WriteAllBytes(victim, bytes);
        var messages = new List<string>();

        var read = ShardStore.Open(_dir, messages.Add);

        Assert.Equal(6, read.Count);
        Assert.Equal(4, read.Skipped);
        var message = Assert.Single(messages);
        Assert.Contains("shard-00001.msgpack", message, StringComparison.Ordinal);
        Assert.Contains("checksum", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_shard_is_skipped_and_named()
    {
        ShardStore.Write(Source(), _dir, "test", shardSize: 4);
        File.Delete(Path.Combine(_dir, "shard-00002.msgpack"));
        var messages = new List<string>();

        var read = ShardStore.Open(_dir, messages.Add);

        Assert.Equal(8, read.Count);
        Assert.Contains("missing", Assert.Single(messages), StringComparison.Ordinal);
    }

    [Fact]
    public void The_cache_is_written_once_and_reused()
    {
        var logs = new List<string>();

        var first = ShardStore.GetOrCreate(Source(), _dir, "curated-32", logs.Add);
        var written = File.GetLastWriteTimeUtc(Path.Combine(_dir, "curated-32", ShardStore.ManifestFile));
        var second = ShardStore.GetOrCreate(Source(), _dir, "curated-32", logs.Add);

        Assert.Equal(first.Count, second.Count);
        Assert.Single(logs, l => l.StartsWith("caching", StringComparison.Ordinal));
        Assert.Equal(written, File.GetLastWriteTimeUtc(Path.Combine(_dir, "curated-32", ShardStore.ManifestFile)));
    }

    [Fact]
    public void A_directory_without_a_manifest_is_not_a_dataset()
    {
        Directory.CreateDirectory(_dir);

        Assert.Null(ShardStore.ReadManifest(_dir));
        Assert.Throws<FileNotFoundException>(() => ShardStore.Open(_dir));
    }
}
