using System.Buffers;
using System.Numerics;

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

    /// <summary>Separable 3×3 box blur, <paramref name="passes"/> times.</summary>
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
                        var row = y * size;
                        for (var x = 0; x < size; x++)
                        {
                            var left = channel[row + Math.Max(x - 1, 0)];
                            var right = channel[row + Math.Min(x + 1, size - 1)];
                            scratch[row + x] = (left + channel[row + x] + right) * (1f / 3f);
                        }
                    }

                    for (var y = 0; y < size; y++)
                    {
                        var up = Math.Max(y - 1, 0) * size;
                        var row = y * size;
                        var down = Math.Min(y + 1, size - 1) * size;
                        for (var x = 0; x < size; x++)
                        {
                            channel[row + x] = (scratch[up + x] + scratch[row + x] + scratch[down + x]) * (1f / 3f);
                        }
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
        }
    }

    /// <summary>Adds noise with standard deviation <paramref name="sigma"/> (sum of three uniforms per value).</summary>
    public static void Noise(Span<float> pixels, ref SynthRandom rng, float sigma)
    {
        if (sigma <= 0f)
        {
            return;
        }

        // Each 64-bit draw yields three 21-bit uniforms; their centred sum has standard deviation 2^21 / 2.
        var local = rng;
        var scale = 2f * sigma / (1 << 21);
        const int Centre = 3 << 20;
        for (var i = 0; i < pixels.Length; i++)
        {
            var bits = local.NextULong();
            var sum = (int)(bits & 0x1FFFFF) + (int)((bits >> 21) & 0x1FFFFF) + (int)((bits >> 42) & 0x1FFFFF);
            pixels[i] += (sum - Centre) * scale;
        }

        rng = local;
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
