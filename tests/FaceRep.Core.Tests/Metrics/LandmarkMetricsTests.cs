using FaceRep.Core.Metrics;

namespace FaceRep.Core.Tests.Metrics;

public sealed class LandmarkMetricsTests
{
    private static float[] Face(float eyeDistance)
    {
        var points = new float[136];
        points[2 * LandmarkMetrics.LeftEyeOuter] = 10;
        points[(2 * LandmarkMetrics.LeftEyeOuter) + 1] = 20;
        points[2 * LandmarkMetrics.RightEyeOuter] = 10 + eyeDistance;
        points[(2 * LandmarkMetrics.RightEyeOuter) + 1] = 20;
        return points;
    }

    [Fact]
    public void A_perfect_prediction_has_zero_error()
    {
        var truth = Face(40);

        Assert.Equal(0, LandmarkMetrics.InterOcularNme(truth, truth));
    }

    [Fact]
    public void Nme_matches_a_hand_computed_case()
    {
        // Every point off by (3, 4): distance 5; inter-ocular distance 40 -> NME 5/40 = 0.125.
        var truth = Face(40);
        var predicted = truth.Select((v, i) => v + (i % 2 == 0 ? 3f : 4f)).ToArray();

        Assert.Equal(0.125, LandmarkMetrics.InterOcularNme(predicted, truth), 12);
    }

    [Fact]
    public void Nme_averages_per_point_distances_not_squared_distances()
    {
        // One point off by 68 pixels, the rest exact: mean distance 1; inter-ocular 50 -> 0.02.
        var truth = Face(50);
        var predicted = (float[])truth.Clone();
        predicted[0] += 68;

        Assert.Equal(0.02, LandmarkMetrics.InterOcularNme(predicted, truth), 12);
    }

    [Fact]
    public void The_mean_over_faces_normalises_each_face_by_its_own_eyes()
    {
        var small = Face(10);
        var large = Face(100);
        var predicted = small.Select((v, i) => i == 0 ? v + 68 : v).Concat(large.Select((v, i) => i == 0 ? v + 68 : v)).ToArray();

        // Face 1: 1/10, face 2: 1/100 -> mean 0.055.
        Assert.Equal(0.055, LandmarkMetrics.MeanInterOcularNme(predicted, small.Concat(large).ToArray()), 12);
    }

    [Fact]
    public void Coinciding_eye_corners_are_rejected()
    {
        var truth = Face(0);

        Assert.Throws<ArgumentException>(() => LandmarkMetrics.InterOcularNme(truth, truth));
    }

    // Four corners of a w x h rectangle at (x0, y0).
    private static float[] Rectangle(float x0, float y0, float w, float h) =>
        [x0, y0, x0 + w, y0, x0 + w, y0 + h, x0, y0 + h];

    private static float[] Shift(float[] points, float dx, float dy) =>
        points.Select((v, i) => v + (i % 2 == 0 ? dx : dy)).ToArray();

    [Fact]
    public void Diagonal_normalisation_divides_by_the_truth_box_diagonal()
    {
        // Box 30 x 40: diagonal sqrt(900 + 1600) = 50. Every point off by (3, 4): distance 5 -> 5/50 = 0.1.
        var truth = Rectangle(7, 11, 30, 40);

        Assert.Equal(0.1, LandmarkMetrics.Nme(Shift(truth, 3, 4), truth, NmeNormalisation.Diagonal), 12);
    }

    [Fact]
    public void Box_normalisation_divides_by_the_root_of_the_truth_box_area()
    {
        // Box 20 x 80: sqrt(20 * 80) = sqrt(1600) = 40. Every point off by (3, 4): distance 5 -> 5/40 = 0.125.
        var truth = Rectangle(-5, 2, 20, 80);

        Assert.Equal(0.125, LandmarkMetrics.Nme(Shift(truth, 3, 4), truth, NmeNormalisation.Box), 12);
    }

    [Fact]
    public void The_normaliser_comes_from_the_truth_not_the_prediction()
    {
        // Truth: the corners of a 40 x 40 square; prediction: all four points at its centre (20, 20).
        // Each point is sqrt(20^2 + 20^2) = 20*sqrt(2) away.
        // Box: sqrt(40 * 40) = 40 -> 20*sqrt(2)/40 = sqrt(2)/2.
        // Diagonal: sqrt(40^2 + 40^2) = 40*sqrt(2) -> 20*sqrt(2)/(40*sqrt(2)) = 0.5.
        // (The prediction's own box has no area, so using it would fail.)
        var truth = Rectangle(0, 0, 40, 40);
        float[] collapsed = [20, 20, 20, 20, 20, 20, 20, 20];

        Assert.Equal(Math.Sqrt(2) / 2, LandmarkMetrics.Nme(collapsed, truth, NmeNormalisation.Box), 12);
        Assert.Equal(0.5, LandmarkMetrics.Nme(collapsed, truth, NmeNormalisation.Diagonal), 12);
    }

    [Fact]
    public void Inter_ocular_normalisation_through_the_enum_matches_the_named_function()
    {
        // Every point off by (3, 4): distance 5; inter-ocular distance 40 -> 0.125.
        var truth = Face(40);

        Assert.Equal(0.125, LandmarkMetrics.Nme(Shift(truth, 3, 4), truth, NmeNormalisation.InterOcular), 12);
    }

    [Fact]
    public void Per_face_nme_normalises_each_face_by_its_own_box()
    {
        // Face 1: box 30 x 40 (diagonal 50), every point off by (3, 4): 5/50 = 0.1.
        // Face 2: box 60 x 80 (diagonal 100), one of four points off by 8: mean 8/4 = 2 -> 2/100 = 0.02.
        // Mean over faces: (0.1 + 0.02) / 2 = 0.06.
        var truth1 = Rectangle(0, 0, 30, 40);
        var truth2 = Rectangle(100, 100, 60, 80);
        var predicted2 = (float[])truth2.Clone();
        predicted2[5] += 8;
        var predicted = Shift(truth1, 3, 4).Concat(predicted2).ToArray();
        var truth = truth1.Concat(truth2).ToArray();

        var perFace = LandmarkMetrics.PerFaceNme(predicted, truth, 4, NmeNormalisation.Diagonal);

        Assert.Equal(2, perFace.Length);
        Assert.Equal(0.1, perFace[0], 12);
        Assert.Equal(0.02, perFace[1], 12);
        Assert.Equal(0.06, LandmarkMetrics.MeanNme(predicted, truth, 4, NmeNormalisation.Diagonal), 12);
    }

    [Fact]
    public void Failure_rate_counts_errors_strictly_above_the_threshold()
    {
        // 0.15 and 0.2 exceed 0.1; 0.1 itself does not -> 2 of 4 = 0.5.
        double[] nme = [0.05, 0.1, 0.15, 0.2];

        Assert.Equal(0.5, LandmarkMetrics.FailureRate(nme), 12);
        // At 0.08: 0.1, 0.15 and 0.2 fail -> 3/4.
        Assert.Equal(0.75, LandmarkMetrics.FailureRate(nme, 0.08), 12);
    }

    [Fact]
    public void Auc_matches_the_area_under_a_hand_drawn_ced()
    {
        // Errors 0, 0.05, 0.1, 0.2 up to t = 0.1. The CED is 1/4 on [0, 0.05), 2/4 on [0.05, 0.1).
        // Area = 0.25 * 0.05 + 0.5 * 0.05 = 0.0375; divided by 0.1 -> 0.375.
        double[] nme = [0, 0.05, 0.1, 0.2];

        Assert.Equal(0.375, LandmarkMetrics.AucAt(nme), 12);
    }

    [Fact]
    public void Auc_agrees_with_a_finely_sampled_ced()
    {
        double[] nme = [0.013, 0.021, 0.034, 0.055, 0.089, 0.144, 0.02, 0.071];
        const int Steps = 100_000;
        const double T = 0.1;
        double area = 0;
        for (var s = 0; s < Steps; s++)
        {
            var e = (s + 0.5) * T / Steps;
            area += nme.Count(x => x <= e) / (double)nme.Length * (T / Steps);
        }

        Assert.Equal(area / T, LandmarkMetrics.AucAt(nme, T), 4);
    }

    [Fact]
    public void Auc_is_one_for_perfect_faces_and_zero_when_all_fail()
    {
        Assert.Equal(1, LandmarkMetrics.AucAt([0, 0, 0]));
        Assert.Equal(0, LandmarkMetrics.AucAt([0.1, 0.3, 7]));
        Assert.Equal(0, LandmarkMetrics.FailureRate([0, 0.1]));
        Assert.Equal(1, LandmarkMetrics.FailureRate([0.2, 0.3]));
    }

    [Fact]
    public void A_box_without_area_is_rejected_but_its_diagonal_is_usable()
    {
        // All points on y = 5: the box is 30 wide and 0 high. Diagonal sqrt(30^2 + 0) = 30.
        // Predicted off by (0, 3) everywhere -> 3/30 = 0.1.
        float[] truth = [0, 5, 10, 5, 30, 5];
        var predicted = Shift(truth, 0, 3);

        var ex = Assert.Throws<ArgumentException>(() => LandmarkMetrics.Nme(predicted, truth, NmeNormalisation.Box));
        Assert.Contains("bounding box", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0.1, LandmarkMetrics.Nme(predicted, truth, NmeNormalisation.Diagonal), 12);
        Assert.Throws<ArgumentException>(() => LandmarkMetrics.Nme([1, 1, 1, 1], [1, 1, 1, 1], NmeNormalisation.Diagonal));
    }

    [Fact]
    public void Bad_point_arrays_are_rejected_with_the_reason()
    {
        var truth = Rectangle(0, 0, 10, 10);

        Assert.StartsWith("predicted has 6 values but truth has 8; the counts must match", Assert.Throws<ArgumentException>(() => LandmarkMetrics.Nme(truth[..6], truth, NmeNormalisation.Box)).Message, StringComparison.Ordinal);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => LandmarkMetrics.Nme([], [], NmeNormalisation.Box)).Message, StringComparison.Ordinal);
        Assert.Contains("pairs", Assert.Throws<ArgumentException>(() => LandmarkMetrics.Nme(truth[..7], truth[..7], NmeNormalisation.Box)).Message, StringComparison.Ordinal);

        var nan = (float[])truth.Clone();
        nan[3] = float.NaN;
        var ex = Assert.Throws<ArgumentException>(() => LandmarkMetrics.Nme(nan, truth, NmeNormalisation.Box));
        Assert.Equal("predicted", ex.ParamName);
        Assert.Contains("[3]", ex.Message, StringComparison.Ordinal);

        var infinite = (float[])truth.Clone();
        infinite[0] = float.PositiveInfinity;
        Assert.Equal("truth", Assert.Throws<ArgumentException>(() => LandmarkMetrics.Nme(truth, infinite, NmeNormalisation.Diagonal)).ParamName);
    }

    [Fact]
    public void Per_face_input_must_be_whole_faces()
    {
        var truth = Rectangle(0, 0, 10, 10);

        Assert.Contains("whole number", Assert.Throws<ArgumentException>(() => LandmarkMetrics.PerFaceNme(truth, truth, 3, NmeNormalisation.Box)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => LandmarkMetrics.PerFaceNme(truth, truth, 0, NmeNormalisation.Box));
        Assert.Throws<ArgumentException>(() => LandmarkMetrics.PerFaceNme([], [], 4, NmeNormalisation.Box));
        Assert.Throws<ArgumentException>(() => LandmarkMetrics.MeanInterOcularNme(truth, truth, 4));
    }

    [Fact]
    public void Bad_error_lists_and_thresholds_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => LandmarkMetrics.FailureRate([]));
        Assert.Throws<ArgumentException>(() => LandmarkMetrics.AucAt([]));
        Assert.Contains("negative", Assert.Throws<ArgumentException>(() => LandmarkMetrics.AucAt([0.1, -0.01])).Message, StringComparison.Ordinal);
        Assert.Equal("perFaceNme", Assert.Throws<ArgumentException>(() => LandmarkMetrics.FailureRate([double.NaN])).ParamName);
        Assert.Equal("threshold", Assert.Throws<ArgumentException>(() => LandmarkMetrics.AucAt([0.1], 0)).ParamName);
        Assert.Throws<ArgumentException>(() => LandmarkMetrics.FailureRate([0.1], -1));
        Assert.Throws<ArgumentException>(() => LandmarkMetrics.AucAt([0.1], double.NaN));
    }
}
