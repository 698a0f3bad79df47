using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;

namespace FaceRep.Data.Synth;

/// <summary>Whole-image finishing: occluders, blur, sensor noise, grayscale, exposure and tint, clamping.</summary>
internal static class Effects
{
    public static void Occlude(Canvas canvas, ref SynthRandom rng, int count, Vector2 faceCentre, float faceSize)
    {
        Span<Vector2> corners = stackalloc Vector2[4];
        for (var i = 0; i < count; i++)
        {
            var colour = rng.Chance(0.3f)
                ? Vector3.Lerp(new Vector3(0.95f, 0.8f, 0.7f), new Vector3(0.35f, 0.22f, 0.16f), rng.NextFloat())
                : Colours.Random(ref rng);
            var centre = faceCentre + new Vector2(rng.Symmetric(0.45f * faceSize), rng.Symmetric(0.55f * faceSize));
            var rx = rng.Range(0.12f, 0.4f) * faceSize;
            var ry = rng.Range(0.12f, 0.4f) * faceSize;
            var angle = rng.Symmetric(0.6f);
            var paint = new SolidPaint(colour, 1f);
            if (rng.Chance(0.5f))
            {
                Backdrop.Rectangle(corners, centre, rx, ry, angle);
                canvas.FillPolygon(corners, paint);
            }
            else
            {
                canvas.FillEllipse(centre, rx, ry, angle, paint);
            }
        }
    }

    /// <summary>Separable 3×3 box blur (edges repeat the border pixel), <paramref name="passes"/> times.</summary>
    public static void Blur(Span<float> pixels, int size, int passes)
    {
        if (passes <= 0)
        {
            return;
        }

        var plane = size * size;
        var scratch = ArrayPool<float>.Shared.Rent(plane);
        try
        {
            for (var pass = 0; pass < passes; pass++)
            {
                for (var c = 0; c < 3; c++)
                {
                    var channel = pixels.Slice(c * plane, plane);
                    for (var y = 0; y < size; y++)
                    {
                        BlurRow(channel.Slice(y * size, size), scratch.AsSpan(y * size, size));
                    }

                    for (var y = 0; y < size; y++)
                    {
                        var up = scratch.AsSpan(Math.Max(y - 1, 0) * size, size);
                        var row = scratch.AsSpan(y * size, size);
                        var down = scratch.AsSpan(Math.Min(y + 1, size - 1) * size, size);
                        SumOfThree(up, row, down, channel.Slice(y * size, size));
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
        }
    }

    /// <summary>output[x] = (row[x − 1] + row[x] + row[x + 1]) / 3, the ends repeating the border value.</summary>
    private static void BlurRow(ReadOnlySpan<float> row, Span<float> output)
    {
        const float Third = 1f / 3f;
        var n = row.Length;
        output[0] = (row[0] + row[0] + row[1]) * Third;
        output[n - 1] = (row[n - 2] + row[n - 1] + row[n - 1]) * Third;
        ref var source = ref MemoryMarshal.GetReference(row);
        ref var target = ref MemoryMarshal.GetReference(output);
        var x = 1;
        var width = Vector<float>.Count;
        for (; x + width < n; x += width)
        {
            var left = Vector.LoadUnsafe(ref source, (nuint)(x - 1));
            var centre = Vector.LoadUnsafe(ref source, (nuint)x);
            var right = Vector.LoadUnsafe(ref source, (nuint)(x + 1));
            ((left + centre + right) * Third).StoreUnsafe(ref target, (nuint)x);
        }

        for (; x < n - 1; x++)
        {
            output[x] = (row[x - 1] + row[x] + row[x + 1]) * Third;
        }
    }

    /// <summary>output[x] = (a[x] + b[x] + c[x]) / 3, all four the same length.</summary>
    private static void SumOfThree(ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> c, Span<float> output)
    {
        const float Third = 1f / 3f;
        var n = output.Length;
        if (a.Length != n || b.Length != n || c.Length != n)
        {
            throw new ArgumentException("The rows differ in length.", nameof(output));
        }

        ref var ra = ref MemoryMarshal.GetReference(a);
        ref var rb = ref MemoryMarshal.GetReference(b);
        ref var rc = ref MemoryMarshal.GetReference(c);
        ref var target = ref MemoryMarshal.GetReference(output);
        var x = 0;
        var width = Vector<float>.Count;
        for (; x <= n - width; x += width)
        {
            var sum = Vector.LoadUnsafe(ref ra, (nuint)x) + Vector.LoadUnsafe(ref rb, (nuint)x) + Vector.LoadUnsafe(ref rc, (nuint)x);
            (sum * Third).StoreUnsafe(ref target, (nuint)x);
        }

        for (; x < n; x++)
        {
            output[x] = (a[x] + b[x] + c[x]) * Third;
        }
    }

    /// <summary>
    /// Adds noise with standard deviation <paramref name="sigma"/>: per value, the centred sum of the four bytes of
    /// a keyed 32-bit hash of its position (near-Gaussian, Irwin–Hall of four). One draw from
    /// <paramref name="rng"/> keys the whole image, so the values do not depend on how they are computed.
    /// </summary>
    public static void Noise(Span<float> pixels, ref SynthRandom rng, float sigma)
    {
        if (sigma <= 0f)
        {
            return;
        }

        // Four uniform bytes sum to a mean of 510 and a variance of 4·(256² − 1)/12.
        const int Centre = 510;
        var scale = sigma / MathF.Sqrt(4f * ((256f * 256f) - 1f) / 12f);
        var key = rng.NextULong();
        var first = (uint)key;
        var second = (uint)(key >> 32);
        var i = 0;
        var width = Vector<uint>.Count;
        ref var target = ref MemoryMarshal.GetReference(pixels);
        if (Vector.IsHardwareAccelerated && pixels.Length >= width)
        {
            Span<uint> lanes = stackalloc uint[width];
            for (var k = 0; k < width; k++)
            {
                lanes[k] = (uint)k;
            }

            var index = new Vector<uint>(lanes);
            var step = new Vector<uint>((uint)width);
            var firstKey = new Vector<uint>(first);
            var secondKey = new Vector<uint>(second);
            var bytes = new Vector<uint>(0xFFu);
            var centre = new Vector<int>(Centre);
            var vectorScale = new Vector<float>(scale);
            for (; i <= pixels.Length - width; i += width, index += step)
            {
                var h = Hash(Hash(index + firstKey) ^ secondKey);
                var sum = (h & bytes) + (Vector.ShiftRightLogical(h, 8) & bytes) + (Vector.ShiftRightLogical(h, 16) & bytes) + Vector.ShiftRightLogical(h, 24);
                var value = Vector.LoadUnsafe(ref target, (nuint)i);
                (value + (Vector.ConvertToSingle(Vector.AsVectorInt32(sum) - centre) * vectorScale)).StoreUnsafe(ref target, (nuint)i);
            }
        }

        for (; i < pixels.Length; i++)
        {
            var h = Hash(Hash((uint)i + first) ^ second);
            var sum = (h & 0xFFu) + ((h >> 8) & 0xFFu) + ((h >> 16) & 0xFFu) + (h >> 24);
            pixels[i] += (float)((int)sum - Centre) * scale;
        }
    }

    /// <summary>Wellons' lowbias32: a bijective 32-bit integer hash.</summary>
    private static uint Hash(uint x)
    {
        x ^= x >> 16;
        x *= 0x7FEB352Du;
        x ^= x >> 15;
        x *= 0x846CA68Bu;
        return x ^ (x >> 16);
    }

    private static Vector<uint> Hash(Vector<uint> x)
    {
        x ^= Vector.ShiftRightLogical(x, 16);
        x *= 0x7FEB352Du;
        x ^= Vector.ShiftRightLogical(x, 15);
        x *= 0x846CA68Bu;
        return x ^ Vector.ShiftRightLogical(x, 16);
    }

    /// <summary>Applies contrast about mid-grey, exposure and a colour tint, optionally drops colour, and clamps to [0, 1].</summary>
    public static void Finish(Span<float> pixels, int size, float contrast, float exposure, Vector3 tint, bool grayscale)
    {
        // ((x − 0.5)·contrast + 0.5)·gain = x·(contrast·gain) + (0.5 − 0.5·contrast)·gain
        var plane = size * size;
        var gain = tint * exposure;
        var bias = 0.5f - (0.5f * contrast);
        var r = pixels[..plane];
        var g = pixels.Slice(plane, plane);
        var b = pixels.Slice(2 * plane, plane);
        Affine(r, contrast * gain.X, bias * gain.X);
        Affine(g, contrast * gain.Y, bias * gain.Y);
        Affine(b, contrast * gain.Z, bias * gain.Z);
        if (grayscale)
        {
            for (var i = 0; i < plane; i++)
            {
                var gray = (0.299f * r[i]) + (0.587f * g[i]) + (0.114f * b[i]);
                r[i] = gray;
                g[i] = gray;
                b[i] = gray;
            }
        }

        ClampToUnit(pixels[..(3 * plane)]);
    }

    private static void Affine(Span<float> values, float scale, float bias)
    {
        var vectorScale = new Vector<float>(scale);
        var vectorBias = new Vector<float>(bias);
        var i = 0;
        for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            var slice = values.Slice(i, Vector<float>.Count);
            ((new Vector<float>(slice) * vectorScale) + vectorBias).CopyTo(slice);
        }

        for (; i < values.Length; i++)
        {
            values[i] = (values[i] * scale) + bias;
        }
    }

    private static void ClampToUnit(Span<float> values)
    {
        var i = 0;
        for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            var slice = values.Slice(i, Vector<float>.Count);
            Vector.Min(Vector.Max(new Vector<float>(slice), Vector<float>.Zero), Vector<float>.One).CopyTo(slice);
        }

        for (; i < values.Length; i++)
        {
            values[i] = Math.Clamp(values[i], 0f, 1f);
        }
    }
}
