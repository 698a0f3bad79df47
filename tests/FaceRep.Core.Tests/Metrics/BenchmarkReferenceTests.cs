using System.Text.Json;
using FaceRep.Core.Metrics;

namespace FaceRep.Core.Tests.Metrics;

/// <summary>
/// The benchmarks' metrics against the values their reference code computes (HRNet's
/// <c>compute_nme</c>, 3DDFA's AFLW2000-3D analysis, insightface's LFW and IJB evaluation),
/// written once by Reference/make_benchmark_reference.py from fixed inputs.
/// </summary>
public sealed class BenchmarkReferenceTests
{
    private static readonly JsonElement Reference = JsonDocument.Parse(File.ReadAllText(
        Path.Combine(AppContext.BaseDirectory, "Metrics", "Reference", "benchmark_reference.json"))).RootElement;

    private static float[] Floats(JsonElement e, string name) => [.. e.GetProperty(name).EnumerateArray().Select(v => v.GetSingle())];

    private static double[] Doubles(JsonElement e, string name) => [.. e.GetProperty(name).EnumerateArray().Select(v => v.GetDouble())];

    private static int[] Ints(JsonElement e, string name) => [.. e.GetProperty(name).EnumerateArray().Select(v => v.GetInt32())];

    private static void Close(double expected, double actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-6 * Math.Max(1, Math.Abs(expected)), $"{what}: expected {expected:R}, got {actual:R}");

    [Theory]
    [InlineData("300w")]
    [InlineData("wflw")]
    [InlineData("cofw")]
    [InlineData("aflw19")]
    public void Landmark_nme_matches_hrnets_compute_nme(string benchmark)
    {
        var c = Reference.GetProperty("landmarks").EnumerateArray().Single(e => e.GetProperty("name").GetString() == benchmark);
        var points = c.GetProperty("points").GetInt32();
        LandmarkNormaliser normaliser = benchmark switch
        {
            "300w" => LandmarkNormaliser.For300W,
            "wflw" => LandmarkNormaliser.ForWflw,
            "cofw" => LandmarkNormaliser.ForCofw,
            _ => new LandmarkNormaliser.Given(Doubles(c, "box_size")),
        };

        var nme = BenchmarkLandmarkMetrics.PerFaceNme(Floats(c, "predicted"), Floats(c, "truth"), points, normaliser);

        var expected = Doubles(c, "nme");
        Assert.Equal(expected.Length, nme.Length);
        for (var i = 0; i < nme.Length; i++)
            Close(expected[i], nme[i], $"{benchmark} face {i}");
    }

    [Fact]
    public void Aflw2000_nme_and_its_yaw_bins_match_3ddfas_benchmark()
    {
        var c = Reference.GetProperty("aflw2000");

        var nme = BenchmarkLandmarkMetrics.PerFaceNme(Floats(c, "predicted"), Floats(c, "truth"), 68, new LandmarkNormaliser.TightBox());
        var binned = BenchmarkLandmarkMetrics.ByYaw(nme, Doubles(c, "yaw"));

        var expected = Doubles(c, "nme");
        for (var i = 0; i < nme.Length; i++)
            Close(expected[i], nme[i], $"face {i}");
        var bins = Doubles(c, "bins");
        Close(bins[0], binned.Yaw0To30, "[0, 30]");
        Close(bins[1], binned.Yaw30To60, "(30, 60]");
        Close(bins[2], binned.Yaw60To90, "(60, 90]");
        Close(c.GetProperty("mean").GetDouble(), binned.Mean, "mean of the bins");
        Assert.Equal(Ints(c, "counts"), binned.Counts);
    }

    [Fact]
    public void Lfw_ten_fold_accuracy_matches_insightfaces_calculate_roc()
    {
        var c = Reference.GetProperty("lfw");
        var same = c.GetProperty("same").EnumerateArray().Select(v => v.GetBoolean()).ToArray();

        var result = VerificationProtocols.TenFold(Floats(c, "first"), Floats(c, "second"), c.GetProperty("dimensions").GetInt32(), same, c.GetProperty("folds").GetInt32());

        Assert.Equal(Doubles(c, "per_fold"), result.PerFold);
        Assert.Equal(Doubles(c, "thresholds"), result.Thresholds);
        Close(c.GetProperty("mean").GetDouble(), result.Mean, "mean");
        Close(c.GetProperty("std").GetDouble(), result.Std, "std");
    }

    [Fact]
    public void Ijb_template_features_and_tar_at_far_match_insightfaces_ijb_evaluation()
    {
        var c = Reference.GetProperty("ijb");
        var dims = c.GetProperty("dimensions").GetInt32();

        var (templates, features) = VerificationProtocols.TemplateFeatures(Floats(c, "features"), dims, Ints(c, "templates"), Ints(c, "medias"), Doubles(c, "weights"));

        Assert.Equal(Ints(c, "template_ids"), templates);
        var expected = Floats(c, "template_features");
        for (var i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - features[i]) < 1e-6, $"template feature value {i}: {expected[i]} vs {features[i]}");
        var index = templates.Select((t, i) => (t, i)).ToDictionary(x => x.t, x => x.i);
        var first = Ints(c, "pair_first");
        var second = Ints(c, "pair_second");
        var scores = first.Select((a, k) => Enumerable.Range(0, dims).Sum(d => (double)features[(index[a] * dims) + d] * features[(index[second[k]] * dims) + d])).ToArray();
        var reference = Floats(c, "scores");
        for (var k = 0; k < scores.Length; k++)
            Assert.True(Math.Abs(reference[k] - scores[k]) < 1e-6, $"pair {k}'s score: {reference[k]} vs {scores[k]}");

        var tars = VerificationProtocols.TarAtFarsFromRoc(reference, [.. Ints(c, "pair_label").Select(l => l == 1)], Doubles(c, "fars"));

        Assert.Equal(Doubles(c, "tars"), tars);
    }

    [Fact]
    public void Bad_benchmark_inputs_are_named()
    {
        // Two faces of two points: (0,0),(10,0) each; predictions one pixel off in x.
        float[] truth = [0, 0, 10, 0, 0, 0, 10, 0];
        float[] predicted = [1, 0, 11, 0, 1, 0, 11, 0];

        Assert.Equal([0.1, 0.1], BenchmarkLandmarkMetrics.PerFaceNme(predicted, truth, 2, new LandmarkNormaliser.Points(0, 1)));
        Assert.Equal([0.5, 0.25], BenchmarkLandmarkMetrics.PerFaceNme(predicted, truth, 2, new LandmarkNormaliser.Given([2.0, 4.0])));
        Assert.Contains("1 normalising lengths were given for 2 faces",
            Assert.Throws<ArgumentException>(() => BenchmarkLandmarkMetrics.PerFaceNme(predicted, truth, 2, new LandmarkNormaliser.Given([2.0]))).Message, StringComparison.Ordinal);
        Assert.Contains("points 36 and 45 are not both among the face's 2",
            Assert.Throws<ArgumentException>(() => BenchmarkLandmarkMetrics.PerFaceNme(predicted, truth, 2, LandmarkNormaliser.For300W)).Message, StringComparison.Ordinal);
        Assert.Contains("no face has |yaw| in (60°, 90°]",
            Assert.Throws<ArgumentException>(() => BenchmarkLandmarkMetrics.ByYaw([0.1, 0.2], [10, 45])).Message, StringComparison.Ordinal);
        // 3DDFA's bins are closed above: 30° is frontal, 60° is the middle bin.
        Assert.Equal((0, 1, 2), (BenchmarkLandmarkMetrics.YawBin(-30), BenchmarkLandmarkMetrics.YawBin(60), BenchmarkLandmarkMetrics.YawBin(60.001)));
    }

    [Fact]
    public void Lfw_folds_split_like_kfold_and_pick_the_first_best_threshold()
    {
        // 23 pairs in 10 folds: KFold gives the first three folds 3 pairs, the rest 2. Same pairs at
        // distance 0.5, different at 1.5: every threshold in (0.5, 1.5] is perfect, the first is 0.51.
        var same = Enumerable.Range(0, 23).Select(i => i % 2 == 0).ToArray();
        var distances = same.Select(s => s ? 0.5 : 1.5).ToArray();

        var result = VerificationProtocols.TenFold(distances, same);

        Assert.All(result.Thresholds, t => Assert.Equal(0.51, t, 12));
        Assert.Equal(1, result.Mean);
        Assert.Equal(0, result.Std);
        Assert.Contains("5 pairs cannot make 10 folds",
            Assert.Throws<ArgumentException>(() => VerificationProtocols.TenFold(distances.AsSpan(0, 5), same.AsSpan(0, 5))).Message, StringComparison.Ordinal);
    }
}
