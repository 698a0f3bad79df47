// Over 400 lines: the SynthFace rasteriser's vectorised drawing primitives, which share the
// canvas's buffers and lane helpers.
using System.Numerics;
using System.Runtime.InteropServices;

namespace FaceRep.Data.Synth;

/// <summary>How a fill colours the pixels it covers, one horizontal run at a time.</summary>
internal interface IPaint
{
    /// <summary>Paints pixels [x0, x1) of row y.</summary>
    void FillSpan(Canvas canvas, int y, int x0, int x1);
}

/// <summary>One colour at one opacity.</summary>
internal readonly struct SolidPaint(Vector3 colour, float alpha) : IPaint
{
    public void FillSpan(Canvas canvas, int y, int x0, int x1)
    {
        var row = y * canvas.Size;
        var r = canvas.Plane(0).Slice(row + x0, x1 - x0);
        var g = canvas.Plane(1).Slice(row + x0, x1 - x0);
        var b = canvas.Plane(2).Slice(row + x0, x1 - x0);
        if (alpha >= 1f)
        {
            r.Fill(colour.X);
            g.Fill(colour.Y);
            b.Fill(colour.Z);
            return;
        }

        Blend(r, colour.X, alpha);
        Blend(g, colour.Y, alpha);
        Blend(b, colour.Z, alpha);
    }

    /// <summary>values[i] += (target − values[i])·alpha.</summary>
    private static void Blend(Span<float> values, float target, float alpha)
    {
        ref var start = ref MemoryMarshal.GetReference(values);
        var n = values.Length;
        var i = 0;
        var width = Vector<float>.Count;
        var t = new Vector<float>(target);
        for (; i <= n - width; i += width)
        {
            var v = Vector.LoadUnsafe(ref start, (nuint)i);
            (v + ((t - v) * alpha)).StoreUnsafe(ref start, (nuint)i);
        }

        for (; i < n; i++)
        {
            values[i] += (target - values[i]) * alpha;
        }
    }
}

/// <summary>
/// Diffuse shading of an ellipsoid seen face-on: the normal at a pixel comes from its position in the
/// ellipse (centre, half-axes), lit from a direction in image space (x right, y down, z to the viewer).
/// </summary>
internal readonly struct SpherePaint(Vector3 albedo, float alpha, Vector2 centre, Vector2 halfAxes, Vector3 light, float ambient, float diffuse) : IPaint
{
    /// <summary>0, 1, 2, … across the lanes of a vector.</summary>
    private static readonly Vector<float> LaneOffsets = LaneIndex();

    private readonly float _inverseX = 1f / MathF.Max(halfAxes.X, 1e-3f);
    private readonly float _inverseY = 1f / MathF.Max(halfAxes.Y, 1e-3f);

    /// <summary>The light factor (ambient plus diffuse) at a point.</summary>
    public float Light(float x, float y)
    {
        var u = (x - centre.X) * _inverseX;
        var v = (y - centre.Y) * _inverseY;
        return Light(u, v, (u * u) + (v * v));
    }

    public void FillSpan(Canvas canvas, int y, int x0, int x1)
    {
        var row = y * canvas.Size;
        var r = canvas.Plane(0).Slice(row + x0, x1 - x0);
        var g = canvas.Plane(1).Slice(row + x0, x1 - x0);
        var b = canvas.Plane(2).Slice(row + x0, x1 - x0);
        var v = (y + 0.5f - centre.Y) * _inverseY;
        var v2 = v * v;
        var vy = v * light.Y;
        var i = 0;
        var n = r.Length;
        var width = Vector<float>.Count;
        if (n >= width)
        {
            // Lane k starts at pixel x0 + k; the same arithmetic as the scalar loop below, lane by lane.
            ref var red = ref MemoryMarshal.GetReference(r);
            ref var green = ref MemoryMarshal.GetReference(g);
            ref var blue = ref MemoryMarshal.GetReference(b);
            var x = LaneOffsets + new Vector<float>(x0);
            var step = new Vector<float>(width);
            var one = Vector<float>.One;
            var shift = new Vector<float>(0.5f - centre.X);
            var rowR2 = new Vector<float>(v2);
            var rowPlanar = new Vector<float>(vy);
            var ambientVector = new Vector<float>(ambient);
            for (; i <= n - width; i += width, x += step)
            {
                var u = (x + shift) * _inverseX;
                var r2 = (u * u) + rowR2;
                var planar = (u * light.X) + rowPlanar;
                var front = planar + (Vector.SquareRoot(one - r2) * light.Z);
                var rim = planar / Vector.SquareRoot(r2);
                var cosine = Vector.ConditionalSelect(Vector.LessThan(r2, one), front, rim);
                var shade = ambientVector + (Vector.Max(Vector<float>.Zero, cosine) * diffuse);
                Shade(ref red, i, albedo.X, shade);
                Shade(ref green, i, albedo.Y, shade);
                Shade(ref blue, i, albedo.Z, shade);
            }
        }

        for (; i < n; i++)
        {
            var u = (x0 + i + (0.5f - centre.X)) * _inverseX;
            var shade = Light(u, v, (u * u) + v2);
            r[i] += ((albedo.X * shade) - r[i]) * alpha;
            g[i] += ((albedo.Y * shade) - g[i]) * alpha;
            b[i] += ((albedo.Z * shade) - b[i]) * alpha;
        }
    }

    private void Shade(ref float values, int offset, float albedo, Vector<float> shade)
    {
        var v = Vector.LoadUnsafe(ref values, (nuint)offset);
        (v + (((shade * albedo) - v) * alpha)).StoreUnsafe(ref values, (nuint)offset);
    }

    private static Vector<float> LaneIndex()
    {
        Span<float> lanes = stackalloc float[Vector<float>.Count];
        for (var k = 0; k < lanes.Length; k++)
        {
            lanes[k] = k;
        }

        return new Vector<float>(lanes);
    }

    private float Light(float u, float v, float r2)
    {
        var planar = (u * light.X) + (v * light.Y);
        var cosine = r2 < 1f ? planar + (MathF.Sqrt(1f - r2) * light.Z) : planar / MathF.Sqrt(r2);
        return ambient + (MathF.Max(0f, cosine) * diffuse);
    }
}

/// <summary>An eye: sclera with an iris disc and a pupil, all clipped by the eye's outline.</summary>
internal readonly struct EyePaint(Vector3 sclera, Vector3 iris, Vector2 irisCentre, float irisRadius) : IPaint
{
    private readonly float _iris2 = irisRadius * irisRadius;
    private readonly float _pupil2 = 0.2f * irisRadius * irisRadius;

    public void FillSpan(Canvas canvas, int y, int x0, int x1)
    {
        var row = y * canvas.Size;
        var dy = y + 0.5f - irisCentre.Y;
        for (var x = x0; x < x1; x++)
        {
            var dx = x + 0.5f - irisCentre.X;
            var d2 = (dx * dx) + (dy * dy);
            canvas.Set(row + x, d2 < _pupil2 ? iris * 0.2f : d2 < _iris2 ? iris : sclera);
        }
    }
}

/// <summary>A planar RGB float image (CHW) being drawn on. Samples at pixel centres (x + 0.5, y + 0.5).</summary>
internal readonly ref struct Canvas
{
    /// <summary>Most vertices a filled polygon may have.</summary>
    public const int MaxPolygon = 96;

    private readonly Span<float> _r;
    private readonly Span<float> _g;
    private readonly Span<float> _b;

    public Canvas(Span<float> pixels, int size)
    {
        var plane = size * size;
        _r = pixels[..plane];
        _g = pixels.Slice(plane, plane);
        _b = pixels.Slice(2 * plane, plane);
        Size = size;
    }

    public int Size { get; }

    /// <summary>One colour plane: 0 red, 1 green, 2 blue.</summary>
    public Span<float> Plane(int channel) => channel switch
    {
        0 => _r,
        1 => _g,
        _ => _b,
    };

    public void Set(int i, Vector3 c)
    {
        _r[i] = c.X;
        _g[i] = c.Y;
        _b[i] = c.Z;
    }

    public void Blend(int i, Vector3 c, float alpha)
    {
        _r[i] += (c.X - _r[i]) * alpha;
        _g[i] += (c.Y - _g[i]) * alpha;
        _b[i] += (c.Z - _b[i]) * alpha;
    }

    /// <summary>Fills a polygon (even-odd rule) scanline by scanline; a pixel is inside when its centre is.</summary>
    public void FillPolygon<TPaint>(ReadOnlySpan<Vector2> points, in TPaint paint)
        where TPaint : struct, IPaint
    {
        var n = points.Length;
        if (n < 3 || n > MaxPolygon)
        {
            return;
        }

        var minY = float.MaxValue;
        var maxY = float.MinValue;
        foreach (var p in points)
        {
            if (!float.IsFinite(p.X) || !float.IsFinite(p.Y))
            {
                return;
            }

            minY = MathF.Min(minY, p.Y);
            maxY = MathF.Max(maxY, p.Y);
        }

        var y0 = Math.Max(0, (int)MathF.Ceiling(Math.Clamp(minY, -1f, Size + 1f) - 0.5f));
        var y1 = Math.Min(Size - 1, (int)MathF.Floor(Math.Clamp(maxY, -1f, Size + 1f) - 0.5f));
        Span<float> xs = stackalloc float[MaxPolygon];
        for (var y = y0; y <= y1; y++)
        {
            var sy = y + 0.5f;
            var count = 0;
            var a = points[n - 1];
            for (var k = 0; k < n; k++)
            {
                var b = points[k];
                if ((a.Y <= sy) != (b.Y <= sy))
                {
                    var x = a.X + ((sy - a.Y) * (b.X - a.X) / (b.Y - a.Y));
                    var j = count++;
                    while (j > 0 && xs[j - 1] > x)
                    {
                        xs[j] = xs[j - 1];
                        j--;
                    }

                    xs[j] = x;
                }

                a = b;
            }

            for (var k = 0; k + 1 < count; k += 2)
            {
                var x0 = (int)MathF.Ceiling(Math.Clamp(xs[k], -1f, Size + 1f) - 0.5f);
                var x1 = (int)MathF.Ceiling(Math.Clamp(xs[k + 1], -1f, Size + 1f) - 0.5f);
                x0 = Math.Max(x0, 0);
                x1 = Math.Min(x1, Size);
                if (x1 > x0)
                {
                    paint.FillSpan(this, y, x0, x1);
                }
            }
        }
    }

    /// <summary>Fills an ellipse with half-axes (rx, ry) rotated by angle (radians), row by row.</summary>
    public void FillEllipse<TPaint>(Vector2 centre, float rx, float ry, float angle, in TPaint paint)
        where TPaint : struct, IPaint
    {
        if (!float.IsFinite(centre.X) || !float.IsFinite(centre.Y) || !(rx > 0f) || !(ry > 0f))
        {
            return;
        }

        // Points (dx, dy) from the centre are inside when a·dx² + b·dx·dy + c·dy² ≤ 1.
        var (sin, cos) = MathF.SinCos(angle);
        var irx2 = 1f / (rx * rx);
        var iry2 = 1f / (ry * ry);
        var a = (cos * cos * irx2) + (sin * sin * iry2);
        var b = 2f * sin * cos * (irx2 - iry2);
        var c = (sin * sin * irx2) + (cos * cos * iry2);
        var reach = MathF.Max(rx, ry);
        var y0 = Math.Max(0, (int)MathF.Floor(Math.Clamp(centre.Y - reach, -1f, Size + 1f)));
        var y1 = Math.Min(Size - 1, (int)MathF.Ceiling(Math.Clamp(centre.Y + reach, -1f, Size + 1f)));
        for (var y = y0; y <= y1; y++)
        {
            var dy = y + 0.5f - centre.Y;
            var bq = b * dy;
            var discriminant = (bq * bq) - (4f * a * ((c * dy * dy) - 1f));
            if (discriminant < 0f)
            {
                continue;
            }

            var root = MathF.Sqrt(discriminant);
            var lo = centre.X + ((-bq - root) / (2f * a));
            var hi = centre.X + ((-bq + root) / (2f * a));
            var x0 = Math.Max(0, (int)MathF.Ceiling(Math.Clamp(lo, -1f, Size + 1f) - 0.5f));
            var x1 = Math.Min(Size, (int)MathF.Floor(Math.Clamp(hi, -1f, Size + 1f) - 0.5f) + 1);
            if (x1 > x0)
            {
                paint.FillSpan(this, y, x0, x1);
            }
        }
    }

    /// <summary>Draws a polyline of the given width with a one-pixel soft edge; joints are not blended twice.</summary>
    public void Stroke(ReadOnlySpan<Vector2> points, float width, Vector3 colour, float alpha)
    {
        if (points.Length < 2 || width <= 0f)
        {
            return;
        }

        var minX = float.MaxValue;
        var minY = float.MaxValue;
        var maxX = float.MinValue;
        var maxY = float.MinValue;
        foreach (var p in points)
        {
            if (!float.IsFinite(p.X) || !float.IsFinite(p.Y))
            {
                return;
            }

            minX = MathF.Min(minX, p.X);
            minY = MathF.Min(minY, p.Y);
            maxX = MathF.Max(maxX, p.X);
            maxY = MathF.Max(maxY, p.Y);
        }

        var half = 0.5f * width;
        var reach = half + 1f;
        var x0 = Math.Max(0, (int)MathF.Floor(Math.Clamp(minX - reach, -1f, Size + 1f)));
        var x1 = Math.Min(Size - 1, (int)MathF.Ceiling(Math.Clamp(maxX + reach, -1f, Size + 1f)));
        var y0 = Math.Max(0, (int)MathF.Floor(Math.Clamp(minY - reach, -1f, Size + 1f)));
        var y1 = Math.Min(Size - 1, (int)MathF.Ceiling(Math.Clamp(maxY + reach, -1f, Size + 1f)));

        // Per segment: its start, direction and squared length (+∞ for a degenerate one, so t = 0).
        var segments = points.Length - 1;
        Span<Vector2> starts = stackalloc Vector2[segments];
        Span<Vector2> directions = stackalloc Vector2[segments];
        Span<float> lengths2 = stackalloc float[segments];
        for (var k = 0; k < segments; k++)
        {
            starts[k] = points[k];
            directions[k] = points[k + 1] - points[k];
            var len2 = directions[k].LengthSquared();
            lengths2[k] = len2 > 1e-12f ? len2 : float.PositiveInfinity;
        }

        // Pixels farther than this from every segment get no coverage.
        var outer = half + 0.5f;
        var outer2 = outer * outer;
        for (var y = y0; y <= y1; y++)
        {
            for (var x = x0; x <= x1; x++)
            {
                var p = new Vector2(x + 0.5f, y + 0.5f);
                var best = float.MaxValue;
                for (var k = 0; k < segments; k++)
                {
                    var ap = p - starts[k];
                    var t = Math.Clamp(Vector2.Dot(ap, directions[k]) / lengths2[k], 0f, 1f);
                    best = MathF.Min(best, (ap - (t * directions[k])).LengthSquared());
                }

                if (best < outer2)
                {
                    var coverage = MathF.Min(outer - MathF.Sqrt(best), 1f);
                    Blend((y * Size) + x, colour, coverage * alpha);
                }
            }
        }
    }
}

/// <summary>Small 2D geometry helpers that work in caller-provided buffers.</summary>
internal static class Geometry
{
    /// <summary>
    /// The convex hull of <paramref name="points"/> (which it sorts in place) into <paramref name="hull"/>
    /// (at least points.Length + 1 long), counter-clockwise in image space; returns its vertex count.
    /// </summary>
    public static int ConvexHull(Span<Vector2> points, Span<Vector2> hull)
    {
        var n = points.Length;
        SortByXThenY(points);

        if (n < 3)
        {
            points.CopyTo(hull);
            return n;
        }

        var k = 0;
        for (var i = 0; i < n; i++)
        {
            while (k >= 2 && Cross(hull[k - 2], hull[k - 1], points[i]) <= 0f)
            {
                k--;
            }

            hull[k++] = points[i];
        }

        for (int i = n - 2, lower = k + 1; i >= 0; i--)
        {
            while (k >= lower && Cross(hull[k - 2], hull[k - 1], points[i]) <= 0f)
            {
                k--;
            }

            hull[k++] = points[i];
        }

        return k - 1;
    }

    /// <summary>Sorts points by x, and points of equal x by y.</summary>
    private static void SortByXThenY(Span<Vector2> points)
    {
        var n = points.Length;
        Span<float> keys = n <= Canvas.MaxPolygon ? stackalloc float[Canvas.MaxPolygon] : new float[n];
        keys = keys[..n];
        for (var i = 0; i < n; i++)
        {
            keys[i] = points[i].X;
        }

        keys.Sort(points);
        for (var i = 1; i < n; i++)
        {
            var p = points[i];
            var j = i - 1;
            while (j >= 0 && points[j].X == p.X && points[j].Y > p.Y)
            {
                points[j + 1] = points[j];
                j--;
            }

            points[j + 1] = p;
        }
    }

    /// <summary>Bounding box of points as (min, max).</summary>
    public static (Vector2 Min, Vector2 Max) Bounds(ReadOnlySpan<Vector2> points)
    {
        var min = new Vector2(float.MaxValue);
        var max = new Vector2(float.MinValue);
        foreach (var p in points)
        {
            min = Vector2.Min(min, p);
            max = Vector2.Max(max, p);
        }

        return (min, max);
    }

    /// <summary>
    /// A filled band of varying thickness along a polyline: the centre line offset to both sides by half the
    /// thickness, written into <paramref name="outline"/> (2 × points.Length long).
    /// </summary>
    public static void Band(ReadOnlySpan<Vector2> points, ReadOnlySpan<float> thickness, Span<Vector2> outline)
    {
        var n = points.Length;
        for (var i = 0; i < n; i++)
        {
            var tangent = points[Math.Min(i + 1, n - 1)] - points[Math.Max(i - 1, 0)];
            var length = tangent.Length();
            var normal = length > 1e-6f ? new Vector2(-tangent.Y, tangent.X) / length : new Vector2(0f, 1f);
            var offset = normal * (0.5f * thickness[i]);
            outline[i] = points[i] + offset;
            outline[(2 * n) - 1 - i] = points[i] - offset;
        }
    }

    private static float Cross(Vector2 o, Vector2 a, Vector2 b) => ((a.X - o.X) * (b.Y - o.Y)) - ((a.Y - o.Y) * (b.X - o.X));
}
