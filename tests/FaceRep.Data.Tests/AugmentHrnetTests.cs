using FaceRep.Data.Landmarks;

namespace FaceRep.Data.Tests;

/// <summary>HRNet's training view: scale, rotation and mirror about the crop's centre, the points moving with the pixels.</summary>
public sealed class AugmentHrnetTests
{
    private const int R = 64;

    /// <summary>A black image with a bright 2×2 blob whose centre is at (x, y), continuous coordinates.</summary>
    private static float[] Blob(int x, int y)
    {
        var image = new float[3 * R * R];
        foreach (var (bx, by) in new[] { (x - 1, y - 1), (x, y - 1), (x - 1, y), (x, y) })
        {
            for (var c = 0; c < 3; c++)
                image[(c * R * R) + (by * R) + bx] = 1;
        }

        return image;
    }

    /// <summary>The intensity-weighted centre of the red channel, continuous coordinates.</summary>
    private static (double X, double Y) Centroid(float[] image)
    {
        double sum = 0, sx = 0, sy = 0;
        for (var y = 0; y < R; y++)
        {
            for (var x = 0; x < R; x++)
            {
                var v = image[(y * R) + x];
                (sum, sx, sy) = (sum + v, sx + (v * (x + 0.5)), sy + (v * (y + 0.5)));
            }
        }

        return (sx / sum, sy / sum);
    }

    [Theory]
    [InlineData(1.0, 0.0, false)]
    [InlineData(1.25, 0.0, false)]
    [InlineData(0.75, 30.0, false)]
    [InlineData(1.1, -25.0, true)]
    [InlineData(0.9, 12.0, true)]
    public void A_point_lands_where_its_pixels_land(double scale, double degrees, bool flip)
    {
        // Point 36 (the left eye's outer corner) sits on the blob; the rest of the 68 are spread about.
        var points = new float[136];
        for (var i = 0; i < 68; i++)
            (points[2 * i], points[(2 * i) + 1]) = (20 + (i % 10 * 2.5f), 20 + (i / 10 * 3f));
        (points[72], points[73]) = (24, 30);
        var view = new float[3 * R * R];

        Augment.ApplyHrnetView(Blob(24, 30), view, R, points, scale, degrees, flip);

        // Mirrored, the blob is the right eye's corner: the mirror map moved point 36 to 45.
        var index = flip ? LandmarkSchemes.Flip68[36] : 36;
        var (x, y) = Centroid(view);
        Assert.True(Math.Abs(x - points[2 * index]) < 0.6 && Math.Abs(y - points[(2 * index) + 1]) < 0.6,
            $"blob at ({x:F2}, {y:F2}), point {index} at ({points[2 * index]:F2}, {points[(2 * index) + 1]:F2})");
    }

    [Fact]
    public void Random_views_stay_within_hrnets_ranges_and_rotate_about_six_in_ten()
    {
        var rng = new Random(3);
        var src = Blob(32, 32);
        var dst = new float[src.Length];
        var views = Enumerable.Range(0, 400).Select(_ => Augment.HrnetView(src, dst, R, new float[136], rng)).ToList();

        Assert.All(views, v => Assert.InRange(v.Scale, 0.75, 1.25));
        Assert.All(views, v => Assert.InRange(v.Degrees, -30, 30));
        Assert.InRange(views.Count(v => v.Degrees != 0) / 400.0, 0.5, 0.7);
        Assert.InRange(views.Count(v => v.Flip) / 400.0, 0.4, 0.6);
    }
}
