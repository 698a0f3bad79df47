namespace FaceRep.Core.Metrics;

/// <summary>
/// What a benchmark divides a face's mean landmark error by. Each is a convention of one
/// community's reference code; the values it needs come from the ground truth or, for a given
/// box, from the benchmark's annotation.
/// </summary>
public abstract record LandmarkNormaliser
{
    /// <summary>The distance between two ground-truth points (0-based), e.g. the outer eye corners.</summary>
    public sealed record Points(int First, int Second) : LandmarkNormaliser;

    /// <summary>One given length per face (e.g. √(w·h) of the annotated box for AFLW-19 in HRNet).</summary>
    public sealed record Given(IReadOnlyList<double> PerFace) : LandmarkNormaliser;

    /// <summary>√(w·h) of the ground truth points' tight box (3DDFA's AFLW2000-3D normaliser).</summary>
    public sealed record TightBox : LandmarkNormaliser;

    /// <summary>300W (68 points): outer eye corners 36 and 45.</summary>
    public static LandmarkNormaliser For300W { get; } = new Points(36, 45);

    /// <summary>WFLW (98 points): outer eye corners 60 and 72.</summary>
    public static LandmarkNormaliser ForWflw { get; } = new Points(60, 72);

    /// <summary>COFW (29 points): points 8 and 9, as HRNet's <c>compute_nme</c> divides COFW errors.</summary>
    public static LandmarkNormaliser ForCofw { get; } = new Points(8, 9);
}

/// <summary>
/// Landmark metrics as each benchmark's reference code computes them, on points in the original
/// image's coordinates. Points are laid out x0, y0, x1, y1, …, faces concatenated; every NME is a
/// fraction (×100 for the usual percentage).
/// </summary>
public static class BenchmarkLandmarkMetrics
{
    /// <summary>
    /// Per-face NME as HRNet's <c>compute_nme</c>: Σ‖p̂ᵢ − pᵢ‖ / (d · L) for L points and the
    /// face's normalising length d (the mean point error divided by d).
    /// </summary>
    /// <param name="predicted">Faces of <paramref name="points"/> points each, concatenated.</param>
    /// <param name="truth">Ground truth in the same layout.</param>
    /// <param name="points">Points per face.</param>
    /// <param name="normaliser">The benchmark's normalising length.</param>
    /// <exception cref="ArgumentException">Layouts differ, a value is not finite, a normaliser point is out of range, or a face's normalising length is not positive.</exception>
    public static double[] PerFaceNme(ReadOnlySpan<float> predicted, ReadOnlySpan<float> truth, int points, LandmarkNormaliser normaliser)
    {
        var faces = MetricInput.Faces(predicted.Length, truth.Length, points, 2);
        var stride = 2 * points;
        if (normaliser is LandmarkNormaliser.Given given && given.PerFace.Count != faces)
            throw new ArgumentException($"{given.PerFace.Count} normalising lengths were given for {faces} faces", nameof(normaliser));
        if (normaliser is LandmarkNormaliser.Points pair && (Math.Max(pair.First, pair.Second) >= points || Math.Min(pair.First, pair.Second) < 0))
            throw new ArgumentException($"the normaliser's points {pair.First} and {pair.Second} are not both among the face's {points}", nameof(normaliser));

        var nme = new double[faces];
        for (var f = 0; f < faces; f++)
        {
            var p = predicted.Slice(f * stride, stride);
            var t = truth.Slice(f * stride, stride);
            var length = Length(t, normaliser, f);
            if (!(length > 0) || !double.IsFinite(length))
                throw new ArgumentException($"face {f}'s normalising length is {length}; it must be positive", nameof(normaliser));
            nme[f] = LandmarkMetrics.MeanPointError(p, t) / length;
        }

        return nme;
    }

    /// <summary>
    /// AFLW2000-3D's figures as 3DDFA's benchmark computes them: per-face 2D NME over √(w·h) of the
    /// ground truth's 68-point box, averaged within |yaw| ≤ 30°, 30° &lt; |yaw| ≤ 60° and |yaw| &gt; 60°,
    /// and the mean of those three bin means (not of all faces).
    /// </summary>
    /// <param name="perFaceNme">Each face's NME.</param>
    /// <param name="yawDegrees">Each face's ground-truth yaw, in degrees.</param>
    /// <exception cref="ArgumentException">The lengths differ, a value is not finite, or a bin is empty.</exception>
    public static YawBinnedNme ByYaw(ReadOnlySpan<double> perFaceNme, ReadOnlySpan<double> yawDegrees)
    {
        MetricInput.SameLengthNotEmpty(perFaceNme.Length, yawDegrees.Length);
        MetricInput.Finite(perFaceNme);
        MetricInput.Finite(yawDegrees);
        var sums = new double[3];
        var counts = new int[3];
        for (var i = 0; i < perFaceNme.Length; i++)
        {
            var bin = YawBin(yawDegrees[i]);
            sums[bin] += perFaceNme[i];
            counts[bin]++;
        }

        for (var b = 0; b < 3; b++)
        {
            if (counts[b] == 0)
                throw new ArgumentException($"no face has |yaw| in {YawBinNames[b]}; 3DDFA's mean needs all three bins", nameof(yawDegrees));
        }

        var means = new double[3];
        for (var b = 0; b < 3; b++)
            means[b] = sums[b] / counts[b];
        return new YawBinnedNme(means[0], means[1], means[2], (means[0] + means[1] + means[2]) / 3, counts);
    }

    /// <summary>The names of the yaw bins, in order.</summary>
    public static IReadOnlyList<string> YawBinNames { get; } = ["[0°, 30°]", "(30°, 60°]", "(60°, 90°]"];

    /// <summary>Which of 3DDFA's three bins a yaw falls in (0, 1 or 2).</summary>
    public static int YawBin(double yawDegrees)
    {
        var a = Math.Abs(yawDegrees);
        return a <= 30 ? 0 : a <= 60 ? 1 : 2;
    }

    private static double Length(ReadOnlySpan<float> truth, LandmarkNormaliser normaliser, int face)
    {
        switch (normaliser)
        {
            case LandmarkNormaliser.Points(var a, var b):
                {
                    double dx = truth[2 * a] - truth[2 * b];
                    double dy = truth[(2 * a) + 1] - truth[(2 * b) + 1];
                    return Math.Sqrt((dx * dx) + (dy * dy));
                }

            case LandmarkNormaliser.Given given:
                return given.PerFace[face];
            case LandmarkNormaliser.TightBox:
                return LandmarkMetrics.BoxSize(truth, 2);
            default:
                throw new ArgumentOutOfRangeException(nameof(normaliser), normaliser, "unknown landmark normaliser");
        }
    }
}

/// <summary>AFLW2000-3D's NME per yaw bin and their mean, with the faces in each bin.</summary>
public sealed record YawBinnedNme(double Yaw0To30, double Yaw30To60, double Yaw60To90, double Mean, IReadOnlyList<int> Counts);
