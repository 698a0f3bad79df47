using System.Security.Cryptography;
using System.Text.Json;
using FaceRep.Data.Formats;
using FaceRep.Data.ImageSets;

namespace FaceRep.Data.Tests.ImageSets;

/// <summary>Imports of sources written by PIL and h5py (see Fixtures/make_sets.py), not by this project.</summary>
public sealed class ImageSetImportTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"facerep-imageset-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_dir))
            Directory.Delete(_dir, recursive: true);
    }

    private string Out(string name) => Path.Combine(_dir, name);

    private static JsonElement Expected(string source) =>
        JsonDocument.Parse(File.ReadAllText(SetFixtures.PathOf("expected.json"))).RootElement.GetProperty(source);

    [Fact]
    public void Identity_folders_keep_their_bytes_labels_and_name_every_unreadable_file()
    {
        var source = SetFixtures.PathOf("identities");
        var expected = Expected("identities");

        var result = ImageSetImport.Import(source, Out("vgg"), new ImageImportOptions { ShardSize = 8 });

        var set = ImageSet.Open(Out("vgg"));
        Assert.Equal(ImageSourceLayout.Identities, result.Layout);
        Assert.Equal(ImageSetKind.Identities, set.Manifest.Kind);
        Assert.Equal(expected.GetProperty("images").GetInt32(), set.Count);
        Assert.Equal(expected.GetProperty("identities").EnumerateArray().Select(e => e.GetString()), set.Manifest.Identities);
        Assert.Equal(expected.GetProperty("skipped").EnumerateArray().Select(e => e.GetString()), set.Manifest.Skipped.Select(s => s.Item));
        Assert.All(set.Manifest.Skipped, s => Assert.False(string.IsNullOrWhiteSpace(s.Reason)));
        Assert.Equal(expected.GetProperty("ignored").EnumerateArray().Select(e => e.GetString()), result.Ignored);
        Assert.Equal([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3], set.Labels);
        Assert.Equal(3, set.ShardCount);
        // Source bytes are kept as they are.
        for (var i = 0; i < set.Count; i++)
        {
            var stored = set.Read(i);
            Assert.Equal(File.ReadAllBytes(Path.Combine(source, stored.Source)), stored.Bytes);
        }
    }

    [Fact]
    public void An_hdf5_file_of_encoded_images_is_imported_entry_by_entry()
    {
        var expected = Expected("hdf5");

        ImageSetImport.Import(SetFixtures.PathOf("images.h5"), Out("crawl-h5"));

        var set = ImageSet.Open(Out("crawl-h5"));
        Assert.Equal(ImageSetKind.Images, set.Manifest.Kind);
        Assert.Equal(expected.GetProperty("images").GetInt32(), set.Count);
        Assert.Equal(expected.GetProperty("skipped").EnumerateArray().Select(e => e.GetString()), set.Manifest.Skipped.Select(s => s.Item));
        Assert.Equal(expected.GetProperty("sha256_first").GetString(), Convert.ToHexStringLower(SHA256.HashData(set.Read(0).Bytes)));
        Assert.All(set.Labels, label => Assert.Equal(-1, label));
    }

    [Fact]
    public void Video_frames_keep_identity_clip_and_frame_order()
    {
        var expected = Expected("video");

        ImageSetImport.Import(SetFixtures.PathOf("video"), Out("vox"));

        var set = ImageSet.Open(Out("vox"));
        Assert.Equal(ImageSetKind.Video, set.Manifest.Kind);
        Assert.Equal(expected.GetProperty("images").GetInt32(), set.Count);
        Assert.Equal(expected.GetProperty("clips").GetInt32(), set.Manifest.Clips);
        Assert.Equal([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3], set.Clips);
        Assert.Equal([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3], set.Frames);
        Assert.Equal([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1], set.Labels);
        Assert.Equal("id10001/1zcIwhmdeo4/00001.jpg", set.Read(0).Source);
    }

    [Fact]
    public void A_plain_folder_is_uncurated_images_without_labels()
    {
        ImageSetImport.Import(SetFixtures.PathOf("crawl"), Out("crawl"));

        var set = ImageSet.Open(Out("crawl"));
        Assert.Equal(ImageSetKind.Images, set.Manifest.Kind);
        Assert.Equal(6, set.Count);
        Assert.Equal(["broken.jpg"], set.Manifest.Skipped.Select(s => s.Item));
        // Ordinal order of relative paths, as Python's sorted: the sub-folder's images come first.
        Assert.Equal(["batch2/img004.jpg", "batch2/img005.jpg", "img000.jpg", "img001.jpg", "img002.jpg", "img003.jpg"],
            Enumerable.Range(0, 6).Select(i => set.Read(i).Source));
    }

    [Fact]
    public void Face_boxes_crop_with_the_margin_and_re_encode_at_the_stored_size()
    {
        var options = new ImageImportOptions { Boxes = SetFixtures.PathOf("loose_bb_train.csv"), Size = 32, Quality = 92 };

        ImageSetImport.Import(SetFixtures.PathOf("identities"), Out("vgg-32"), options);

        var set = ImageSet.Open(Out("vgg-32"));
        Assert.Equal(20, set.Count);
        Assert.Equal(new ImageStorage(32, 92, ImageSources.DefaultMargin, "loose_bb_train.csv"), set.Manifest.Storage);
        for (var i = 0; i < set.Count; i++)
            Assert.Equal((32, 32), ImageDecoder.Probe(set.Read(i).Bytes, $"[{i}]"));

        // The first image's crop, made here from the source with the box the CSV gives it (8,6,30,34; margin 0.3).
        var region = ImageSources.Square((8, 6, 30, 34), ImageSources.DefaultMargin);
        Assert.Equal(new ImageRegion(23 - (54.4f / 2), 23 - (54.4f / 2), 54.4f, 54.4f), region, new RegionComparer());
        var source = File.ReadAllBytes(Path.Combine(SetFixtures.PathOf("identities"), "n000001", "0001_01.jpg"));
        var own = ImageDecoder.Decode(ImageDecoder.CropResizeEncode(source, region, 32, 92, "first"), 32, "own");
        var stored = ImageDecoder.Decode(set.Read(0).Bytes, 32, "stored");
        Assert.Equal(own.Pixels, stored.Pixels);
    }

    [Fact]
    public void A_box_file_with_a_bad_line_is_refused_naming_the_line()
    {
        var csv = Path.Combine(_dir, "bad.csv");
        Directory.CreateDirectory(_dir);
        File.WriteAllLines(csv, ["NAME_ID,X,Y,W,H", "n000001/0001_01,1,2,3,4", "n000001/0002_01,1,two,3,4"]);

        var e = Assert.Throws<DataFormatException>(() => ImageSources.ReadBoxes(csv));

        Assert.Equal(3, e.Line);
        Assert.Equal("two", e.Value);
    }

    [Fact]
    public void The_content_hash_is_the_images_not_the_directory()
    {
        var source = SetFixtures.PathOf("identities");
        var first = ImageSetImport.Import(source, Out("a"), new ImageImportOptions { ShardSize = 8 }).Manifest;
        var again = ImageSetImport.Import(source, Out("b"), new ImageImportOptions { ShardSize = 8 }).Manifest;
        Assert.Equal(first.Content, again.Content);

        // Moved: the same set.
        Directory.Move(Out("a"), Out("moved"));
        Assert.Equal(first.Content, ImageSet.Open(Out("moved")).Content);

        // One image changed in a copy of the source: another set, and only that image's shard differs.
        var copy = Out("source-copy");
        CopyDirectory(source, copy);
        var changed = Path.Combine(copy, "n000123", "0003_01.jpg");
        File.Copy(Path.Combine(copy, "n000123", "0004_01.jpg"), changed, overwrite: true);
        var other = ImageSetImport.Import(copy, Out("c"), new ImageImportOptions { ShardSize = 8 }).Manifest;
        Assert.NotEqual(first.Content, other.Content);
        Assert.Equal(
            [true, true, false],
            first.Shards.Zip(other.Shards, (x, y) => x.Content == y.Content));
    }

    [Fact]
    public void An_interrupted_import_resumes_and_ends_with_the_same_set()
    {
        var source = SetFixtures.PathOf("identities");
        var whole = ImageSetImport.Import(source, Out("whole"), new ImageImportOptions { ShardSize = 4, Threads = 1 }).Manifest;
        using var stop = new CancellationTokenSource();
        var progress = new SyncProgress(p =>
        {
            if (p.Done >= 9)
                stop.Cancel();
        });

        Assert.ThrowsAny<OperationCanceledException>(() =>
            ImageSetImport.Import(source, Out("resumed"), new ImageImportOptions { ShardSize = 4, Threads = 1 }, progress, stop.Token));
        Assert.False(ImageSet.IsImageSet(Out("resumed")));
        var finished = Directory.GetFiles(Out("resumed"), "shard-*.msgpack").Length;
        Assert.InRange(finished, 2, 4);

        var seen = new List<ImportProgress>();
        var result = ImageSetImport.Import(source, Out("resumed"), new ImageImportOptions { ShardSize = 4, Threads = 1 }, new SyncProgress(seen.Add));

        Assert.InRange(result.Resumed, 4, 12);
        Assert.Equal(result.Resumed, seen[0].Resumed);
        Assert.Equal(22, seen[^1].Done);
        Assert.Equal(2, seen[^1].Skipped);
        Assert.Equal(whole.Content, result.Manifest.Content);
        Assert.False(Directory.Exists(Path.Combine(Out("resumed"), ImageSetImport.WorkDirectory)));
    }

    [Fact]
    public void An_interrupted_import_of_another_source_is_not_mixed_in()
    {
        using var stop = new CancellationTokenSource();
        var progress = new SyncProgress(p =>
        {
            if (p.Done >= 4)
                stop.Cancel();
        });
        Assert.ThrowsAny<OperationCanceledException>(() =>
            ImageSetImport.Import(SetFixtures.PathOf("identities"), Out("mixed"), new ImageImportOptions { ShardSize = 4, Threads = 1 }, progress, stop.Token));

        var e = Assert.Throws<InvalidOperationException>(() => ImageSetImport.Import(SetFixtures.PathOf("video"), Out("mixed"), new ImageImportOptions { ShardSize = 4 }));

        Assert.Contains("interrupted import", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_source_where_every_image_is_bad_is_refused_and_leaves_nothing()
    {
        var source = Out("all-bad");
        Directory.CreateDirectory(Path.Combine(source, "n1"));
        File.WriteAllText(Path.Combine(source, "n1", "a.jpg"), "not a jpeg");
        File.WriteAllBytes(Path.Combine(source, "n1", "b.png"), [0x89, 0x50, 0x4E, 0x47]);

        var e = Assert.Throws<DataFormatException>(() => ImageSetImport.Import(source, Out("nothing")));

        Assert.Contains("none of its 2 image(s) could be read", e.Message, StringComparison.Ordinal);
        Assert.Contains("n1/a.jpg", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Out("nothing")));
    }

    [Fact]
    public void A_directory_holding_a_set_is_never_overwritten()
    {
        ImageSetImport.Import(SetFixtures.PathOf("crawl"), Out("kept"));
        var before = File.ReadAllBytes(Path.Combine(Out("kept"), ImageSet.ManifestFile));

        Assert.Throws<InvalidOperationException>(() => ImageSetImport.Import(SetFixtures.PathOf("video"), Out("kept")));

        Assert.Equal(before, File.ReadAllBytes(Path.Combine(Out("kept"), ImageSet.ManifestFile)));
        Assert.Equal(6, ImageSet.Open(Out("kept")).Count);
    }

    [Fact]
    public void A_damaged_shard_or_an_edited_manifest_is_refused_naming_the_file()
    {
        ImageSetImport.Import(SetFixtures.PathOf("crawl"), Out("damaged"), new ImageImportOptions { ShardSize = 3 });
        var set = ImageSet.Open(Out("damaged"));
        var shard = Path.Combine(Out("damaged"), set.Manifest.Shards[1].File);
        var bytes = File.ReadAllBytes(shard);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(shard, bytes);

        var e = Assert.Throws<InvalidDataException>(() => set.ReadShard(1));
        Assert.Contains(shard, e.Message, StringComparison.Ordinal);
        Assert.Contains("checksum", e.Message, StringComparison.Ordinal);
        Assert.Equal(set.Manifest.Shards[0].Count, set.ReadShard(0).Length);

        var manifest = Path.Combine(Out("damaged"), ImageSet.ManifestFile);
        var text = File.ReadAllText(manifest).Replace(set.Manifest.Shards[0].Content, new string('0', 64), StringComparison.Ordinal);
        File.WriteAllText(manifest, text);
        var edited = Assert.Throws<InvalidDataException>(() => ImageSet.Open(Out("damaged")));
        Assert.Contains("content hash", edited.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_options_are_refused_naming_the_option()
    {
        var e = Assert.Throws<ArgumentException>(() => ImageSetImport.Import(SetFixtures.PathOf("crawl"), Out("x"),
            new ImageImportOptions { Boxes = SetFixtures.PathOf("loose_bb_train.csv") }));
        Assert.Contains("--boxes", e.Message, StringComparison.Ordinal);
        Assert.Contains("--size: 8", Assert.Throws<ArgumentException>(() => ImageSetImport.Import(SetFixtures.PathOf("crawl"), Out("x"),
            new ImageImportOptions { Size = 8 })).Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Out("x")));
    }

    internal static void CopyDirectory(string from, string to)
    {
        foreach (var directory in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, directory)));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }

    private sealed class RegionComparer : IEqualityComparer<ImageRegion>
    {
        public bool Equals(ImageRegion x, ImageRegion y) =>
            Math.Abs(x.X - y.X) < 1e-3 && Math.Abs(x.Y - y.Y) < 1e-3 && Math.Abs(x.Width - y.Width) < 1e-3 && Math.Abs(x.Height - y.Height) < 1e-3;

        public int GetHashCode(ImageRegion obj) => 0;
    }
}

/// <summary>Reports on the calling thread, in order (Progress&lt;T&gt; posts to the thread pool).</summary>
internal sealed class SyncProgress(Action<ImportProgress> report) : IProgress<ImportProgress>
{
    public void Report(ImportProgress value) => report(value);
}

/// <summary>The image-set sources under ImageSets/Fixtures, found from the test's output directory.</summary>
internal static class SetFixtures
{
    public static string PathOf(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "ImageSets", "Fixtures", name);
            if (File.Exists(candidate) || Directory.Exists(candidate))
                return candidate;
        }

        throw new FileNotFoundException($"fixture {name} not found above {AppContext.BaseDirectory}");
    }
}

public sealed class ImageSetRedundancyTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"facerep-imageset-redundancy-{Guid.NewGuid():N}");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Copies_inside_an_imported_set_are_found_as_near_duplicates_per_shard()
    {
        var source = Path.Combine(_dir, "source");
        ImageSetImportTests.CopyDirectory(SetFixtures.PathOf("crawl"), source);
        File.Delete(Path.Combine(source, "broken.jpg"));
        ImageSetImport.Import(source, Path.Combine(_dir, "plain"), new ImageImportOptions { ShardSize = 4 });
        // The same photo again, once byte for byte and once re-encoded smaller: near-duplicates both.
        File.Copy(Path.Combine(source, "img000.jpg"), Path.Combine(source, "img000-copy.jpg"));
        File.WriteAllBytes(Path.Combine(source, "img001-small.jpg"),
            ImageDecoder.CropResizeEncode(File.ReadAllBytes(Path.Combine(source, "img001.jpg")), null, 40, 75, "img001"));
        ImageSetImport.Import(source, Path.Combine(_dir, "copies"), new ImageImportOptions { ShardSize = 4 });

        var plain = Data.Quality.Redundancy.Measure(ImageSet.Open(Path.Combine(_dir, "plain")));
        var copies = Data.Quality.Redundancy.Measure(ImageSet.Open(Path.Combine(_dir, "copies")));

        Assert.Equal((6, 0), (plain.Samples, plain.NearDuplicates));
        Assert.Equal((8, 4), (copies.Samples, copies.NearDuplicates));
        Assert.Equal(["shard-00000.msgpack", "shard-00001.msgpack"], copies.Parts.Select(p => p.Part));
        Assert.Equal(8, copies.Parts.Sum(p => p.Samples));
    }
}
