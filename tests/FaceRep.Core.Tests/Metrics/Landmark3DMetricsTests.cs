using FaceRep.Core.Metrics;

namespace FaceRep.Core.Tests.Metrics;

public sealed class Landmark3DMetricsTests
{
    // Four corners of a w x h rectangle at depth z.
    private static float[] Rectangle(float w, float h, float z) =>
        [0, 0, z, w, 0, z, w, h, z, 0, h, z];

    private static float[] Shift(float[] points, float dx, float dy, float dz) =>
        points.Select((v, i) => v + (i % 3) switch { 0 => dx, 1 => dy, _ => dz }).ToArray();

    [Fact]
    public void Nme3d_and_nme2d_match_hand_computed_values()
    {
        // Box 20 x 80 in (x, y): sqrt(20 * 80) = 40.
        // Every point off by (2, 3, 6): 3D distance sqrt(4 + 9 + 36) = 7 -> 7/40 = 0.175;
        // 2D distance sqrt(4 + 9) = sqrt(13) -> sqrt(13)/40.
        var truth = Rectangle(20, 80, 5);
        var predicted = Shift(truth, 2, 3, 6);

        Assert.Equal(0.175, Landmark3DMetrics.Nme3D(predicted, truth), 12);
        Assert.Equal(Math.Sqrt(13) / 40, Landmark3DMetrics.Nme2D(predicted, truth), 12);
    }

    [Fact]
    public void Depth_error_alone_counts_in_3d_but_not_in_2d()
    {
        // Only z off by 10; box 40 x 40 -> normaliser 40. 3D: 10/40 = 0.25; 2D: 0.
        var truth = Rectangle(40, 40, 0);
        var predicted = Shift(truth, 0, 0, 10);

        Assert.Equal(0.25, Landmark3DMetrics.Nme3D(predicted, truth), 12);
        Assert.Equal(0, Landmark3DMetrics.Nme2D(predicted, truth));
    }

    [Fact]
    public void The_normaliser_ignores_depth_spread()
    {
        // The truth spans 0..1000 in z, but the (x, y) box is 10 x 10 -> normaliser 10.
        // Every point off by (3, 4, 0): distance 5 -> 5/10 = 0.5 in both.
        float[] truth = [0, 0, 0, 10, 0, 1000, 10, 10, 0, 0, 10, 1000];
        var predicted = Shift(truth, 3, 4, 0);

        Assert.Equal(0.5, Landmark3DMetrics.Nme3D(predicted, truth), 12);
        Assert.Equal(0.5, Landmark3DMetrics.Nme2D(predicted, truth), 12);
    }

    [Fact]
    public void Per_face_and_mean_normalise_each_face_by_its_own_box()
    {
        // Face 1: box 10 x 40 -> 20; off by (0, 0, 4) -> 3D 4/20 = 0.2, 2D 0.
        // Face 2: box 50 x 50 -> 50; off by (3, 4, 0) -> 5/50 = 0.1 in both.
        // Means: 3D (0.2 + 0.1)/2 = 0.15; 2D (0 + 0.1)/2 = 0.05.
        var truth1 = Rectangle(10, 40, 1);
        var truth2 = Rectangle(50, 50, -3);
        var predicted = Shift(truth1, 0, 0, 4).Concat(Shift(truth2, 3, 4, 0)).ToArray();
        var truth = truth1.Concat(truth2).ToArray();

        Assert.Equal([0.2, 0.1], Landmark3DMetrics.PerFaceNme3D(predicted, truth, 4), (a, b) => Math.Abs(a - b) < 1e-12);
        Assert.Equal([0, 0.1], Landmark3DMetrics.PerFaceNme2D(predicted, truth, 4), (a, b) => Math.Abs(a - b) < 1e-12);
        Assert.Equal(0.15, Landmark3DMetrics.MeanNme3D(predicted, truth, 4), 12);
        Assert.Equal(0.05, Landmark3DMetrics.MeanNme2D(predicted, truth, 4), 12);
    }

    [Fact]
    public void Bad_input_is_rejected_with_the_reason()
    {
        var truth = Rectangle(10, 10, 0);

        Assert.Contains("counts must match", Assert.Throws<ArgumentException>(() => Landmark3DMetrics.Nme3D(truth[..9], truth)).Message, StringComparison.Ordinal);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => Landmark3DMetrics.Nme2D([], [])).Message, StringComparison.Ordinal);
        Assert.Contains("triples", Assert.Throws<ArgumentException>(() => Landmark3DMetrics.Nme3D(truth[..8], truth[..8])).Message, StringComparison.Ordinal);
        Assert.Contains("whole number", Assert.Throws<ArgumentException>(() => Landmark3DMetrics.PerFaceNme3D(truth, truth, 3)).Message, StringComparison.Ordinal);

        var nan = (float[])truth.Clone();
        nan[2] = float.NaN;
        Assert.Equal("predicted", Assert.Throws<ArgumentException>(() => Landmark3DMetrics.MeanNme3D(nan, truth, 4)).ParamName);

        // A flat box (all y equal) has no area.
        float[] flat = [0, 0, 0, 10, 0, 5, 20, 0, 9];
        Assert.Contains("bounding box", Assert.Throws<ArgumentException>(() => Landmark3DMetrics.Nme2D(flat, flat)).Message, StringComparison.Ordinal);
    }
}
