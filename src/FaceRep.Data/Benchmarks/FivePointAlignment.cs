namespace FaceRep.Data.Benchmarks;

/// <summary>
/// A similarity of the plane (rotation, uniform scale, translation; no reflection): x' = A·x − B·y + Tx, y' = B·x + A·y + Ty,
/// in pixel-centre coordinates (pixel i at i, as OpenCV's warpAffine reads them).
/// </summary>
public readonly record struct Similarity(double A, double B, double Tx, double Ty)
{
    /// <summary>The scale factor.</summary>
    public double Scale => Math.Sqrt((A * A) + (B * B));

    /// <summary>Where (x, y) goes.</summary>
    public (double X, double Y) Apply(double x, double y) => ((A * x) - (B * y) + Tx, (B * x) + (A * y) + Ty);

    /// <summary>The inverse map.</summary>
    public Similarity Inverse()
    {
        var d = (A * A) + (B * B);
        var (a, b) = (A / d, -B / d);
        return new Similarity(a, b, -((a * Tx) - (b * Ty)), -((b * Tx) + (a * Ty)));
    }
}

/// <summary>
/// Five-point face alignment as insightface aligns faces for recognition: the similarity that best maps a face's eye
/// centres, nose tip and mouth corners onto ArcFace's 112 × 112 template, in the least-squares sense (Umeyama's estimate,
/// scikit-image's <c>SimilarityTransform.estimate</c>, which insightface's <c>norm_crop</c> uses).
/// </summary>
public static class FivePointAlignment
{
    /// <summary>ArcFace's template at 112 × 112: left eye, right eye, nose tip, left and right mouth corners (x, y).</summary>
    public static IReadOnlyList<float> ArcFace112 { get; } =
        [38.2946f, 51.6963f, 73.5318f, 51.5014f, 56.0252f, 71.7366f, 41.5493f, 92.3655f, 70.7299f, 92.2041f];

    /// <summary>The template for a crop of <paramref name="size"/> pixels: ArcFace's scaled by size / 112.</summary>
    public static float[] Template(int size) => [.. ArcFace112.Select(v => v * size / 112f)];

    /// <summary>The least-squares similarity taking the points <paramref name="source"/> to <paramref name="target"/> ((x, y) each, as many).</summary>
    /// <exception cref="ArgumentException">The lengths differ, there are fewer than two points, or the source points coincide.</exception>
    public static Similarity Estimate(ReadOnlySpan<float> source, ReadOnlySpan<float> target)
    {
        if (source.Length != target.Length || source.Length < 4 || source.Length % 2 != 0)
            throw new ArgumentException($"{source.Length} and {target.Length} values are not as many (x, y) points, at least two");
        var n = source.Length / 2;
        double sx = 0, sy = 0, tx = 0, ty = 0;
        for (var i = 0; i < n; i++)
        {
            (sx, sy) = (sx + source[2 * i], sy + source[(2 * i) + 1]);
            (tx, ty) = (tx + target[2 * i], ty + target[(2 * i) + 1]);
        }

        (sx, sy, tx, ty) = (sx / n, sy / n, tx / n, ty / n);
        // As complex numbers z (source) and w (target), centred: a = Σ w·conj(z) / Σ |z|², the optimal rotation and scale.
        double re = 0, im = 0, norm = 0;
        for (var i = 0; i < n; i++)
        {
            var (zx, zy) = (source[2 * i] - sx, source[(2 * i) + 1] - sy);
            var (wx, wy) = (target[2 * i] - tx, target[(2 * i) + 1] - ty);
            re += (wx * zx) + (wy * zy);
            im += (wy * zx) - (wx * zy);
            norm += (zx * zx) + (zy * zy);
        }

        if (!(norm > 0))
            throw new ArgumentException("the source points coincide: no similarity is determined", nameof(source));
        var (a, b) = (re / norm, im / norm);
        return new Similarity(a, b, tx - ((a * sx) - (b * sy)), ty - ((b * sx) + (a * sy)));
    }
}
