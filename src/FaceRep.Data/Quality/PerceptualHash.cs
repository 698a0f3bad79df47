using System.Numerics;

namespace FaceRep.Data.Quality;

/// <summary>
/// A 64-bit DCT perceptual hash: the image in grey, reduced to 32×32, its 8×8 lowest DCT
/// frequencies (without the DC term's row and column offset), thresholded at their median.
/// Near-identical images differ in few bits; unrelated images in about half.
/// </summary>
public static class PerceptualHash
{
    private const int Size = 32;
    private const int Low = 8;
    private static readonly float[] Cosines = BuildCosines();

    /// <summary>The hash of a planar RGB (CHW) image in [0, 1].</summary>
    public static ulong Of(ReadOnlySpan<float> pixels, int resolution)
    {
        if (pixels.Length != 3 * resolution * resolution)
            throw new ArgumentException($"{pixels.Length} values are not a {resolution}×{resolution} RGB image", nameof(pixels));
        Span<float> grey = stackalloc float[Size * Size];
        var plane = resolution * resolution;
        // Box-average the image onto a 32×32 grid.
        for (var gy = 0; gy < Size; gy++)
        {
            var y0 = gy * resolution / Size;
            var y1 = Math.Max(y0 + 1, (gy + 1) * resolution / Size);
            for (var gx = 0; gx < Size; gx++)
            {
                var x0 = gx * resolution / Size;
                var x1 = Math.Max(x0 + 1, (gx + 1) * resolution / Size);
                var sum = 0f;
                for (var y = y0; y < y1; y++)
                {
                    for (var x = x0; x < x1; x++)
                    {
                        var i = (y * resolution) + x;
                        sum += (0.299f * pixels[i]) + (0.587f * pixels[plane + i]) + (0.114f * pixels[(2 * plane) + i]);
                    }
                }

                grey[(gy * Size) + gx] = sum / ((y1 - y0) * (x1 - x0));
            }
        }

        // The 8×8 lowest frequencies of the 2D DCT-II.
        Span<float> coefficients = stackalloc float[Low * Low];
        Span<float> rows = stackalloc float[Low * Size];
        for (var u = 0; u < Low; u++)
        {
            for (var y = 0; y < Size; y++)
            {
                var sum = 0f;
                for (var x = 0; x < Size; x++)
                    sum += grey[(y * Size) + x] * Cosines[(u * Size) + x];
                rows[(u * Size) + y] = sum;
            }
        }

        for (var v = 0; v < Low; v++)
        {
            for (var u = 0; u < Low; u++)
            {
                var sum = 0f;
                for (var y = 0; y < Size; y++)
                    sum += rows[(u * Size) + y] * Cosines[(v * Size) + y];
                coefficients[(v * Low) + u] = sum;
            }
        }

        // Median of the 63 coefficients other than DC.
        Span<float> sorted = stackalloc float[(Low * Low) - 1];
        coefficients[1..].CopyTo(sorted);
        sorted.Sort();
        var median = sorted[sorted.Length / 2];
        ulong hash = 0;
        for (var k = 1; k < Low * Low; k++)
        {
            if (coefficients[k] > median)
                hash |= 1UL << k;
        }

        return hash;
    }

    /// <summary>Bits in which two hashes differ.</summary>
    public static int Distance(ulong a, ulong b) => BitOperations.PopCount(a ^ b);

    private static float[] BuildCosines()
    {
        var table = new float[Low * Size];
        for (var u = 0; u < Low; u++)
        {
            for (var x = 0; x < Size; x++)
                table[(u * Size) + x] = (float)Math.Cos(Math.PI * u * ((2 * x) + 1) / (2.0 * Size));
        }

        return table;
    }
}
