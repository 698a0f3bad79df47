using FaceRep.Data.Landmarks;

namespace FaceRep.Data;

/// <summary>A crop box in source pixels, and whether the view is mirrored.</summary>
/// <param name="X0">Left edge.</param>
/// <param name="Y0">Top edge.</param>
/// <param name="Width">Width.</param>
/// <param name="Height">Height.</param>
/// <param name="Flip">Mirrored left–right.</param>
public readonly record struct ViewGeometry(double X0, double Y0, double Width, double Height, bool Flip)
{
    /// <summary>The whole image, unmirrored.</summary>
    public static ViewGeometry Identity(int resolution) => new(0, 0, resolution, resolution, false);
}

/// <summary>Geometric augmentation with consistent targets, blur, and SwAV-style multi-crop.</summary>
public static partial class Augment
{
    /// <summary>
    /// Writes the view <paramref name="geometry"/> of <paramref name="src"/> (square, <paramref name="srcResolution"/>)
    /// into <paramref name="dst"/> (square, <paramref name="dstResolution"/>) and moves the targets with it:
    /// 2D points (x, y interleaved) and 3D points (x, y, z interleaved; z scales with x and y) are mapped into
    /// the view's pixel frame and, when mirrored, re-indexed by the layout's mirror map.
    /// </summary>
    public static void ApplyView(ReadOnlySpan<float> src, int srcResolution, Span<float> dst, int dstResolution,
        ViewGeometry geometry, Span<float> points2D, Span<float> points3D)
    {
        ValidatePair(src, srcResolution, dst, dstResolution);
        Resample(src, srcResolution, dst, dstResolution, geometry.X0, geometry.Y0, geometry.Width, geometry.Height, geometry.Flip);
        MapPoints(points2D, 2, geometry, dstResolution);
        MapPoints(points3D, 3, geometry, dstResolution);
    }

    /// <summary>
    /// A mild random view for supervised tasks: crop of area <paramref name="minArea"/>–1 with aspect
    /// 3/4–4/3, mirrored with probability <paramref name="flipProbability"/>; targets follow. Returns the
    /// geometry used.
    /// </summary>
    public static ViewGeometry RandomTaskView(ReadOnlySpan<float> src, Span<float> dst, int resolution, Span<float> points2D, Span<float> points3D,
        Random rng, double minArea = 0.7, double flipProbability = 0.5)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var (x0, y0, w, h) = RandomCrop(resolution, rng, minArea, 1.0);
        var geometry = new ViewGeometry(x0, y0, w, h, rng.NextDouble() < flipProbability);
        ApplyView(src, resolution, dst, resolution, geometry, points2D, points3D);
        return geometry;
    }

    /// <summary>
    /// SwAV multi-crop: <paramref name="large"/> views at the source resolution with crop area
    /// <paramref name="largeScale"/> and <paramref name="small"/> views at <paramref name="smallResolution"/> with
    /// crop area <paramref name="smallScale"/> (fractions of the image; the paper uses 0.14–1 and 0.05–0.14),
    /// each flipped with p = 0.5 and colour-jittered as <see cref="RandomView(ReadOnlySpan{float}, Span{float}, int, Random, ViewAugmentation)"/>
    /// with <paramref name="augmentation"/> (the default when null; its crop area is not used).
    /// </summary>
    public static void MultiCrop(ReadOnlySpan<float> src, int resolution, IReadOnlyList<float[]> large, IReadOnlyList<float[]> small, int smallResolution,
        Random rng, (double Min, double Max) largeScale, (double Min, double Max) smallScale, ViewAugmentation? augmentation = null)
    {
        ArgumentNullException.ThrowIfNull(rng);
        augmentation ??= ViewAugmentation.Default;
        foreach (var (views, size, scale) in new[] { (large, resolution, largeScale), (small, smallResolution, smallScale) })
        {
            if (!(scale.Min > 0 && scale.Min <= scale.Max && scale.Max <= 1))
                throw new ArgumentOutOfRangeException(nameof(largeScale), $"crop scales must satisfy 0 < min ≤ max ≤ 1; got {scale.Min}–{scale.Max}");
            foreach (var view in views)
            {
                var (x0, y0, w, h) = RandomCrop(resolution, rng, scale.Min, scale.Max);
                ValidatePair(src, resolution, view, size);
                Resample(src, resolution, view, size, x0, y0, w, h, rng.NextDouble() < 0.5);
                if (rng.NextDouble() < augmentation.JitterProbability)
                {
                    Brightness(view, Factor(rng, augmentation.Jitter));
                    Contrast(view, size, Factor(rng, augmentation.Jitter));
                    Saturation(view, size, Factor(rng, augmentation.Jitter));
                }

                if (rng.NextDouble() < augmentation.GrayscaleProbability)
                    Grayscale(view, size);
            }
        }
    }

    /// <summary>Gaussian blur in place (separable, σ in pixels, edges clamped).</summary>
    public static void GaussianBlur(Span<float> image, int resolution, double sigma)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sigma);
        var radius = Math.Max(1, (int)Math.Ceiling(3 * sigma));
        Span<float> kernel = stackalloc float[(2 * radius) + 1];
        var total = 0f;
        for (var i = -radius; i <= radius; i++)
        {
            kernel[i + radius] = (float)Math.Exp(-(i * i) / (2 * sigma * sigma));
            total += kernel[i + radius];
        }

        for (var i = 0; i < kernel.Length; i++)
            kernel[i] /= total;

        var plane = resolution * resolution;
        var line = new float[resolution];
        for (var c = 0; c < 3; c++)
        {
            var channel = image.Slice(c * plane, plane);
            for (var pass = 0; pass < 2; pass++)
            {
                for (var row = 0; row < resolution; row++)
                {
                    for (var i = 0; i < resolution; i++)
                        line[i] = pass == 0 ? channel[(row * resolution) + i] : channel[(i * resolution) + row];
                    for (var i = 0; i < resolution; i++)
                    {
                        var sum = 0f;
                        for (var k = -radius; k <= radius; k++)
                            sum += kernel[k + radius] * line[Math.Clamp(i + k, 0, resolution - 1)];
                        if (pass == 0)
                            channel[(row * resolution) + i] = sum;
                        else
                            channel[(i * resolution) + row] = sum;
                    }
                }
            }
        }
    }

    /// <summary>Moves interleaved points from source pixels into the view's pixels.</summary>
    internal static void MapPoints(Span<float> points, int dimensions, ViewGeometry g, int dstResolution)
    {
        if (points.IsEmpty)
            return;
        if (points.Length % dimensions != 0)
            throw new ArgumentException($"{points.Length} values are not whole {dimensions}-D points", nameof(points));
        var sx = dstResolution / g.Width;
        var sy = dstResolution / g.Height;
        var sz = Math.Sqrt(sx * sy);
        for (var i = 0; i < points.Length; i += dimensions)
        {
            points[i] = (float)((points[i] - g.X0) * sx);
            points[i + 1] = (float)((points[i + 1] - g.Y0) * sy);
            if (dimensions == 3)
                points[i + 2] = (float)(points[i + 2] * sz);
        }

        if (g.Flip)
            LandmarkSchemes.MirrorInPlace(points, dimensions, dstResolution);
    }

    /// <summary>
    /// Bilinear resampling of the crop box (x0, y0, width, height), in source pixel units, of a square source
    /// onto the whole of a square destination of any size, mirrored left–right when <paramref name="flip"/> is
    /// set. Out-of-range samples clamp to the edge.
    /// </summary>
    internal static void Resample(ReadOnlySpan<float> src, int srcResolution, Span<float> dst, int dstResolution,
        double x0, double y0, double width, double height, bool flip)
    {
        var srcPlane = srcResolution * srcResolution;
        var dstPlane = dstResolution * dstResolution;
        var sx = (float)(width / dstResolution);
        var sy = (float)(height / dstResolution);
        var last = srcResolution - 1;
        for (var v = 0; v < dstResolution; v++)
        {
            var fy = Math.Clamp((float)y0 + ((v + 0.5f) * sy) - 0.5f, 0f, last);
            var iy = Math.Min((int)fy, last);
            var wy = fy - iy;
            var iy1 = Math.Min(iy + 1, last);
            for (var u = 0; u < dstResolution; u++)
            {
                var column = flip ? dstResolution - 1 - u : u;
                var fx = Math.Clamp((float)x0 + ((column + 0.5f) * sx) - 0.5f, 0f, last);
                var ix = Math.Min((int)fx, last);
                var wx = fx - ix;
                var ix1 = Math.Min(ix + 1, last);
                for (var c = 0; c < 3; c++)
                {
                    var channel = src.Slice(c * srcPlane, srcPlane);
                    var top = channel[(iy * srcResolution) + ix] + ((channel[(iy * srcResolution) + ix1] - channel[(iy * srcResolution) + ix]) * wx);
                    var bottom = channel[(iy1 * srcResolution) + ix] + ((channel[(iy1 * srcResolution) + ix1] - channel[(iy1 * srcResolution) + ix]) * wx);
                    dst[(c * dstPlane) + (v * dstResolution) + u] = top + ((bottom - top) * wy);
                }
            }
        }
    }

    private static (double X0, double Y0, double Width, double Height) RandomCrop(int resolution, Random rng, double minArea, double maxArea)
    {
        var area = (double)resolution * resolution;
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var target = area * (minArea + ((maxArea - minArea) * rng.NextDouble()));
            var ratio = Math.Exp(LogMinRatio + ((LogMaxRatio - LogMinRatio) * rng.NextDouble()));
            var width = Math.Sqrt(target * ratio);
            var height = Math.Sqrt(target / ratio);
            if (width <= resolution && height <= resolution)
                return ((resolution - width) * rng.NextDouble(), (resolution - height) * rng.NextDouble(), width, height);
        }

        var side = resolution * Math.Sqrt(Math.Clamp(maxArea, minArea, 1));
        return ((resolution - side) / 2, (resolution - side) / 2, side, side);
    }

    private static void ValidatePair(ReadOnlySpan<float> src, int srcResolution, ReadOnlySpan<float> dst, int dstResolution)
    {
        if (srcResolution < 1 || dstResolution < 1)
            throw new ArgumentOutOfRangeException(nameof(srcResolution), $"resolutions must be at least 1; got {srcResolution} and {dstResolution}");
        if (src.Length != 3L * srcResolution * srcResolution)
            throw new ArgumentException($"The source image holds {src.Length} values; a {srcResolution}×{srcResolution} RGB image needs {3L * srcResolution * srcResolution}.", nameof(src));
        if (dst.Length != 3L * dstResolution * dstResolution)
            throw new ArgumentException($"The destination image holds {dst.Length} values; a {dstResolution}×{dstResolution} RGB image needs {3L * dstResolution * dstResolution}.", nameof(dst));
        if (src.Overlaps(dst))
            throw new ArgumentException("The source and destination images must not overlap.", nameof(dst));
    }
}
