using System.Text.Json;
using FaceRep.Data.Benchmarks;
using FaceRep.Tests.Shared;

namespace FaceRep.Data.Tests.Benchmarks;

/// <summary>Importing AffectNet from CSVs written by hand and JPEGs by PIL (Fixtures/make_affectnet.py).</summary>
public sealed class AffectNetImportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("facerep-affectnet-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Rows_of_the_eight_classes_become_faces_on_their_box_and_every_other_row_is_named()
    {
        var manifest = BenchmarkImport.Run(BenchmarkKinds.Get("affectnet"), BenchmarkFixtures.PathOf("affectnet"), Path.Combine(_dir, "a"), new BenchmarkImportOptions { Size = 64, Threads = 2 });
        var items = Benchmark.Open(Path.Combine(_dir, "a")).ReadAll();
        var expected = JsonDocument.Parse(File.ReadAllText(BenchmarkFixtures.PathOf("expected_affectnet.json"))).RootElement;
        string Item(string row) => Path.Combine(AffectNet.Lists, row.Split(':')[0]) + ":" + row.Split(':')[1];

        Assert.Equal((3, 2), (manifest.Splits[BenchmarkSplits.Train], manifest.Splits[BenchmarkSplits.Test]));
        Assert.Equal("emotion", manifest.Task);
        foreach (var row in expected.GetProperty("rows").EnumerateObject())
        {
            var item = Assert.Single(items, i => i.Source.StartsWith(Item(row.Name) + " ", StringComparison.Ordinal));
            Assert.Equal(row.Value.GetProperty("class").GetInt32(), item.Class);
            Assert.Equal([row.Value.GetProperty("valence").GetSingle(), row.Value.GetProperty("arousal").GetSingle()], item.Values);
            var region = row.Value.GetProperty("region").EnumerateArray().Select(v => v.GetSingle()).ToArray();
            Assert.Equal((region[0], region[1], region[2] / 64), (item.Offset[0], item.Offset[1], item.Scale));
        }

        Assert.Contains(manifest.Skipped, s => s.Item == Path.Combine(AffectNet.Lists, "training.csv") && s.Reason.Contains("expression 9 (uncertain)", StringComparison.Ordinal));
        Assert.Contains(manifest.Skipped, s => s.Item.StartsWith(Item(expected.GetProperty("outside").GetString()!), StringComparison.Ordinal) && s.Reason.Contains("outside", StringComparison.Ordinal));
        Assert.Contains(manifest.Skipped, s => s.Item == Item(expected.GetProperty("short").GetString()!) && s.Reason.Contains("fields", StringComparison.Ordinal));
        Assert.Contains(manifest.Skipped, s => s.Item.StartsWith(Item(expected.GetProperty("missing").GetString()!), StringComparison.Ordinal) && s.Reason.Contains("missing.jpg", StringComparison.Ordinal));
        Assert.Equal(4, manifest.Skipped.Count);
    }

    [Fact]
    public void The_official_metrics_are_accuracy_and_the_ccc_and_rmse_of_valence_and_arousal()
    {
        BenchmarkImport.Run(BenchmarkKinds.Get("affectnet"), BenchmarkFixtures.PathOf("affectnet"), Path.Combine(_dir, "a"), new BenchmarkImportOptions { Size = 64, Threads = 2 });
        var test = Benchmark.Open(Path.Combine(_dir, "a")).ReadAll().Where(i => i.Split == BenchmarkSplits.Test).ToList();

        // Truth: classes 2 and 3, valence -0.7 and 0.2, arousal -0.1 and 0.9. Predict class 2 for both, valence exactly, arousal 0.1 too high.
        var metrics = BenchmarkKinds.Get("affectnet").Metrics(test, [2, -0.7f, 0.0f, 2, 0.2f, 1.0f]);

        Assert.Equal(0.5, metrics["accuracy"], 12);
        Assert.Equal(1, metrics["valence_ccc"], 6);
        Assert.Equal(0, metrics["valence_rmse"], 6);
        Assert.Equal(0.1, metrics["arousal_rmse"], 6);
        // Shifted by 0.1: CCC = 2·cov / (var + var + 0.1²) = 2·0.25 / (0.25 + 0.25 + 0.01).
        Assert.Equal(0.5 / 0.51, metrics["arousal_ccc"], 5);
    }
}
