namespace FaceRep.Core.Metrics;

/// <summary>Metrics of 2D landmark localisation over the 68-point (iBUG/300W) layout.</summary>
public static class LandmarkMetrics
{
    /// <summary>Index of the left eye's outer corner in the 68-point layout.</summary>
    public const int LeftEyeOuter = 36;

    /// <summary>Index of the right eye's outer corner in the 68-point layout.</summary>
    public const int RightEyeOuter = 45;

    /// <summary>
    /// Normalised mean error of one face: the mean point-to-point Euclidean distance between
    /// prediction and ground truth divided by the inter-ocular distance (outer eye corners,
    /// points 36 and 45), as a fraction (multiply by 100 for the usual percentage).
    /// </summary>
    /// <param name="predicted">Points as x0, y0, x1, y1, ...</param>
    /// <param name="truth">Ground truth in the same layout.</param>
    public static double InterOcularNme(ReadOnlySpan<float> predicted, ReadOnlySpan<float> truth)
    {
        if (predicted.Length != truth.Length || truth.Length % 2 != 0)
            throw new ArgumentException($"predicted has {predicted.Length} values and truth {truth.Length}; both must hold the same number of (x, y) pairs");
        if (truth.Length < 2 * (RightEyeOuter + 1))
            throw new ArgumentException($"inter-ocular normalisation needs the 68-point layout; got {truth.Length / 2} points");

        var dx = truth[2 * LeftEyeOuter] - truth[2 * RightEyeOuter];
        var dy = truth[(2 * LeftEyeOuter) + 1] - truth[(2 * RightEyeOuter) + 1];
        var interOcular = Math.Sqrt((dx * dx) + (dy * dy));
        if (!(interOcular > 0))
            throw new ArgumentException("the ground truth's outer eye corners coincide; inter-ocular distance is zero");

        return MeanPointError(predicted, truth) / interOcular;
    }

    /// <summary>Mean over faces of <see cref="InterOcularNme"/>; <paramref name="points"/> values per face.</summary>
    public static double MeanInterOcularNme(ReadOnlySpan<float> predicted, ReadOnlySpan<float> truth, int points = 68)
    {
        var stride = 2 * points;
        if (predicted.Length != truth.Length || truth.Length % stride != 0 || truth.Length == 0)
            throw new ArgumentException($"expected the same whole number of {points}-point faces in both; got {predicted.Length} and {truth.Length} values");
        var faces = truth.Length / stride;
        double sum = 0;
        for (var f = 0; f < faces; f++)
            sum += InterOcularNme(predicted.Slice(f * stride, stride), truth.Slice(f * stride, stride));
        return sum / faces;
    }

    /// <summary>Mean Euclidean distance between corresponding points.</summary>
    public static double MeanPointError(ReadOnlySpan<float> predicted, ReadOnlySpan<float> truth)
    {
        double sum = 0;
        var n = truth.Length / 2;
        for (var i = 0; i < n; i++)
        {
            double dx = predicted[2 * i] - truth[2 * i];
            double dy = predicted[(2 * i) + 1] - truth[(2 * i) + 1];
            sum += Math.Sqrt((dx * dx) + (dy * dy));
        }

        return sum / n;
    }
}
