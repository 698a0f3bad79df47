using System.Numerics;

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
        var t0 = 0.5f + (((0.5f - half) * cos) + ((0.5f - half) * sin)) * slope;
        var delta = c1 - c0;

        // Bilinear texture: per column, its cell and fraction; per row, the cell values interpolated in y.
        var cellScale = (float)grid / size;
        var stride = grid + 1;
        Span<int> columnCell = stackalloc int[SynthFaceDataset.MaxResolution];
        Span<float> columnFraction = stackalloc float[SynthFaceDataset.MaxResolution];
        for (var x = 0; x < size; x++)
        {
            var gx = (x + 0.5f) * cellScale;
            var ix = Math.Min((int)gx, grid - 1);
            columnCell[x] = ix;
            columnFraction[x] = gx - ix;
        }

        Span<float> rowCells = stackalloc float[3 * (MaxGrid + 1)];
        var red = canvas.Plane(0);
        var green = canvas.Plane(1);
        var blue = canvas.Plane(2);
        for (var y = 0; y < size; y++)
        {
            var gy = (y + 0.5f) * cellScale;
            var iy = Math.Min((int)gy, grid - 1);
            var fy = gy - iy;
            for (var k = 0; k < stride; k++)
            {
                for (var ch = 0; ch < 3; ch++)
                {
                    var top = cells[(3 * ((iy * stride) + k)) + ch];
                    var bottom = cells[(3 * (((iy + 1) * stride) + k)) + ch];
                    rowCells[(ch * stride) + k] = top + ((bottom - top) * fy);
                }
            }

            var rowT = t0 + (ty * y);
            var row = y * size;
            var wave = rowWave[y];
            for (var x = 0; x < size; x++)
            {
                var t = Math.Clamp(rowT + (tx * x), 0f, 1f);
                var ix = columnCell[x];
                var fx = columnFraction[x];
                var w = wave + columnWave[x];
                var r0 = rowCells[ix];
                var g0 = rowCells[stride + ix];
                var b0 = rowCells[(2 * stride) + ix];
                red[row + x] = c0.X + (delta.X * t) + w + r0 + ((rowCells[ix + 1] - r0) * fx);
                green[row + x] = c0.Y + (delta.Y * t) + w + g0 + ((rowCells[stride + ix + 1] - g0) * fx);
                blue[row + x] = c0.Z + (delta.Z * t) + w + b0 + ((rowCells[(2 * stride) + ix + 1] - b0) * fx);
            }
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
