using System.Text.Json;
using FaceRep.Data.Benchmarks;
using FaceRep.Data.Landmarks;
using FaceRep.Tests.Shared;

namespace FaceRep.Data.Tests.Benchmarks;

/// <summary>Importing WFLW from list files and JPEGs written by Fixtures/make_wflw.py, against crops the script computed on its own.</summary>
public sealed class WflwImportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("facerep-wflw-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Lines_become_faces_with_their_attribute_subsets_cropped_on_the_given_box_and_bad_lines_are_named()
    {
        var manifest = BenchmarkImport.Run(BenchmarkKinds.Get("wflw"), BenchmarkFixtures.PathOf("wflw"), Path.Combine(_dir, "wflw"), new BenchmarkImportOptions { Size = 64, Threads = 2 });
        var items = Benchmark.Open(Path.Combine(_dir, "wflw")).ReadAll();
        var expected = JsonDocument.Parse(File.ReadAllText(BenchmarkFixtures.PathOf("expected_wflw.json"))).RootElement;

        Assert.Equal((2, 3), (manifest.Splits[BenchmarkSplits.Train], manifest.Splits[BenchmarkSplits.Test]));
        Assert.Equal(98, manifest.Points);
        Assert.Equal(new Dictionary<string, int> { ["pose"] = 1, ["expression"] = 1, ["illumination"] = 1, ["makeup"] = 1, ["occlusion"] = 1, ["blur"] = 1 }, manifest.Subsets);
        var list = Path.Combine("WFLW_annotations", "list_98pt_rect_attr_train_test");
        Assert.Contains(manifest.Skipped, s => s.Item == Path.Combine(list, "list_98pt_rect_attr_test.txt") + ":4" && s.Reason.Contains("fields", StringComparison.Ordinal));
        Assert.Contains(manifest.Skipped, s => s.Item.StartsWith(Path.Combine(list, "list_98pt_rect_attr_train.txt") + ":3", StringComparison.Ordinal) && s.Reason.Contains("missing.jpg", StringComparison.Ordinal));
        foreach (var face in expected.GetProperty("faces").EnumerateObject())
        {
            var (split, line) = (face.Name.Split(':')[0], face.Name.Split(':')[1]);
            var item = Assert.Single(items, i => i.Source.StartsWith(Path.Combine(list, $"list_98pt_rect_attr_{split}.txt") + $":{line} ", StringComparison.Ordinal));
            var crop = face.Value.GetProperty("crop64").EnumerateArray().SelectMany(p => p.EnumerateArray().Select(v => v.GetSingle())).ToArray();
            for (var i = 0; i < crop.Length; i++)
                Assert.True(Math.Abs(crop[i] - item.Points[i]) < 2e-3, $"{face.Name} value {i}: {item.Points[i]}, expected {crop[i]}");
            var flags = face.Value.GetProperty("flags").EnumerateArray().Select(f => f.GetInt32() == 1).ToArray();
            Assert.Equal(split == "test" ? Wflw.Attributes.Where((_, k) => flags[k]) : [], item.Subsets);
        }
    }

    [Fact]
    public void A_source_without_its_list_files_is_refused_naming_them()
    {
        var source = Path.Combine(_dir, "src");
        Directory.CreateDirectory(Path.Combine(source, Wflw.Images));

        var e = Assert.Throws<BenchmarkSourceException>(() => BenchmarkImport.Run(BenchmarkKinds.Get("wflw"), source, Path.Combine(_dir, "out"), new BenchmarkImportOptions()));

        Assert.Contains("list_98pt_rect_attr_train.txt", e.Message, StringComparison.Ordinal);
        Assert.Contains("list_98pt_rect_attr_test.txt", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wflws_98_points_made_from_68_mirror_with_wflws_map_as_the_68_do_with_theirs()
    {
        // Any 68 distinct points: mirroring then converting equals converting then mirroring.
        var rng = new Random(7);
        var p68 = Enumerable.Range(0, 136).Select(_ => (float)rng.NextDouble() * 100).ToArray();
        var mirrored68 = (float[])p68.Clone();
        LandmarkSchemes.MirrorInPlace(mirrored68, 2, 100);

        var a = LandmarkSchemes.Wflw98From68(mirrored68);
        var b = LandmarkSchemes.Wflw98From68(p68);
        LandmarkSchemes.MirrorInPlace(b, 2, 100);

        Assert.Equal(196, a.Length);
        for (var i = 0; i < a.Length; i++)
            Assert.True(Math.Abs(a[i] - b[i]) < 1e-3, $"value {i}: {a[i]} vs {b[i]}");
        // The outer eye corners, WFLW's normaliser, are iBUG's.
        Assert.Equal((p68[72], p68[90]), (LandmarkSchemes.Wflw98From68(p68)[120], LandmarkSchemes.Wflw98From68(p68)[144]));
    }
}
