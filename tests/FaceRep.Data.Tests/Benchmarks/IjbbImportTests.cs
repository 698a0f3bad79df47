using System.Text.Json;
using FaceRep.Core.Metrics;
using FaceRep.Data.Benchmarks;
using FaceRep.Data.Formats;
using FaceRep.Tests.Shared;

namespace FaceRep.Data.Tests.Benchmarks;

/// <summary>
/// IJB-B from meta files written by hand and images by PIL (Fixtures/make_ijbb.py), and five-point alignment against
/// scikit-image's similarity estimate (the one insightface's alignment uses).
/// </summary>
public sealed class IjbbImportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("facerep-ijbb-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static JsonElement Expected => JsonDocument.Parse(File.ReadAllText(BenchmarkFixtures.PathOf("expected_ijbb.json"))).RootElement;

    [Fact]
    public void Five_point_alignment_is_scikit_images_least_squares_similarity()
    {
        var cases = JsonDocument.Parse(File.ReadAllText(BenchmarkFixtures.PathOf("alignment_reference.json"))).RootElement;
        foreach (var c in cases.EnumerateArray())
        {
            var source = c.GetProperty("source").EnumerateArray().Select(v => v.GetSingle()).ToArray();
            var expected = c.GetProperty("similarity").EnumerateArray().Select(v => v.GetDouble()).ToArray();

            var similarity = FivePointAlignment.Estimate(source, [.. FivePointAlignment.ArcFace112]);

            Assert.Equal(expected[0], similarity.A, 4);
            Assert.Equal(expected[1], similarity.B, 4);
            Assert.Equal(expected[2], similarity.Tx, 2);
            Assert.Equal(expected[3], similarity.Ty, 2);
        }

        var inverse = new Similarity(0.8, 0.3, 5, -7).Inverse();
        var (x, y) = inverse.Apply(new Similarity(0.8, 0.3, 5, -7).Apply(12, 34).X, new Similarity(0.8, 0.3, 5, -7).Apply(12, 34).Y);
        Assert.Equal((12.0, 34.0), (Math.Round(x, 9), Math.Round(y, 9)));
        Assert.Throws<ArgumentException>(() => FivePointAlignment.Estimate([1, 1, 1, 1], [0, 0, 5, 5]));
    }

    [Fact]
    public void A_warp_moves_the_pixels_where_the_similarity_sends_them()
    {
        // A white square at (40..49, 20..29) on black; shifted by (−30, +5) and kept at scale 1.
        var rgba = new byte[4 * 80 * 60];
        for (var i = 0; i < 80 * 60; i++)
        {
            var (px, py) = (i % 80, i / 80);
            var white = px is >= 40 and < 50 && py is >= 20 and < 30;
            rgba[4 * i] = rgba[(4 * i) + 1] = rgba[(4 * i) + 2] = white ? (byte)255 : (byte)0;
            rgba[(4 * i) + 3] = 255;
        }

        var jpeg = ImageDecoder.EncodeJpeg(rgba, 80, 60, 100, "square");

        var warped = ImageDecoder.Decode(ImageDecoder.WarpEncode(jpeg, new Similarity(1, 0, -30, 5), 40, 100, "square"), 40, "warped");

        float At(int x, int y) => warped.Pixels[(y * 40) + x];
        Assert.True(At(14, 29) > 0.9f, $"the square's inside is {At(14, 29)}");
        Assert.True(At(5, 5) < 0.1f && At(25, 29) < 0.1f, "outside the square stays dark");
    }

    [Fact]
    public void Faces_are_aligned_on_their_five_points_and_carry_their_template_media_score_and_pairs()
    {
        var manifest = BenchmarkImport.Run(BenchmarkKinds.Get("ijbb"), BenchmarkFixtures.PathOf("ijbb"), Path.Combine(_dir, "i"), new BenchmarkImportOptions { Size = 56, Threads = 2 });
        var items = Benchmark.Open(Path.Combine(_dir, "i")).ReadAll();
        var expected = Expected;

        var test = items.Where(i => i.Split == BenchmarkSplits.Test).ToList();
        Assert.Equal(6, items.Count(i => i.Split == BenchmarkSplits.Train));
        Assert.Equal(2, items.Where(i => i.Split == BenchmarkSplits.Train).Select(i => i.Subject).Distinct().Count());
        foreach (var face in expected.GetProperty("faces").EnumerateObject())
        {
            var item = Assert.Single(test, i => i.Source.EndsWith($"({face.Name})", StringComparison.Ordinal));
            Assert.Equal(face.Value.GetProperty("template").GetInt32(), (int)item.Values[0]);
            Assert.Equal(face.Value.GetProperty("media").GetInt32(), (int)item.Values[1]);
            Assert.Equal(face.Value.GetProperty("score").GetSingle(), item.Values[2], 4);
            // The crop is the template alignment at 112 scaled to 56: its scale back is 1 / (s · 0.5).
            var s = face.Value.GetProperty("similarity").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            Assert.Equal(1 / (Math.Sqrt((s[0] * s[0]) + (s[1] * s[1])) * 0.5), item.Scale, 3);
        }

        // Each pair that stays is carried once, by its first template's first face; one person is +(t + 1), two are −(t + 1).
        var carried = test.Where(i => i.Values.Length > 3).SelectMany(i => i.Values.Skip(3).Select(p => ((int)i.Values[0], (int)Math.Abs(p) - 1, p > 0 ? 1 : 0))).ToList();
        foreach (var pair in expected.GetProperty("pairs").EnumerateArray().Select(p => p.EnumerateArray().Select(v => v.GetInt32()).ToArray()))
            Assert.Contains((pair[0], pair[1], pair[2]), carried);
        Assert.Contains(manifest.Skipped, s => s.Item.EndsWith($"({expected.GetProperty("missing_image").GetString()})", StringComparison.Ordinal) && s.Reason.Contains("no image", StringComparison.Ordinal));
        Assert.Contains(manifest.Skipped, s => s.Item.EndsWith($"({expected.GetProperty("no_points").GetString()})", StringComparison.Ordinal) && s.Reason.Contains("no five points", StringComparison.Ordinal));
        Assert.Contains(manifest.Skipped, s => s.Reason.StartsWith($"{expected.GetProperty("lost_pairs").GetInt32()} pair(s)", StringComparison.Ordinal));
    }

    [Fact]
    public void Templates_average_media_sum_and_normalise_and_pairs_are_read_off_the_roc_curve_as_insightface_does()
    {
        BenchmarkImport.Run(BenchmarkKinds.Get("ijbb"), BenchmarkFixtures.PathOf("ijbb"), Path.Combine(_dir, "i"), new BenchmarkImportOptions { Size = 56, Threads = 2 });
        var test = Benchmark.Open(Path.Combine(_dir, "i")).ReadAll().Where(i => i.Split == BenchmarkSplits.Test).ToList();
        var rng = new Random(3);
        var features = new float[test.Count * 4];
        for (var k = 0; k < features.Length; k++)
            features[k] = (float)rng.NextDouble() - 0.5f;

        var metrics = BenchmarkKinds.Get("ijbb").Metrics(test, features);

        var (templates, pooled) = VerificationProtocols.TemplateFeatures(features, 4, [.. test.Select(i => (int)i.Values[0])], [.. test.Select(i => (int)i.Values[1])], [.. test.Select(i => (double)i.Values[2])]);
        float Score(int a, int b) => Enumerable.Range(0, 4).Sum(k => pooled[(Array.IndexOf(templates, a) * 4) + k] * pooled[(Array.IndexOf(templates, b) * 4) + k]);
        var pairs = Expected.GetProperty("pairs").EnumerateArray().Select(p => p.EnumerateArray().Select(v => v.GetInt32()).ToArray()).ToList();
        var tars = VerificationProtocols.TarAtFarsFromRoc([.. pairs.Select(p => Score(p[0], p[1]))], [.. pairs.Select(p => p[2] == 1)], [1e-5, 1e-4, 1e-3, 1e-2, 1e-1]);
        Assert.Equal(tars[1], metrics["tar_far_1e4"], 12);
        Assert.Equal(tars[4], metrics["tar_far_1e1"], 12);
        Assert.Equal(5, metrics.Count);
    }

    [Fact]
    public void A_damaged_first_face_does_not_take_its_templates_pairs_with_it()
    {
        var copy = Path.Combine(_dir, "copy");
        foreach (var file in Directory.EnumerateFiles(BenchmarkFixtures.PathOf("ijbb"), "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(BenchmarkFixtures.PathOf("ijbb"), file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        // 1.jpg is template 1's first face: cut short, it cannot be decoded.
        var first = Path.Combine(copy, "IJBB", "loose_crop", "1.jpg");
        File.WriteAllBytes(first, File.ReadAllBytes(first)[..200]);

        var manifest = BenchmarkImport.Run(BenchmarkKinds.Get("ijbb"), copy, Path.Combine(_dir, "i"), new BenchmarkImportOptions { Size = 56, Threads = 2 });

        var test = Benchmark.Open(Path.Combine(_dir, "i")).ReadAll().Where(i => i.Split == BenchmarkSplits.Test).ToList();
        Assert.Contains(manifest.Skipped, s => s.Item.EndsWith("(1.jpg)", StringComparison.Ordinal));
        var carrier = Assert.Single(test, i => (int)i.Values[0] == 1 && i.Values.Length > 3);
        Assert.EndsWith("(2.jpg)", carrier.Source, StringComparison.Ordinal);
        // Template 1's pairs in the file: with template 2 (two people), 3 (one person), 4 (two people), each as ±(t + 1).
        Assert.Equal([-3f, 4f, -5f], carrier.Values.Skip(3));
    }

    [Fact]
    public void A_source_without_its_meta_files_or_training_people_is_refused_naming_what_is_missing()
    {
        var kind = BenchmarkKinds.Get("ijbb");
        Assert.Contains("meta/ijbb_face_tid_mid.txt", Assert.Throws<BenchmarkSourceException>(() => kind.Read(_dir, [])).Message, StringComparison.Ordinal);

        var copy = Path.Combine(_dir, "copy");
        foreach (var file in Directory.EnumerateFiles(BenchmarkFixtures.PathOf(Path.Combine("ijbb", "IJBB")), "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy, "IJBB", Path.GetRelativePath(BenchmarkFixtures.PathOf(Path.Combine("ijbb", "IJBB")), file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        Assert.Contains("no train/ folder", Assert.Throws<BenchmarkSourceException>(() => kind.Read(copy, [])).Message, StringComparison.Ordinal);
    }
}
