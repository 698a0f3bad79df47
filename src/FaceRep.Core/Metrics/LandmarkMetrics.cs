namespace FaceRep.Core.Metrics;

/// <summary>
/// Metrics of 2D landmark localisation. Points are laid out as x0, y0, x1, y1, ...; several
/// faces are concatenated. NMEs are fractions (multiply by 100 for the usual percentage).
/// </summary>
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
    /// <exception cref="ArgumentException">The layouts differ, a value is not finite, the face has fewer than 46 points or its outer eye corners coincide.</exception>
    public static double InterOcularNme(ReadOnlySpan<float> predicted, ReadOnlySpan<float> truth) =>
        Nme(predicted, truth, NmeNormalisation.InterOcular);

    /// <summary>
    /// Normalised mean error of one face: the mean point-to-point Euclidean distance between
    /// prediction and ground truth divided by the ground truth's normalising distance
    /// (see <see cref="NmeNormalisation"/>), as a fraction.
    /// </summary>
    /// <param name="predicted">Points as x0, y0, x1, y1, ...</param>
    /// <param name="truth">Ground truth in the same layout.</param>
    /// <param name="normalisation">Which distance to divide by.</param>
    /// <exception cref="ArgumentException">
    /// The layouts differ or are empty, a value is not finite, or the normalising distance is zero
    /// (coinciding eye corners; a bounding box with no area for <see cref="NmeNormalisation.Box"/>;
    /// all points coinciding for <see cref="NmeNormalisation.Diagonal"/>).
    /// </exception>
    public static double Nme(ReadOnlySpan<float> predicted, ReadOnlySpan<float> truth, NmeNormalisation normalisation)
    {
        var error = MeanPointError(predicted, truth);
        return error / Normaliser(truth, normalisation);
    }

    /// <summary>
    /// <see cref="Nme(ReadOnlySpan{float}, ReadOnlySpan{float}, NmeNormalisation)"/> of each face,
    /// each normalised by its own ground truth.
    /// </summary>
    /// <param name="predicted">Faces of <paramref name="points"/> points each, concatenated.</param>
    /// <param name="truth">Ground truth in the same layout.</param>
    /// <param name="points">Points per face.</param>
    /// <param name="normalisation">Which distance to divide by.</param>
    /// <returns>One NME per face, in order.</returns>
    public static double[] PerFaceNme(ReadOnlySpan<float> predicted, ReadOnlySpan<float> truth, int points, NmeNormalisation normalisation)
    {
        var faces = MetricInput.Faces(predicted.Length, truth.Length, points, 2);
        var stride = 2 * points;
        var nme = new double[faces];
        for (var f = 0; f < faces; f++)
            nme[f] = Nme(predicted.Slice(f * stride, stride), truth.Slice(f * stride, stride), normalisation);
        return nme;
    }

    /// <summary>Mean over faces of <see cref="PerFaceNme"/>.</summary>
    /// <param name="predicted">Faces of <paramref name="points"/> points each, concatenated.</param>
    /// <param name="truth">Ground truth in the same layout.</param>
    /// <param name="points">Points per face.</param>
    /// <param name="normalisation">Which distance to divide by.</param>
    public static double MeanNme(ReadOnlySpan<float> predicted, ReadOnlySpan<float> truth, int points, NmeNormalisation normalisation)
    {
        var faces = MetricInput.Faces(predicted.Length, truth.Length, points, 2);
        var stride = 2 * points;
        double sum = 0;
        for (var f = 0; f < faces; f++)
            sum += Nme(predicted.Slice(f * stride, stride), truth.Slice(f * stride, stride), normalisation);
        return sum / faces;
    }

    /// <summary>Mean over faces of <see cref="InterOcularNme"/>; <paramref name="points"/> points per face.</summary>
    /// <param name="predicted">Faces of <paramref name="points"/> points each, concatenated.</param>
    /// <param name="truth">Ground truth in the same layout.</param>
    /// <param name="points">Points per face.</param>
    public static double MeanInterOcularNme(ReadOnlySpan<float> predicted, ReadOnlySpan<float> truth, int points = 68) =>
        MeanNme(predicted, truth, points, NmeNormalisation.InterOcular);

    /// <summary>Mean Euclidean distance between corresponding 2D points.</summary>
    /// <param name="predicted">Points as x0, y0, x1, y1, ...</param>
    /// <param name="truth">Ground truth in the same layout.</param>
    /// <exception cref="ArgumentException">The layouts differ, are empty or hold an odd number of values, or a value is not finite.</exception>
    public static double MeanPointError(ReadOnlySpan<float> predicted, ReadOnlySpan<float> truth)
    {
        MetricInput.SameLengthNotEmpty(predicted.Length, truth.Length);
        if (truth.Length % 2 != 0)
            throw new ArgumentException($"truth has {truth.Length} values, not a whole number of (x, y) pairs", nameof(truth));
        MetricInput.Finite(predicted);
        MetricInput.Finite(truth);

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

    /// <summary>
    /// Fraction of faces whose NME is strictly greater than <paramref name="threshold"/>
    /// (the failure rate; FR@0.1 by default).
    /// </summary>
    /// <param name="perFaceNme">One NME per face, as a fraction.</param>
    /// <param name="threshold">Error above which a face counts as a failure, as a fraction.</param>
    /// <exception cref="ArgumentException">No faces, an NME that is negative or not finite, or a threshold that is not positive.</exception>
    public static double FailureRate(ReadOnlySpan<double> perFaceNme, double threshold = 0.1)
    {
        CheckErrors(perFaceNme);
        MetricInput.Positive(threshold);

        var failures = 0;
        foreach (var e in perFaceNme)
        {
            if (e > threshold)
                failures++;
        }

        return (double)failures / perFaceNme.Length;
    }

    /// <summary>
    /// Area under the cumulative error distribution (CED) curve from 0 to
    /// <paramref name="threshold"/>, divided by <paramref name="threshold"/>: 1 when every error
    /// is zero, 0 when every error is at or above the threshold (AUC@0.1 by default).
    /// </summary>
    /// <remarks>
    /// Computed exactly rather than by sampling the curve: the CED is the step function
    /// CED(e) = (faces with NME ≤ e) / N, so its integral over [0, t] is the mean over faces of
    /// t − min(NME, t), and AUC = mean of (t − min(NME, t)) / t. Scripts that integrate a
    /// sampled curve with the trapezoid rule agree to within their step size.
    /// </remarks>
    /// <param name="perFaceNme">One NME per face, as a fraction.</param>
    /// <param name="threshold">Upper end of the integral, as a fraction.</param>
    /// <exception cref="ArgumentException">No faces, an NME that is negative or not finite, or a threshold that is not positive.</exception>
    public static double AucAt(ReadOnlySpan<double> perFaceNme, double threshold = 0.1)
    {
        CheckErrors(perFaceNme);
        MetricInput.Positive(threshold);

        double sum = 0;
        foreach (var e in perFaceNme)
            sum += threshold - Math.Min(e, threshold);
        return sum / (perFaceNme.Length * threshold);
    }

    private static void CheckErrors(ReadOnlySpan<double> perFaceNme)
    {
        if (perFaceNme.IsEmpty)
            throw new ArgumentException("no faces to evaluate: perFaceNme is empty", nameof(perFaceNme));
        MetricInput.Finite(perFaceNme);
        for (var i = 0; i < perFaceNme.Length; i++)
        {
            if (perFaceNme[i] < 0)
                throw new ArgumentException($"perFaceNme[{i}] is {perFaceNme[i]}; an error cannot be negative", nameof(perFaceNme));
        }
    }

    private static double Normaliser(ReadOnlySpan<float> truth, NmeNormalisation normalisation)
    {
        switch (normalisation)
        {
            case NmeNormalisation.InterOcular:
                {
                    if (truth.Length < 2 * (RightEyeOuter + 1))
                        throw new ArgumentException($"inter-ocular normalisation needs the 68-point layout; got {truth.Length / 2} points", nameof(truth));
                    double dx = truth[2 * LeftEyeOuter] - truth[2 * RightEyeOuter];
                    double dy = truth[(2 * LeftEyeOuter) + 1] - truth[(2 * RightEyeOuter) + 1];
                    var interOcular = Math.Sqrt((dx * dx) + (dy * dy));
                    if (!(interOcular > 0))
                        throw new ArgumentException("the ground truth's outer eye corners coincide; inter-ocular distance is zero", nameof(truth));
                    return interOcular;
                }

            case NmeNormalisation.Diagonal:
                {
                    var (w, h) = BoundingBox(truth, 2);
                    var diagonal = Math.Sqrt((w * w) + (h * h));
                    if (!(diagonal > 0))
                        throw new ArgumentException("the ground truth's points all coincide; its bounding-box diagonal is zero", nameof(truth));
                    return diagonal;
                }

            case NmeNormalisation.Box:
                return BoxSize(truth, 2);

            default:
                throw new ArgumentOutOfRangeException(nameof(normalisation), normalisation, "unknown NME normalisation");
        }
    }

    /// <summary>Width and height of the tight (x, y) bounding box of points with <paramref name="dimensions"/> coordinates each.</summary>
    internal static (double Width, double Height) BoundingBox(ReadOnlySpan<float> points, int dimensions)
    {
        float minX = float.PositiveInfinity, maxX = float.NegativeInfinity;
        float minY = float.PositiveInfinity, maxY = float.NegativeInfinity;
        for (var i = 0; i < points.Length; i += dimensions)
        {
            minX = Math.Min(minX, points[i]);
            maxX = Math.Max(maxX, points[i]);
            minY = Math.Min(minY, points[i + 1]);
            maxY = Math.Max(maxY, points[i + 1]);
        }

        return ((double)maxX - minX, (double)maxY - minY);
    }

    /// <summary>√(w·h) of the tight (x, y) bounding box; throws when the box has no area.</summary>
    internal static double BoxSize(ReadOnlySpan<float> truth, int dimensions)
    {
        var (w, h) = BoundingBox(truth, dimensions);
        if (!(w > 0) || !(h > 0))
            throw new ArgumentException($"the ground truth's bounding box is {w} wide and {h} high; box normalisation needs a box with area", nameof(truth));
        return Math.Sqrt(w * h);
    }
}
