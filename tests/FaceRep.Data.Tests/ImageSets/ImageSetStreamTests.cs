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

public sealed class ImageUnionTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"facerep-union-{Guid.NewGuid():N}");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_union_numbers_images_identities_and_clips_across_its_sets_and_streams_them_all()
    {
        ImageSetImport.Import(SetFixtures.PathOf("identities"), Path.Combine(_dir, "faces"), new ImageImportOptions { ShardSize = 8 });
        ImageSetImport.Import(SetFixtures.PathOf("video"), Path.Combine(_dir, "vox"), new ImageImportOptions { ShardSize = 8 });
        ImageSetImport.Import(SetFixtures.PathOf("crawl"), Path.Combine(_dir, "crawl"));
        var faces = ImageSet.Open(Path.Combine(_dir, "faces"));
        var vox = ImageSet.Open(Path.Combine(_dir, "vox"));
        var union = new ImageUnion([faces, vox, ImageSet.Open(Path.Combine(_dir, "crawl"))]);

        Assert.Equal(42, union.Count);
        Assert.Equal(3 + 2 + 1, union.ShardCount);
        // Identities 0–3 from the faces, 4–5 from the clips' speakers; the crawl has none.
        Assert.Equal(faces.Labels.Concat(vox.Labels.Select(l => l + 4)).Concat(Enumerable.Repeat(-1, 6)), union.Labels);
        Assert.Equal(Enumerable.Repeat(-1, 20).Concat(vox.Clips).Concat(Enumerable.Repeat(-1, 6)), union.Clips);
        using var stream = new ImageSetStream(union, window: 2);
        var read = stream.Order(0).Select(p => stream.Get(p).Source).Order(StringComparer.Ordinal).ToList();
        var expected = Enumerable.Range(0, 20).Select(i => faces.Read(i).Source)
            .Concat(Enumerable.Range(0, 16).Select(i => vox.Read(i).Source))
            .Concat(["batch2/img004.jpg", "batch2/img005.jpg", "img000.jpg", "img001.jpg", "img002.jpg", "img003.jpg"])
            .Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, read);
    }

    [Fact]
    public void Thinning_keeps_evenly_spaced_frames_of_each_clip()
    {
        ImageSetImport.Import(SetFixtures.PathOf("video"), Path.Combine(_dir, "vox"));
        var union = new ImageUnion([ImageSet.Open(Path.Combine(_dir, "vox"))]);

        // Four clips of four frames: two per clip are frames 1 and 3 (the centres of halves), one is frame 2.
        Assert.Equal([1, 3, 5, 7, 9, 11, 13, 15], union.ThinClips(2));
        Assert.Equal([2, 6, 10, 14], union.ThinClips(1));
        Assert.Equal(Enumerable.Range(0, 16), union.ThinClips(4));
        Assert.Equal(Enumerable.Range(0, 16), union.ThinClips(9));
    }
}
