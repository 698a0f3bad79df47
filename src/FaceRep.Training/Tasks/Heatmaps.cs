using static TorchSharp.torch;

namespace FaceRep.Training.Tasks;

/// <summary>
/// Heatmap targets and sub-pixel decoding. A heatmap of size H over an image of size R has
/// stride s = R/H; its pixel k covers image coordinates [k·s, (k+1)·s), centre (k + ½)·s
/// (image pixel i spans [i, i + 1), as SynthFace's points).
/// </summary>
public static class Heatmaps
{
    /// <summary>Gaussian width of the targets, in heatmap pixels.</summary>
    public const double Sigma = 1.0;

    /// <summary>Gaussian heatmaps (N, P, H, H) peaking at 1 on the points (N, 2P, image pixels).</summary>
    public static Tensor Targets(Tensor points, long heatmapSize, int resolution)
    {
        using var scope = NewDisposeScope();
        var stride = (double)resolution / heatmapSize;
        var n = points.shape[0];
        var p = points.shape[1] / 2;
        // Point positions in heatmap pixel units, measured from the first pixel's centre.
        var xy = points.reshape(n, p, 2).div(tensor(stride)).sub(tensor(0.5));
        var x = xy.select(2, 0).reshape(n, p, 1, 1);
        var y = xy.select(2, 1).reshape(n, p, 1, 1);
        var grid = tensor(Enumerable.Range(0, (int)heatmapSize).Select(i => (float)i).ToArray());
        var dx = grid.reshape(1, 1, 1, heatmapSize).sub(x);
        var dy = grid.reshape(1, 1, heatmapSize, 1).sub(y);
        // x·x rather than square(), which passes libtorch a temporary exponent scalar.
        var d2 = dx.mul(dx).add(dy.mul(dy), HeldScalars.One);
        return d2.mul(tensor(-1 / (2 * Sigma * Sigma))).exp().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Points (N, 2P, image pixels) from heatmaps (N, P, H, H): the arg-max pixel, refined along
    /// each axis by the peak of a parabola through the logarithms of it and its two neighbours
    /// (exact for a Gaussian peak), the offset limited to half a pixel.
    /// </summary>
    public static Tensor Decode(Tensor heatmaps, int resolution)
    {
        var n = (int)heatmaps.shape[0];
        var p = (int)heatmaps.shape[1];
        var h = (int)heatmaps.shape[2];
        var w = (int)heatmaps.shape[3];
        var values = heatmaps.contiguous().data<float>().ToArray();
        var stride = (double)resolution / h;
        var points = new float[n * p * 2];
        for (var m = 0; m < n * p; m++)
        {
            var map = values.AsSpan(m * h * w, h * w);
            var best = 0;
            for (var i = 1; i < map.Length; i++)
            {
                if (map[i] > map[best])
                    best = i;
            }

            int by = best / w, bx = best % w;
            var ox = bx > 0 && bx < w - 1 ? Offset(map[best - 1], map[best], map[best + 1]) : 0;
            var oy = by > 0 && by < h - 1 ? Offset(map[best - w], map[best], map[best + w]) : 0;
            points[2 * m] = (float)((bx + ox + 0.5) * stride);
            points[(2 * m) + 1] = (float)((by + oy + 0.5) * stride);
        }

        return tensor(points, [n, 2L * p]);
    }

    /// <summary>The vertex of the parabola through (−1, ln a), (0, ln b), (1, ln c), clamped to ±½.</summary>
    internal static double Offset(float a, float b, float c)
    {
        const double floor = 1e-10;
        double la = Math.Log(Math.Max(a, floor)), lb = Math.Log(Math.Max(b, floor)), lc = Math.Log(Math.Max(c, floor));
        var curvature = la - (2 * lb) + lc;
        if (!(curvature < 0))
            return 0;
        return Math.Clamp(0.5 * (la - lc) / curvature, -0.5, 0.5);
    }
}
