using System.Text.Json;
using FaceRep.Core.Metrics;
using FaceRep.Data.Benchmarks;
using FaceRep.Tests.Shared;

namespace FaceRep.Data.Tests.Benchmarks;

/// <summary>Importing LFW from a pairs file written by hand and images by PIL (Fixtures/make_lfw.py).</summary>
public sealed class LfwImportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("facerep-lfw-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (BenchmarkManifest Manifest, IReadOnlyList<BenchmarkItem> Items) Import()
    {
        var manifest = BenchmarkImport.Run(BenchmarkKinds.Get("lfw"), BenchmarkFixtures.PathOf("lfw"), Path.Combine(_dir, "l"), new BenchmarkImportOptions { Size = 40, Threads = 2 });
        return (manifest, Benchmark.Open(Path.Combine(_dir, "l")).ReadAll());
    }

    [Fact]
    public void Pairs_become_two_test_faces_each_and_the_people_no_pair_names_are_the_training_split()
    {
        var (manifest, items) = Import();
        var expected = JsonDocument.Parse(File.ReadAllText(BenchmarkFixtures.PathOf("expected_lfw.json"))).RootElement;
        var pairs = expected.GetProperty("pairs").EnumerateObject().ToList();

        var train = items.Where(i => i.Split == BenchmarkSplits.Train).ToList();
        Assert.Equal(expected.GetProperty("train").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal), train.Select(i => i.Source).Order(StringComparer.Ordinal));
        foreach (var image in expected.GetProperty("train").EnumerateObject())
        {
            var item = train.Single(i => i.Source == image.Name);
            var region = image.Value.EnumerateArray().Select(v => v.GetSingle()).ToArray();
            Assert.Equal(region[0], item.Offset[0], 4);
            Assert.Equal(region[1], item.Offset[1], 4);
            Assert.Equal(region[2] / 40, item.Scale, 5);
        }

        // Two training people, each their own subject, never a tested person's.
        Assert.Equal(2, train.Select(i => i.Subject).Distinct().Count());
        var test = items.Where(i => i.Split == BenchmarkSplits.Test).ToList();
        Assert.Empty(test.Select(i => i.Subject).Intersect(train.Select(i => i.Subject)));
        Assert.Equal(2 * pairs.Count, test.Count);
        Assert.Equal(2 * pairs.Count, manifest.Splits[BenchmarkSplits.Test]);
        foreach (var pair in pairs)
        {
            var sides = test.Where(i => i.Source.StartsWith($"pairs.txt:{pair.Name} ", StringComparison.Ordinal)).ToList();
            Assert.Equal(2, sides.Count);
            Assert.All(sides, s => Assert.Equal(pair.Value.GetBoolean() ? 1 : 0, s.Class));
            Assert.Equal(sides[0].Values[0], sides[1].Values[0]);
            Assert.Equal(pair.Value.GetBoolean(), sides[0].Subject == sides[1].Subject);
        }

        var missing = expected.GetProperty("missing");
        var skipped = Assert.Single(manifest.Skipped);
        Assert.Equal($"pairs.txt:{missing.GetProperty("line").GetInt32()}", skipped.Item);
        Assert.Contains(missing.GetProperty("image").GetString()!, skipped.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_source_without_pairs_txt_or_with_a_damaged_one_is_refused_naming_the_file_and_line()
    {
        var source = Directory.CreateDirectory(Path.Combine(_dir, "src")).FullName;
        var kind = BenchmarkKinds.Get("lfw");
        Assert.Contains("pairs.txt is missing", Assert.Throws<BenchmarkSourceException>(() => kind.Read(source, [])).Message, StringComparison.Ordinal);

        File.WriteAllText(Path.Combine(source, "pairs.txt"), "10\t1\nAda_Lovelace\t1\t2\nAda\t1\n");
        var e = Assert.Throws<BenchmarkSourceException>(() => kind.Read(source, []));

        Assert.Contains("pairs.txt:3", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_ten_folds_score_pairs_in_the_files_order_as_insightface_does()
    {
        var (_, items) = Import();
        var test = items.Where(i => i.Split == BenchmarkSplits.Test).ToList();
        var kind = BenchmarkKinds.Get("lfw");
        // Embeddings by person, orthogonal: every same pair at distance 0, every different pair at 2.
        var people = test.Select(i => i.Subject).Distinct().Order().ToList();
        var embeddings = test.SelectMany(i => Enumerable.Range(0, people.Count).Select(k => people[k] == i.Subject ? 1f : 0f)).ToArray();

        var perfect = kind.Metrics(test, embeddings);

        Assert.Equal(1, perfect["acc_10fold"], 12);
        Assert.Equal(0, perfect["acc_10fold_std"], 12);
        Assert.Equal(1, perfect["roc_auc"], 12);

        // Noisy embeddings: the metric is VerificationProtocols.TenFold over the pairs in file order.
        var rng = new Random(4);
        var noisy = embeddings.Select(v => v + (float)rng.NextDouble()).ToArray();
        var metrics = kind.Metrics(test, noisy);
        var d = people.Count;
        var byPair = test.Select((item, i) => (item, i)).GroupBy(x => (int)x.item.Values[0]).OrderBy(g => g.Key).ToList();
        var first = byPair.SelectMany(g => noisy.AsSpan(g.Single(x => x.item.Values[1] == 0).i * d, d).ToArray()).ToArray();
        var second = byPair.SelectMany(g => noisy.AsSpan(g.Single(x => x.item.Values[1] == 1).i * d, d).ToArray()).ToArray();
        var same = byPair.Select(g => g.First().item.Class == 1).ToArray();
        var reference = VerificationProtocols.TenFold(first, second, d, same);
        Assert.Equal(reference.Mean, metrics["acc_10fold"], 12);
        Assert.Equal(reference.Std, metrics["acc_10fold_std"], 12);

        // Faces that are not pairs (a validation part) too few to make ten folds of pairs have no value, and do not fail.
        var train = items.Where(i => i.Split == BenchmarkSplits.Train).ToList();
        Assert.All(kind.Metrics(train, new float[train.Count * 4]).Values, v => Assert.True(double.IsNaN(v)));
    }
}
