using FaceRep.Data.Formats;

namespace FaceRep.Data.Benchmarks;

/// <summary>
/// One face as a benchmark's reader finds it in the distributed files, before cropping: where its image is,
/// its annotation in the original image, and the region its community's crop rule keeps.
/// </summary>
public sealed record SourceFace
{
    /// <summary>The image's path relative to the source directory (with a face number when an image holds several).</summary>
    public required string Source { get; init; }

    /// <summary>The image file to read (or, with <see cref="LoadImage"/>, the file the image is inside).</summary>
    public required string ImagePath { get; init; }

    /// <summary>
    /// Reads the encoded image when it is not a file of its own (COFW keeps its images inside its <c>.mat</c>): called once,
    /// on an import thread; null to read <see cref="ImagePath"/>. Throws <see cref="CorruptSampleException"/> when it cannot.
    /// </summary>
    public Func<byte[]>? LoadImage { get; init; }

    /// <summary><see cref="BenchmarkSplits.Train"/> or <see cref="BenchmarkSplits.Test"/>.</summary>
    public required string Split { get; init; }

    /// <summary>Official subsets beyond the split.</summary>
    public IReadOnlyList<string> Subsets { get; init; } = [];

    /// <summary>The subject, or −1.</summary>
    public int Subject { get; init; } = -1;

    /// <summary>Points as the reader gives them, (x, y) or (x, y, z) per point.</summary>
    public float[] Points { get; init; } = [];

    /// <summary>What to add to a reader's x and y to get continuous coordinates (pixel i spans [i, i + 1)): +0.5 for 0-based pixel centres.</summary>
    public float ToContinuous { get; init; }

    /// <summary>The square region of the original image (continuous coordinates) the crop rule keeps.</summary>
    public required ImageRegion Region { get; init; }

    /// <summary>
    /// Five-point alignment: the similarity from the image's pixel-centre coordinates to the crop's at 112 pixels (scaled to
    /// the stored size); when set, the crop is this warp rather than <see cref="Region"/>, which then only bounds it.
    /// </summary>
    public Similarity? Alignment { get; init; }

    /// <summary>A normalising length the annotation gives, or NaN.</summary>
    public double Normaliser { get; init; } = double.NaN;

    /// <summary>Yaw, pitch, roll in degrees, or empty.</summary>
    public float[] Pose { get; init; } = [];

    /// <summary>Per-point visibility, or empty.</summary>
    public bool[] Visible { get; init; } = [];

    /// <summary>Scalar targets, or empty.</summary>
    public float[] Values { get; init; } = [];

    /// <summary>Class label, or −1.</summary>
    public int Class { get; init; } = -1;
}

/// <summary>The crop rules of the benchmarks' communities, as regions of the original image in continuous coordinates.</summary>
public static class CropRules
{
    /// <summary>
    /// HRNet's rule: centred on the box, a square of side max(w, h) × 1.25 (HRNet's scale = max(w, h) / 200,
    /// enlarged by 1.25, the crop covering 200 × scale pixels).
    /// </summary>
    public static ImageRegion Hrnet(float left, float top, float right, float bottom)
    {
        var side = Math.Max(right - left, bottom - top) * 1.25f;
        var (cx, cy) = ((left + right) / 2, (top + bottom) / 2);
        return new ImageRegion(cx - (side / 2), cy - (side / 2), side, side);
    }

    /// <summary>The tight box of (x, y) points in continuous coordinates: left, top, right, bottom.</summary>
    public static (float Left, float Top, float Right, float Bottom) Box(ReadOnlySpan<float> points, int dimensions, float toContinuous)
    {
        float l = float.PositiveInfinity, t = float.PositiveInfinity, r = float.NegativeInfinity, b = float.NegativeInfinity;
        for (var i = 0; i + 1 < points.Length; i += dimensions)
        {
            l = Math.Min(l, points[i] + toContinuous);
            r = Math.Max(r, points[i] + toContinuous);
            t = Math.Min(t, points[i + 1] + toContinuous);
            b = Math.Max(b, points[i + 1] + toContinuous);
        }

        return (l, t, r, b);
    }
}
