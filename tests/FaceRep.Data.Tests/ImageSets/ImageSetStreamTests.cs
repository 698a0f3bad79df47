using FaceRep.Data.ImageSets;

namespace FaceRep.Data.Tests.ImageSets;

public sealed class ImageSetStreamTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"facerep-stream-{Guid.NewGuid():N}");
    private readonly ImageSet _set;

    public ImageSetStreamTests()
    {
        // 20 images in 10 shards of 2.
        ImageSetImport.Import(SetFixtures.PathOf("identities"), _dir, new ImageImportOptions { ShardSize = 2 });
        _set = ImageSet.Open(_dir);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Each_epoch_is_a_permutation_fixed_by_seed_and_epoch()
    {
        using var stream = new ImageSetStream(_set, window: 2, seed: 5);
        using var same = new ImageSetStream(_set, window: 2, seed: 5);
        using var other = new ImageSetStream(_set, window: 2, seed: 6);

        var first = stream.Order(0);

        Assert.Equal(Enumerable.Range(0, 20), first.Order());
        Assert.Equal(first, same.Order(0));
        Assert.NotEqual(first, stream.Order(1));
        Assert.NotEqual(first, other.Order(0));
        Assert.NotEqual(Enumerable.Range(0, 20), first);
    }

    [Fact]
    public void A_window_of_shards_is_read_together_and_shuffled_within()
    {
        using var stream = new ImageSetStream(_set, window: 2, seed: 1);

        var order = stream.Order(0);

        // A shard's images all fall inside one window: at most two shards of at most two images.
        var spans = order.Select((p, at) => (Shard: _set.ShardOf(stream.ImageAt(p)), At: at))
            .GroupBy(x => x.Shard)
            .Select(g => g.Max(x => x.At) - g.Min(x => x.At))
            .ToList();
        Assert.Equal(_set.ShardCount, spans.Count);
        Assert.All(spans, span => Assert.InRange(span, 0, 3));
    }

    [Fact]
    public void Reading_an_epoch_holds_at_most_three_windows_and_returns_the_right_images()
    {
        using var stream = new ImageSetStream(_set, window: 2, seed: 3);
        var expected = Enumerable.Range(0, _set.Count).Select(i => _set.Read(i)).ToList();
        var held = new List<int>();

        foreach (var epoch in new[] { 0, 1 })
        {
            foreach (var position in stream.Order(epoch))
            {
                var image = stream.Get(position);
                Assert.Equal(expected[stream.ImageAt(position)].Bytes, image.Bytes);
                held.Add(stream.HeldShards);
            }
        }

        Assert.All(held, h => Assert.InRange(h, 1, stream.MaxHeldShards));
        Assert.Equal(6, stream.MaxHeldShards);
    }

    [Fact]
    public void A_batch_straddling_two_windows_reads_each_shard_once_per_epoch()
    {
        using var stream = new ImageSetStream(_set, window: 2, seed: 2);
        var order = stream.Order(0);

        // Two threads of one batch at a window boundary: one already in the next window, one still in the last.
        for (var i = 0; i + 1 < order.Length; i++)
        {
            stream.Get(order[i + 1]);
            stream.Get(order[i]);
        }

        Assert.Equal(_set.ShardCount, stream.ShardReads);
    }

    [Fact]
    public void A_subset_streams_only_its_images()
    {
        int[] subset = [19, 3, 4, 11];
        using var stream = new ImageSetStream(_set, subset, window: 3);

        var images = stream.Order(0).Select(stream.ImageAt).Order().ToArray();

        Assert.Equal(4, stream.Count);
        Assert.Equal([3, 4, 11, 19], images);
        Assert.Throws<ArgumentException>(() => new ImageSetStream(_set, [1, 1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImageSetStream(_set, [20]));
    }

    [Fact]
    public void A_damaged_shard_surfaces_when_it_is_read()
    {
        var shard = Path.Combine(_dir, _set.Manifest.Shards[4].File);
        File.WriteAllBytes(shard, [1, 2, 3]);
        using var stream = new ImageSetStream(_set, window: 1);
        var order = stream.Order(0);
        var bad = order.First(p => _set.ShardOf(stream.ImageAt(p)) == 4);

        var e = Assert.Throws<InvalidDataException>(() => stream.Get(bad));

        Assert.Contains(shard, e.Message, StringComparison.Ordinal);
    }
}
