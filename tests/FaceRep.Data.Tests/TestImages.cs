using System.Numerics;
using System.Runtime.InteropServices;

namespace FaceRep.Data.Tests;

/// <summary>Measurements on rendered samples, in the samples' own pixel coordinates.</summary>
internal static class TestImages
{
    public static Vector2 Landmark(FaceSample sample, int i) => new(sample.Landmarks[2 * i], sample.Landmarks[(2 * i) + 1]);

    public static bool IsDistractor(FaceSample sample) => sample.Landmarks.All(v => v == 0f);

    public static Vector3 Pixel(FaceSample sample, int x, int y)
    {
        var r = sample.Resolution;
        x = Math.Clamp(x, 0, r - 1);
        y = Math.Clamp(y, 0, r - 1);
        var i = (y * r) + x;
        var plane = r * r;
        return new Vector3(sample.Pixels[i], sample.Pixels[plane + i], sample.Pixels[(2 * plane) + i]);
    }

    public static float Luma(Vector3 c) => (0.299f * c.X) + (0.587f * c.Y) + (0.114f * c.Z);

    /// <summary>Mean colour of the (2·radius + 1)² pixels around the pixel holding <paramref name="at"/>.</summary>
    public static Vector3 PatchMean(FaceSample sample, Vector2 at, int radius)
    {
        var cx = (int)MathF.Floor(at.X);
        var cy = (int)MathF.Floor(at.Y);
        var sum = Vector3.Zero;
        for (var dy = -radius; dy <= radius; dy++)
        {
            for (var dx = -radius; dx <= radius; dx++)
            {
                sum += Pixel(sample, cx + dx, cy + dy);
            }
        }

        return sum / ((2 * radius) + 1) / ((2 * radius) + 1);
    }

    /// <summary>Standard deviation of luminance over the (2·radius + 1)² pixels around <paramref name="at"/>.</summary>
    public static float PatchContrast(FaceSample sample, Vector2 at, int radius)
    {
        var cx = (int)MathF.Floor(at.X);
        var cy = (int)MathF.Floor(at.Y);
        var sum = 0f;
        var sum2 = 0f;
        var n = 0;
        for (var dy = -radius; dy <= radius; dy++)
        {
            for (var dx = -radius; dx <= radius; dx++)
            {
                var l = Luma(Pixel(sample, cx + dx, cy + dy));
                sum += l;
                sum2 += l * l;
                n++;
            }
        }

        var mean = sum / n;
        return MathF.Sqrt(MathF.Max(0f, (sum2 / n) - (mean * mean)));
    }

    /// <summary>Mean colour of the pixels whose centres lie inside the polygon through the given landmarks.</summary>
    public static (Vector3 Mean, int Count) PolygonMean(FaceSample sample, ReadOnlySpan<int> landmarkIndices)
    {
        var sum = Vector3.Zero;
        var count = 0;
        for (var y = 0; y < sample.Resolution; y++)
        {
            for (var x = 0; x < sample.Resolution; x++)
            {
                if (Inside(sample, landmarkIndices, new Vector2(x + 0.5f, y + 0.5f)))
                {
                    sum += Pixel(sample, x, y);
                    count++;
                }
            }
        }

        return (count > 0 ? sum / count : Vector3.Zero, count);
    }

    public static bool Inside(FaceSample sample, ReadOnlySpan<int> landmarkIndices, Vector2 p)
    {
        var inside = false;
        var a = Landmark(sample, landmarkIndices[^1]);
        foreach (var i in landmarkIndices)
        {
            var b = Landmark(sample, i);
            if ((a.Y <= p.Y) != (b.Y <= p.Y) && p.X < a.X + ((p.Y - a.Y) * (b.X - a.X) / (b.Y - a.Y)))
            {
                inside = !inside;
            }

            a = b;
        }

        return inside;
    }

    public static double MeanAbsoluteDifference(float[] a, float[] b)
    {
        var sum = 0d;
        for (var i = 0; i < a.Length; i++)
        {
            sum += Math.Abs(a[i] - b[i]);
        }

        return sum / a.Length;
    }

    public static void AssertBitIdentical(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        Assert.True(
            MemoryMarshal.AsBytes(expected.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(actual.AsSpan())),
            "The arrays differ bit for bit.");
    }

    /// <summary>Turn of the head from landmark geometry: −1 … 1, zero when the nose tip is midway between the jaw's ends.</summary>
    public static float YawProxy(FaceSample sample)
    {
        var nose = Landmark(sample, 30);
        var left = Vector2.Distance(nose, Landmark(sample, 0));
        var right = Vector2.Distance(nose, Landmark(sample, 16));
        return (left - right) / (left + right);
    }

    public static double StandardDeviation(IReadOnlyCollection<float> values)
    {
        var mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Count);
    }
}
