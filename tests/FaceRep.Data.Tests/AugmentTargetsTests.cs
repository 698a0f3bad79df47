namespace FaceRep.Data.Tests;

public sealed class AugmentTargetsTests
{
    private const int R = 64;

    [Fact]
    public void The_identity_view_leaves_image_and_points_unchanged()
    {
        var sample = SynthFaceCatalog.OpenPretrain(SynthFaceCatalog.Curated, 2, R, 0).Get(1);
        var dst = new float[sample.Pixels.Length];
        var points = (float[])sample.Landmarks.Clone();

        Augment.ApplyView(sample.Pixels, R, dst, R, ViewGeometry.Identity(R), points, []);

        Assert.Equal(sample.Landmarks, points);
        for (var i = 0; i < dst.Length; i++)
            Assert.Equal(sample.Pixels[i], dst[i], 5);
    }

    [Fact]
    public void A_mirrored_view_twice_is_the_identity()
    {
        var sample = SynthFaceCatalog.OpenPretrain(SynthFaceCatalog.Curated, 2, R, 0).Get(0);
        var once = new float[sample.Pixels.Length];
        var twice = new float[sample.Pixels.Length];
        var points = (float[])sample.Landmarks.Clone();
        var mirror = new ViewGeometry(0, 0, R, R, Flip: true);

        Augment.ApplyView(sample.Pixels, R, once, R, mirror, points, []);
        Augment.ApplyView(once, R, twice, R, mirror, points, []);

        for (var i = 0; i < twice.Length; i++)
            Assert.Equal(sample.Pixels[i], twice[i], 5);
        for (var i = 0; i < points.Length; i++)
            Assert.InRange(Math.Abs(sample.Landmarks[i] - points[i]), 0, 1e-4);
    }

    [Fact]
    public void Points_follow_a_crop_onto_the_same_image_content()
    {
        // A bright dot at pixel (40, 20); crop the right half's top and zoom it 2x: the dot moves to (16, 8)*2.
        var image = new float[3 * R * R];
        for (var c = 0; c < 3; c++)
            image[(c * R * R) + (20 * R) + 40] = 1f;
        var point = new float[] { 40.5f, 20.5f };
        var dst = new float[image.Length];

        Augment.ApplyView(image, R, dst, R, new ViewGeometry(32, 0, 32, 32, false), point, []);

        Assert.Equal((40.5f - 32) * 2, point[0], 4);
        Assert.Equal(20.5f * 2, point[1], 4);
        var brightest = Enumerable.Range(0, R * R).MaxBy(i => dst[i]);
        Assert.InRange(Math.Abs((brightest % R) + 0.5 - point[0]), 0, 1.5);
        Assert.InRange(Math.Abs((brightest / R) + 0.5 - point[1]), 0, 1.5);
    }

    [Fact]
    public void A_random_task_view_is_deterministic_and_keeps_landmarks_on_the_face()
    {
        var sample = SynthFaceCatalog.OpenPretrain(SynthFaceCatalog.Curated, 2, R, 0).Get(0);
        var a = new float[sample.Pixels.Length];
        var b = new float[sample.Pixels.Length];
        var pa = (float[])sample.Landmarks.Clone();
        var pb = (float[])sample.Landmarks.Clone();

        var ga = Augment.RandomTaskView(sample.Pixels, a, R, pa, [], new Random(9));
        var gb = Augment.RandomTaskView(sample.Pixels, b, R, pb, [], new Random(9));

        Assert.Equal(ga, gb);
        Assert.Equal(a, b);
        Assert.Equal(pa, pb);
        Assert.All(pa, v => Assert.InRange(v, -R * 0.5f, R * 1.5f));
    }

    [Fact]
    public void Multi_crop_fills_large_and_small_views_of_their_own_sizes()
    {
        var sample = SynthFaceCatalog.OpenPretrain(SynthFaceCatalog.Curated, 1, R, 0).Get(0);
        var large = new[] { new float[3 * R * R], new float[3 * R * R] };
        var small = Enumerable.Range(0, 4).Select(_ => new float[3 * 28 * 28]).ToArray();

        Augment.MultiCrop(sample.Pixels, R, large, small, 28, new Random(1), (0.14, 1), (0.05, 0.14));

        Assert.All(large.Concat(small), v => Assert.True(v.Any(x => x > 0) && v.All(x => x is >= 0 and <= 1)));
        Assert.NotEqual(large[0], large[1]);
    }

    [Fact]
    public void Blur_smooths_an_edge_and_keeps_the_mean()
    {
        var image = new float[3 * 16 * 16];
        for (var i = 0; i < image.Length; i++)
            image[i] = i % 16 < 8 ? 0f : 1f;
        var mean = image.Average();

        Augment.GaussianBlur(image, 16, 1.5);

        Assert.Equal(mean, image.Average(), 3);
        Assert.InRange(image[7], 0.2f, 0.5f);
        Assert.InRange(image[8], 0.5f, 0.8f);
    }
}
