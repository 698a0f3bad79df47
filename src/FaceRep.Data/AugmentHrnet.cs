using FaceRep.Data.Landmarks;

namespace FaceRep.Data;

/// <summary>HRNet's training augmentation for 2D landmarks on benchmark crops.</summary>
public static partial class Augment
{
    /// <summary>
    /// HRNet's view of a face crop (<c>lib/datasets/face300w.py</c>, training): the region's side scaled by a
    /// factor uniform in 1 ± <paramref name="scaleFactor"/>, rotated by an angle uniform in ±<paramref name="rotationDegrees"/>
    /// with probability <paramref name="rotationProbability"/> (else not), mirrored with probability
    /// <paramref name="flipProbability"/> (points re-indexed by the layout's mirror map). Sampled bilinearly about the
    /// crop's centre; what falls outside the crop is black. <paramref name="points"/> (x, y interleaved, continuous
    /// coordinates) move with the image. Returns (scale, degrees, flipped).
    /// </summary>
    public static (double Scale, double Degrees, bool Flip) HrnetView(ReadOnlySpan<float> src, Span<float> dst, int resolution, Span<float> points, Random rng,
        double scaleFactor = 0.25, double rotationDegrees = 30, double rotationProbability = 0.6, double flipProbability = 0.5)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ValidatePair(src, resolution, dst, resolution);
        var scale = 1 + (scaleFactor * ((2 * rng.NextDouble()) - 1));
        var degrees = rng.NextDouble() <= rotationProbability ? rotationDegrees * ((2 * rng.NextDouble()) - 1) : 0;
        var flip = rng.NextDouble() < flipProbability;
        ApplyHrnetView(src, dst, resolution, points, scale, degrees, flip);
        return (scale, degrees, flip);
    }

    /// <summary>The view of <see cref="HrnetView"/> with its parameters given.</summary>
    public static void ApplyHrnetView(ReadOnlySpan<float> src, Span<float> dst, int resolution, Span<float> points, double scale, double degrees, bool flip)
    {
        ValidatePair(src, resolution, dst, resolution);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(scale);
        var centre = resolution / 2.0;
        var (sin, cos) = Math.SinCos(degrees * Math.PI / 180);
        var plane = resolution * resolution;
        for (var v = 0; v < resolution; v++)
        {
            for (var u = 0; u < resolution; u++)
            {
                // The destination pixel's centre, about the crop's centre, scaled and rotated into the source.
                var (dx, dy) = ((u + 0.5 - centre) * scale, (v + 0.5 - centre) * scale);
                var x = centre + (cos * dx) - (sin * dy);
                var y = centre + (sin * dx) + (cos * dy);
                if (flip)
                    x = resolution - x;
                for (var c = 0; c < 3; c++)
                    dst[(c * plane) + (v * resolution) + u] = Bilinear(src.Slice(c * plane, plane), resolution, x - 0.5, y - 0.5);
            }
        }

        if (flip)
            LandmarkSchemes.MirrorInPlace(points, 2, resolution);
        for (var i = 0; i + 1 < points.Length; i += 2)
        {
            // The inverse map: rotate back and unscale about the centre.
            var (px, py) = (points[i] - centre, points[i + 1] - centre);
            points[i] = (float)(centre + (((cos * px) + (sin * py)) / scale));
            points[i + 1] = (float)(centre + (((-sin * px) + (cos * py)) / scale));
        }
    }

    /// <summary>Bilinear sample at pixel-index coordinates (x, y); zero outside the image.</summary>
    private static float Bilinear(ReadOnlySpan<float> channel, int resolution, double x, double y)
    {
        var x0 = (int)Math.Floor(x);
        var y0 = (int)Math.Floor(y);
        var (wx, wy) = ((float)(x - x0), (float)(y - y0));
        var a = At(channel, resolution, x0, y0);
        var b = At(channel, resolution, x0 + 1, y0);
        var c = At(channel, resolution, x0, y0 + 1);
        var d = At(channel, resolution, x0 + 1, y0 + 1);
        var top = a + ((b - a) * wx);
        var bottom = c + ((d - c) * wx);
        return top + ((bottom - top) * wy);
    }

    private static float At(ReadOnlySpan<float> channel, int resolution, int x, int y) =>
        x < 0 || y < 0 || x >= resolution || y >= resolution ? 0f : channel[(y * resolution) + x];
}
