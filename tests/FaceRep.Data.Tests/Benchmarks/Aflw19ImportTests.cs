using System.Text.Json;
using FaceRep.Data.Benchmarks;
using FaceRep.Data.Formats;
using FaceRep.Tests.Shared;

namespace FaceRep.Data.Tests.Benchmarks;

/// <summary>Importing AFLW-19 from an annotation written by scipy and images by PIL (Fixtures/make_aflw19.py).</summary>
public sealed class Aflw19ImportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("facerep-aflw19-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_release_permutation_splits_the_faces_and_the_frontal_subset_is_the_test_faces_with_every_point_visible()
    {
        var manifest = BenchmarkImport.Run(BenchmarkKinds.Get("aflw19"), BenchmarkFixtures.PathOf("aflw19"), Path.Combine(_dir, "a"), new BenchmarkImportOptions { Size = 64, Threads = 2 });
        var items = Benchmark.Open(Path.Combine(_dir, "a")).ReadAll();
        var expected = JsonDocument.Parse(File.ReadAllText(BenchmarkFixtures.PathOf("expected_aflw19.json"))).RootElement;
        var faces = expected.GetProperty("faces").EnumerateObject().ToList();

        Assert.Equal(faces.Count, items.Count);
        foreach (var face in faces)
        {
            // nameList is read from its cell array of strings.
            var item = Assert.Single(items, i => i.Source == $"AFLWinfo_release.mat:{face.Name} ({face.Value.GetProperty("name").GetString()})");
            Assert.Equal(face.Value.GetProperty("split").GetString(), item.Split);
            Assert.Equal(face.Value.GetProperty("frontal").GetBoolean(), item.Subsets.Contains("frontal"));
            var region = face.Value.GetProperty("region").EnumerateArray().Select(v => v.GetSingle()).ToArray();
            // The map back is in the annotation's convention (MATLAB's 1-based centres): continuous + 0.5.
            Assert.Equal(region[0] + 0.5, item.Offset[0], 3);
            Assert.Equal(region[1] + 0.5, item.Offset[1], 3);
            Assert.Equal(region[2] / 64, item.Scale, 4);
            Assert.Equal(face.Value.GetProperty("box_size").GetDouble(), item.Normaliser, 3);
            Assert.Equal(19, item.Visible.Length);
        }

        Assert.Equal(1, manifest.Subsets["frontal"]);
        Assert.Contains(manifest.Skipped, s => s.Item.StartsWith($"AFLWinfo_release.mat:{expected.GetProperty("missing").GetInt32()} ", StringComparison.Ordinal) && s.Reason.Contains("no image", StringComparison.Ordinal));
        Assert.Contains(manifest.Skipped, s => s.Item.StartsWith($"AFLWinfo_release.mat:{expected.GetProperty("nan_box").GetInt32()} ", StringComparison.Ordinal) && s.Reason.Contains("not finite", StringComparison.Ordinal));
        Assert.Equal(2, manifest.Skipped.Count);
    }

    [Fact]
    public void Nme_is_over_the_box_size_and_over_its_diagonal_on_the_whole_split_and_the_frontal_faces()
    {
        BenchmarkImport.Run(BenchmarkKinds.Get("aflw19"), BenchmarkFixtures.PathOf("aflw19"), Path.Combine(_dir, "a"), new BenchmarkImportOptions { Size = 64, Threads = 2 });
        var test = Benchmark.Open(Path.Combine(_dir, "a")).ReadAll().Where(i => i.Split == BenchmarkSplits.Test).ToList();
        // Every crop point moved by (3, 4) crop pixels: 5 × scale original pixels off, on every point.
        var predictions = test.SelectMany(i => i.Points.Select((v, k) => v + (k % 2 == 0 ? 3f : 4f))).ToArray();

        var metrics = BenchmarkKinds.Get("aflw19").Metrics(test, predictions);

        var box = test.Select(i => 5 * i.Scale / i.Normaliser).ToList();
        var diag = test.Select(i => 5 * i.Scale / Math.Sqrt((i.Values[0] * i.Values[0]) + (i.Values[1] * i.Values[1]))).ToList();
        Assert.Equal(box.Average(), metrics["nme_box"], 5);
        Assert.Equal(diag.Average(), metrics["nme_diag"], 5);
        var frontal = test.FindIndex(i => i.Subsets.Contains("frontal"));
        Assert.Equal(box[frontal], metrics["nme_box@frontal"], 5);
        Assert.Equal(diag[frontal], metrics["nme_diag@frontal"], 5);
    }

    [Fact]
    public void A_cell_array_of_strings_reads_from_a_file_scipy_wrote_and_other_cells_are_left_out()
    {
        var (numbers, strings) = MatFile.ReadAll(BenchmarkFixtures.PathOf(Path.Combine("aflw19", "AFLWinfo_release.mat")));

        Assert.Equal(17, strings["nameList"].Count);
        Assert.Equal("0/image00100.jpg", strings["nameList"][0]);
        Assert.Equal("3/image00101.jpg", strings["nameList"][1]);
        Assert.False(numbers.ContainsKey("nameList"));
        Assert.Equal([17, 38], numbers["data"].Dimensions);
    }

    [Fact]
    public void A_source_without_the_annotation_is_refused_naming_it()
    {
        var e = Assert.Throws<BenchmarkSourceException>(() => BenchmarkKinds.Get("aflw19").Read(_dir, []));

        Assert.Contains("AFLWinfo_release.mat is missing", e.Message, StringComparison.Ordinal);
    }
}
