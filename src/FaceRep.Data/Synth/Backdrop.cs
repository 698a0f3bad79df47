using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;

namespace FaceRep.Data.Synth;

/// <summary>Backgrounds (gradients with low-frequency texture, stripes and clutter) and non-face distractors.</summary>
internal static class Backdrop
{
    private const int MaxGrid = 6;

    public static void Draw(Canvas canvas, ref SynthRandom rng, float clutterRate)
    {
        var size = canvas.Size;
        var c0 = Colours.Random(ref rng);
        var c1 = Colours.Random(ref rng);
        var (sin, cos) = MathF.SinCos(rng.Range(0f, 2f * MathF.PI));
        var slope = rng.Range(0.3f, 1.2f) / size;

        var grid = 2 + rng.NextInt(MaxGrid - 1);
        var amplitude = rng.Range(0f, 0.15f);
        Span<float> cells = stackalloc float[(MaxGrid + 1) * (MaxGrid + 1) * 3];
        for (var i = 0; i < cells.Length; i++)
        {
            cells[i] = rng.Symmetric(amplitude);
        }

        Span<float> rowWave = stackalloc float[SynthFaceDataset.MaxResolution];
        Span<float> columnWave = stackalloc float[SynthFaceDataset.MaxResolution];
        rowWave.Clear();
        columnWave.Clear();
        if (rng.Chance(0.25f))
        {
            var frequency = rng.Range(2f, 10f) * 2f * MathF.PI / size;
            var waveAmplitude = rng.Range(0.03f, 0.12f);
            var phase = rng.Range(0f, 6.3f);
            var target = rng.Chance(0.5f) ? rowWave : columnWave;
            for (var i = 0; i < size; i++)
            {
                target[i] = waveAmplitude * MathF.Sin((frequency * i) + phase);
            }
        }

        // t = 0.5 + ((x + 0.5 − half)·cos + (y + 0.5 − half)·sin)·slope, clamped: the gradient's position.
        var half = 0.5f * size;
        var tx = cos * slope;
        var ty = sin * slope;
        var t0 = 0.5f + ((((0.5f - half) * cos) + ((0.5f - half) * sin)) * slope);
        var delta = c1 - c0;

        // Bilinear texture, separably: per row of cell corners j and channel, its profile across the columns
        // (column x lies in cell ix at fraction fx); each image row then interpolates two profiles in y.
        Span<float> columnT = stackalloc float[size];
        for (var x = 0; x < size; x++)
        {
            columnT[x] = tx * x;
        }

        var cellScale = (float)grid / size;
        var stride = grid + 1;
        var profiles = ArrayPool<float>.Shared.Rent(stride * 3 * size);
        try
        {
            for (var x = 0; x < size; x++)
            {
                var gx = (x + 0.5f) * cellScale;
                var ix = Math.Min((int)gx, grid - 1);
                var fx = gx - ix;
                for (var j = 0; j < stride; j++)
                {
                    for (var ch = 0; ch < 3; ch++)
                    {
                        var left = cells[(3 * ((j * stride) + ix)) + ch];
                        var right = cells[(3 * ((j * stride) + ix + 1)) + ch];
                        profiles[(((j * 3) + ch) * size) + x] = left + ((right - left) * fx);
                    }
                }
            }

            for (var y = 0; y < size; y++)
            {
                var gy = (y + 0.5f) * cellScale;
                var iy = Math.Min((int)gy, grid - 1);
                var fy = gy - iy;
                var rowT = t0 + (ty * y);
                for (var ch = 0; ch < 3; ch++)
                {
                    var top = profiles.AsSpan((((iy * 3) + ch) * size), size);
                    var bottom = profiles.AsSpan(((((iy + 1) * 3) + ch) * size), size);
                    var row = new BackdropRow(rowT, c0[ch], delta[ch], rowWave[y], fy);
                    row.Write(columnT, columnWave[..size], top, bottom, canvas.Plane(ch).Slice(y * size, size));
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(profiles);
        }

        if (rng.Chance(clutterRate))
        {
            Shapes(canvas, ref rng, 2 + rng.NextInt(5), false);
        }
    }

    /// <summary>Random ellipses, rectangles and triangles; with <paramref name="skinLike"/> some take skin colours.</summary>
    public static void Shapes(Canvas canvas, ref SynthRandom rng, int count, bool skinLike)
    {
        var size = canvas.Size;
        Span<Vector2> polygon = stackalloc Vector2[4];
        for (var s = 0; s < count; s++)
        {
            var colour = skinLike && rng.Chance(0.3f)
                ? Vector3.Lerp(new Vector3(0.95f, 0.8f, 0.7f), new Vector3(0.35f, 0.22f, 0.16f), rng.NextFloat())
                : Colours.Random(ref rng);
            var paint = new SolidPaint(colour, rng.Range(0.6f, 1f));
            var centre = new Vector2(rng.Range(0f, size), rng.Range(0f, size));
            var rx = rng.Range(0.05f, 0.35f) * size;
            var ry = rng.Range(0.05f, 0.35f) * size;
            var angle = rng.Range(0f, MathF.PI);
            switch (rng.NextInt(3))
            {
                case 0:
                    canvas.FillEllipse(centre, rx, ry, angle, paint);
                    break;
                case 1:
                    Rectangle(polygon, centre, rx, ry, angle);
                    canvas.FillPolygon(polygon, paint);
                    break;
                default:
                    for (var k = 0; k < 3; k++)
                    {
                        var (sin, cos) = MathF.SinCos(angle + (k * 2.1f) + rng.Symmetric(0.5f));
                        polygon[k] = centre + new Vector2(cos * rx, sin * ry);
                    }

                    canvas.FillPolygon(polygon[..3], paint);
                    break;
            }
        }
    }

    public static void Rectangle(Span<Vector2> corners, Vector2 centre, float halfWidth, float halfHeight, float angle)
    {
        var (sin, cos) = MathF.SinCos(angle);
        var u = new Vector2(cos, sin) * halfWidth;
        var v = new Vector2(-sin, cos) * halfHeight;
        corners[0] = centre - u - v;
        corners[1] = centre + u - v;
        corners[2] = centre + u + v;
        corners[3] = centre - u + v;
    }
}

/// <summary>
/// One row of one channel of the backdrop: the gradient's colour at t = clamp(start + steps[x], 0, 1), the
/// stripes, and the texture interpolated between two column profiles.
/// </summary>
internal readonly struct BackdropRow(float start, float c0, float delta, float rowWave, float fy)
{
    /// <summary>Writes output[x] = c0 + t·delta + (rowWave + columnWave[x]) + (top[x] + (bottom[x] − top[x])·fy); all spans of one length.</summary>
    public void Write(ReadOnlySpan<float> steps, ReadOnlySpan<float> columnWave, ReadOnlySpan<float> top, ReadOnlySpan<float> bottom, Span<float> output)
    {
        var n = output.Length;
        if (steps.Length != n || columnWave.Length != n || top.Length != n || bottom.Length != n)
        {
            throw new ArgumentException("The row's inputs differ in length.", nameof(output));
        }

        ref var rs = ref MemoryMarshal.GetReference(steps);
        ref var rw = ref MemoryMarshal.GetReference(columnWave);
        ref var rt = ref MemoryMarshal.GetReference(top);
        ref var rb = ref MemoryMarshal.GetReference(bottom);
        ref var target = ref MemoryMarshal.GetReference(output);
        var x = 0;
        var width = Vector<float>.Count;
        var vs = new Vector<float>(start);
        var vc = new Vector<float>(c0);
        var vw = new Vector<float>(rowWave);
        for (; x <= n - width; x += width)
        {
            var offset = (nuint)x;
            var t = Vector.Min(Vector.Max(vs + Vector.LoadUnsafe(ref rs, offset), Vector<float>.Zero), Vector<float>.One);
            var upper = Vector.LoadUnsafe(ref rt, offset);
            var texture = upper + ((Vector.LoadUnsafe(ref rb, offset) - upper) * fy);
            (vc + (t * delta) + (vw + Vector.LoadUnsafe(ref rw, offset)) + texture).StoreUnsafe(ref target, offset);
        }

        for (; x < n; x++)
        {
            var t = MathF.Min(MathF.Max(start + steps[x], 0f), 1f);
            var texture = top[x] + ((bottom[x] - top[x]) * fy);
            output[x] = c0 + (t * delta) + (rowWave + columnWave[x]) + texture;
        }
    }
}
