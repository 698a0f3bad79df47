using System.Numerics;
using FaceRep.Data.Synth;

namespace FaceRep.Data.Tests.Synth;

public sealed class CanvasTests
{
    private const int Size = 10;

    private static int Painted(float[] pixels) => pixels.Take(Size * Size).Count(v => v > 0f);

    [Fact]
    public void A_polygon_covers_exactly_the_pixels_whose_centres_it_contains()
    {
        var pixels = new float[3 * Size * Size];
        var canvas = new Canvas(pixels, Size);
        Vector2[] square = [new(2f, 2f), new(5f, 2f), new(5f, 5f), new(2f, 5f)];

        canvas.FillPolygon(square, new SolidPaint(Vector3.One, 1f));

        Assert.Equal(9, Painted(pixels));
        Assert.Equal(1f, pixels[(2 * Size) + 2]);
        Assert.Equal(1f, pixels[(4 * Size) + 4]);
        Assert.Equal(0f, pixels[(5 * Size) + 5]);
    }

    [Fact]
    public void Polygons_reaching_outside_the_image_are_clipped()
    {
        var pixels = new float[3 * Size * Size];
        var canvas = new Canvas(pixels, Size);
        Vector2[] huge = [new(-50f, -50f), new(50f, -50f), new(50f, 50f), new(-50f, 50f)];

        canvas.FillPolygon(huge, new SolidPaint(new Vector3(0.5f), 1f));

        Assert.All(pixels, v => Assert.Equal(0.5f, v));
    }

    [Fact]
    public void A_polygon_with_a_non_finite_vertex_draws_nothing()
    {
        var pixels = new float[3 * Size * Size];
        var canvas = new Canvas(pixels, Size);
        Vector2[] broken = [new(1f, 1f), new(float.NaN, 5f), new(8f, 8f)];

        canvas.FillPolygon(broken, new SolidPaint(Vector3.One, 1f));

        Assert.Equal(0, Painted(pixels));
    }

    [Fact]
    public void An_ellipse_covers_the_pixels_inside_it()
    {
        var pixels = new float[3 * Size * Size];
        var canvas = new Canvas(pixels, Size);

        canvas.FillEllipse(new Vector2(5f, 5f), 3f, 1.2f, 0f, new SolidPaint(Vector3.One, 1f));

        Assert.Equal(1f, pixels[(4 * Size) + 2]);
        Assert.Equal(1f, pixels[(5 * Size) + 7]);
        Assert.Equal(0f, pixels[(2 * Size) + 5]);
        Assert.Equal(0f, pixels[(4 * Size) + 8]);
    }

    [Fact]
    public void Half_opacity_blends_halfway()
    {
        var pixels = new float[3 * Size * Size];
        var canvas = new Canvas(pixels, Size);
        Vector2[] all = [new(0f, 0f), new(Size, 0f), new(Size, Size), new(0f, Size)];

        canvas.FillPolygon(all, new SolidPaint(new Vector3(1f, 0.6f, 0.2f), 0.5f));

        Assert.Equal(0.5f, pixels[0]);
        Assert.Equal(0.3f, pixels[Size * Size], 6);
        Assert.Equal(0.1f, pixels[2 * Size * Size], 6);
    }

    [Fact]
    public void A_stroke_darkens_pixels_along_its_line_only()
    {
        var pixels = Enumerable.Repeat(1f, 3 * Size * Size).ToArray();
        var canvas = new Canvas(pixels, Size);
        Vector2[] line = [new(1.5f, 5.5f), new(8.5f, 5.5f)];

        canvas.Stroke(line, 1f, Vector3.Zero, 1f);

        Assert.Equal(0f, pixels[(5 * Size) + 5]);
        Assert.Equal(0f, pixels[(5 * Size) + 2]);
        Assert.Equal(1f, pixels[(4 * Size) + 5]);
        Assert.Equal(1f, pixels[(6 * Size) + 5]);
        Assert.Equal(1f, pixels[(5 * Size) + 0]);
    }

    [Fact]
    public void The_convex_hull_keeps_the_outer_points_only()
    {
        Vector2[] points = [new(0f, 0f), new(4f, 0f), new(2f, 1f), new(4f, 4f), new(1f, 2f), new(0f, 4f), new(2f, 3f)];
        var hull = new Vector2[points.Length + 1];

        var count = Geometry.ConvexHull(points, hull);

        Assert.Equal(4, count);
        Assert.Equal(
            new[] { new Vector2(0f, 0f), new Vector2(4f, 0f), new Vector2(4f, 4f), new Vector2(0f, 4f) }.ToHashSet(),
            hull.Take(count).ToHashSet());
    }
}
