using System.Text.Json;
using FaceRep.Data.Benchmarks;
using FaceRep.Data.Formats;
using FaceRep.Tests.Shared;

namespace FaceRep.Data.Tests.Benchmarks;

/// <summary>
/// Importing 300W from files in ibug's layout written by PIL and by hand (Fixtures/make_300w.py), against
/// crops and regions the script computed on its own.
/// </summary>
public sealed class Face300WImportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("facerep-300w-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static JsonElement Expected => JsonDocument.Parse(File.ReadAllText(BenchmarkFixtures.PathOf("expected_300w.json"))).RootElement;

    private static BenchmarkManifest Import(string target, int size = 64) =>
        BenchmarkImport.Run(BenchmarkKinds.Get("300w"), BenchmarkFixtures.PathOf("300w"), target, new BenchmarkImportOptions { Size = size, Threads = 2 });

    [Fact]
    public void The_official_split_and_subsets_come_from_the_folders_and_every_bad_file_is_named()
    {
        var manifest = Import(Path.Combine(_dir, "300w"));

        // afw: 2 images, one with two faces (3); helen train 3 minus the 67-point file (2); lfpw train 2 (the orphan .pts skipped).
        Assert.Equal(7, manifest.Splits[BenchmarkSplits.Train]);
        Assert.Equal(6, manifest.Splits[BenchmarkSplits.Test]);
        Assert.Equal(4, manifest.Subsets["common"]);
        Assert.Equal(2, manifest.Subsets["challenging"]);
        Assert.Equal(("300w", "landmarks", 68, 64), (manifest.Kind, manifest.Task, manifest.Points, manifest.Size));
        Assert.Equal(2, manifest.Skipped.Count);
        var bad = Assert.Single(manifest.Skipped, s => s.Item == Path.Combine("helen", "trainset", "helen_trainset_2.pts"));
        Assert.Contains("67", bad.Reason, StringComparison.Ordinal);
        Assert.Contains(manifest.Skipped, s => s.Item == Path.Combine("lfpw", "trainset", "orphan.pts") && s.Reason.Contains("no image", StringComparison.Ordinal));
    }

    [Fact]
    public void Crops_follow_hrnets_rule_and_map_back_onto_the_annotation()
    {
        Import(Path.Combine(_dir, "300w"));
        var items = Benchmark.Open(Path.Combine(_dir, "300w")).ReadAll();
        var expected = Expected.GetProperty("faces");

        Assert.Equal(expected.EnumerateObject().Count(), items.Count);
        foreach (var item in items)
        {
            var e = expected.GetProperty(item.Source.Replace('\\', '/'));
            var crop = e.GetProperty("crop64").EnumerateArray().SelectMany(p => p.EnumerateArray().Select(v => v.GetSingle())).ToArray();
            var original = e.GetProperty("points0").EnumerateArray().SelectMany(p => p.EnumerateArray().Select(v => v.GetSingle())).ToArray();
            for (var i = 0; i < crop.Length; i++)
                Assert.True(Math.Abs(crop[i] - item.Points[i]) < 1e-3, $"{item.Source} crop value {i}: {item.Points[i]}, expected {crop[i]}");
            Assert.Equal(original.Length, item.OriginalPoints.Length);
            Assert.All(original.Zip(item.OriginalPoints), p => Assert.Equal(p.First, p.Second, 3));
            var back = item.ToOriginal(item.Points, 2);
            for (var i = 0; i < back.Length; i++)
                Assert.True(Math.Abs(back[i] - original[i]) < 1e-3, $"{item.Source} value {i} maps back to {back[i]}, not {original[i]}");
            var (w, h) = ImageDecoder.Probe(item.Image, item.Source);
            Assert.Equal((64, 64), (w, h));
        }

        Assert.All(items.Where(i => i.Source.StartsWith("ibug", StringComparison.Ordinal)), i => Assert.Equal(["challenging"], i.Subsets));
        Assert.All(items.Where(i => i.Source.StartsWith("afw", StringComparison.Ordinal)), i => Assert.Equal(BenchmarkSplits.Train, i.Split));
    }

    [Fact]
    public void The_content_hash_ignores_where_the_benchmark_lives_and_a_changed_face_changes_it()
    {
        var first = Import(Path.Combine(_dir, "a"));
        var second = Import(Path.Combine(_dir, "b"));
        Assert.Equal(first.Content, second.Content);
        Assert.Equal(first.Content, Benchmark.Open(Path.Combine(_dir, "b")).Content);

        var other = Import(Path.Combine(_dir, "c"), size: 48);
        Assert.NotEqual(first.Content, other.Content);

        // The catalog lists each by its directory's name; a copy left in an import's staging directory is not one.
        Directory.Move(Path.Combine(_dir, "c"), Path.Combine(_dir, "d" + BenchmarkImport.StagingSuffix));
        var catalog = FaceRep.Data.ImageSets.DatasetCatalog.Open([_dir]);
        Assert.Equal(["a", "b"], catalog.Benchmarks.Select(b => b.Name));
        Assert.Equal("a", catalog.FindBenchmarkByContent(first.Content)!.Name);
    }

    [Fact]
    public void A_damaged_benchmark_is_refused_by_name_and_an_existing_directory_is_never_overwritten()
    {
        var target = Path.Combine(_dir, "300w");
        var manifest = Import(target);

        var again = Assert.Throws<IOException>(() => Import(target));
        Assert.Contains("already exists", again.Message, StringComparison.Ordinal);
        Assert.Equal(manifest.Content, Benchmark.Open(target).Content);

        var shard = Path.Combine(target, manifest.Shards[0].File);
        var bytes = File.ReadAllBytes(shard);
        bytes[^10] ^= 0xFF;
        File.WriteAllBytes(shard, bytes);
        var damaged = Assert.Throws<InvalidDataException>(() => Benchmark.Open(target).ReadAll());
        Assert.Contains(manifest.Shards[0].File, damaged.Message, StringComparison.Ordinal);

        var text = File.ReadAllText(Path.Combine(target, Benchmark.ManifestFile));
        File.WriteAllText(Path.Combine(target, Benchmark.ManifestFile), text.Replace("\"kind\": \"300w\"", "\"kind\": \"wflw\"", StringComparison.Ordinal));
        Assert.Contains("content hash", Assert.Throws<InvalidDataException>(() => Benchmark.Open(target)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_source_that_is_not_300w_is_refused_naming_what_is_missing()
    {
        var source = Path.Combine(_dir, "source");
        Directory.CreateDirectory(Path.Combine(source, "afw"));

        var e = Assert.Throws<BenchmarkSourceException>(() => BenchmarkImport.Run(BenchmarkKinds.Get("300w"), source, Path.Combine(_dir, "out"), new BenchmarkImportOptions()));

        Assert.Contains("helen/trainset", e.Message, StringComparison.Ordinal);
        Assert.Contains("ibug", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "out")));
        Assert.Contains("there is no benchmark 'w300'", Assert.Throws<BenchmarkSourceException>(() => BenchmarkKinds.Get("w300")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_split_read_for_its_labels_gets_exactly_its_crops_back_when_a_job_needs_them()
    {
        BenchmarkImport.Run(BenchmarkKinds.Get("300w"), BenchmarkFixtures.PathOf("300w"), Path.Combine(_dir, "b"), new BenchmarkImportOptions { Size = 64, ShardSize = 3, Threads = 2 });
        var benchmark = Benchmark.Open(Path.Combine(_dir, "b"));
        var whole = benchmark.ReadAll();

        var light = benchmark.ReadAll(keepImage: i => i.Split == BenchmarkSplits.Test);

        Assert.All(light.Where(i => i.Split == BenchmarkSplits.Train), i => Assert.Empty(i.Image));
        Assert.All(light.Where(i => i.Split == BenchmarkSplits.Test), i => Assert.NotEmpty(i.Image));
        Assert.Equal(whole.Select(i => i.Points), light.Select(i => i.Points));
        // Two faces from different shards come back as they were; the others stay without.
        var wanted = light.Where(i => i.Split == BenchmarkSplits.Train).Where((_, k) => k is 0 or 4).ToList();
        Assert.NotEqual(wanted[0].Location.Shard, wanted[1].Location.Shard);
        benchmark.RestoreImages(wanted);
        foreach (var item in wanted)
            Assert.Equal(whole.Single(w => w.Source == item.Source).Image, item.Image);
        Assert.Equal(wanted.Count, light.Count(i => i.Split == BenchmarkSplits.Train && i.Image.Length > 0));
    }
}
