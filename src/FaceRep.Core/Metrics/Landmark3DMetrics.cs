namespace FaceRep.Core.Metrics;

/// <summary>
/// Metrics of 3D landmark localisation in the AFLW2000-3D convention. Points are laid out as
/// x0, y0, z0, x1, y1, z1, ...; several faces are concatenated. Every error is divided by
/// √(w·h) of the ground truth's tight 2D (x, y) bounding box, and is a fraction (multiply by
/// 100 for the usual percentage).
/// </summary>
public static class Landmark3DMetrics
{
    /// <summary>
    /// NME of one face over all three coordinates: the mean 3D Euclidean distance between
    /// prediction and ground truth divided by √(w·h) of the ground truth's (x, y) bounding box.
    /// </summary>
    /// <param name="predicted">Points as x0, y0, z0, x1, y1, z1, ...</param>
    /// <param name="truth">Ground truth in the same layout.</param>
    /// <exception cref="ArgumentException">The layouts differ, are empty or are not whole triples, a value is not finite, or the box has no area.</exception>
    public static double Nme3D(ReadOnlySpan<float> predicted, ReadOnlySpan<float> truth) =>
        MeanDistance(predicted, truth, useDepth: true) / LandmarkMetrics.BoxSize(truth, 3);

    /// <summary>
    /// NME of one face over x and y only (depth ignored), with the same normaliser as
    /// <see cref="Nme3D(ReadOnlySpan{float}, ReadOnlySpan{float})"/>: the figure most
    /// AFLW2000-3D results report.
    /// </summary>
    /// <param name="predicted">Points as x0, y0, z0, x1, y1, z1, ...</param>
    /// <param name="truth">Ground truth in the same layout.</param>
    /// <exception cref="ArgumentException">The layouts differ, are empty or are not whole triples, a value is not finite, or the box has no area.</exception>
    public static double Nme2D(ReadOnlySpan<float> predicted, ReadOnlySpan<float> truth) =>
        MeanDistance(predicted, truth, useDepth: false) / LandmarkMetrics.BoxSize(truth, 3);

    /// <summary><see cref="Nme3D(ReadOnlySpan{float}, ReadOnlySpan{float})"/> of each face.</summary>
    /// <param name="predicted">Faces of <paramref name="points"/> (x, y, z) points each, concatenated.</param>
    /// <param name="truth">Ground truth in the same layout.</param>
    /// <param name="points">Points per face.</param>
    /// <returns>One NME per face, in order.</returns>
    public static double[] PerFaceNme3D(ReadOnlySpan<float> predicted, ReadOnlySpan<float> truth, int points) =>
        PerFace(predicted, truth, points, useDepth: true);

    /// <summary><see cref="Nme2D(ReadOnlySpan{float}, ReadOnlySpan{float})"/> of each face.</summary>
    /// <param name="predicted">Faces of <paramref name="points"/> (x, y, z) points each, concatenated.</param>
    /// <param name="truth">Ground truth in the same layout.</param>
    /// <param name="points">Points per face.</param>
    /// <returns>One NME per face, in order.</returns>
    public static double[] PerFaceNme2D(ReadOnlySpan<float> predicted, ReadOnlySpan<float> truth, int points) =>
        PerFace(predicted, truth, points, useDepth: false);

    /// <summary>Mean over faces of <see cref="Nme3D(ReadOnlySpan{float}, ReadOnlySpan{float})"/>.</summary>
    /// <param name="predicted">Faces of <paramref name="points"/> (x, y, z) points each, concatenated.</param>
    /// <param name="truth">Ground truth in the same layout.</param>
    /// <param name="points">Points per face.</param>
    public static double MeanNme3D(ReadOnlySpan<float> predicted, ReadOnlySpan<float> truth, int points = 68) =>
        Mean(PerFace(predicted, truth, points, useDepth: true));

    /// <summary>Mean over faces of <see cref="Nme2D(ReadOnlySpan{float}, ReadOnlySpan{float})"/>.</summary>
    /// <param name="predicted">Faces of <paramref name="points"/> (x, y, z) points each, concatenated.</param>
    /// <param name="truth">Ground truth in the same layout.</param>
    /// <param name="points">Points per face.</param>
    public static double MeanNme2D(ReadOnlySpan<float> predicted, ReadOnlySpan<float> truth, int points = 68) =>
        Mean(PerFace(predicted, truth, points, useDepth: false));

    private static double[] PerFace(ReadOnlySpan<float> predicted, ReadOnlySpan<float> truth, int points, bool useDepth)
    {
        var faces = MetricInput.Faces(predicted.Length, truth.Length, points, 3);
        var stride = 3 * points;
        var nme = new double[faces];
        for (var f = 0; f < faces; f++)
        {
            var p = predicted.Slice(f * stride, stride);
            var t = truth.Slice(f * stride, stride);
            nme[f] = MeanDistance(p, t, useDepth) / LandmarkMetrics.BoxSize(t, 3);
        }

        return nme;
    }

    private static double Mean(double[] values)
    {
        double sum = 0;
        foreach (var v in values)
            sum += v;
        return sum / values.Length;
    }

    private static double MeanDistance(ReadOnlySpan<float> predicted, ReadOnlySpan<float> truth, bool useDepth)
    {
        MetricInput.SameLengthNotEmpty(predicted.Length, truth.Length);
        if (truth.Length % 3 != 0)
            throw new ArgumentException($"truth has {truth.Length} values, not a whole number of (x, y, z) triples", nameof(truth));
        MetricInput.Finite(predicted);
        MetricInput.Finite(truth);

        double sum = 0;
        for (var i = 0; i < truth.Length; i += 3)
        {
            double dx = predicted[i] - truth[i];
            double dy = predicted[i + 1] - truth[i + 1];
            double dz = useDepth ? predicted[i + 2] - truth[i + 2] : 0;
            sum += Math.Sqrt((dx * dx) + (dy * dy) + (dz * dz));
        }

        return sum / (truth.Length / 3);
    }
}
