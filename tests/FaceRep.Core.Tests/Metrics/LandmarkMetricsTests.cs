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
}
