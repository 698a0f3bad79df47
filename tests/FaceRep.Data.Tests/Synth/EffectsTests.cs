using System.Numerics;
using FaceRep.Data.Synth;

namespace FaceRep.Data.Tests.Synth;

/// <summary>The vectorised image operations: what they compute, and that it does not depend on the vector width.</summary>
public sealed class EffectsTests
{
    private static float[] Ramp(int length, float start = 0.1f, float step = 0.013f) =>
        Enumerable.Range(0, length).Select(i => start + (step * (i % 37))).ToArray();

    [Fact]
    public void Noise_has_zero_mean_and_the_requested_standard_deviation()
    {
        var pixels = new float[3 * 64 * 64];
        var rng = new SynthRandom(3);

        Effects.Noise(pixels, ref rng, 0.05f);

        var mean = pixels.Average();
        var sd = Math.Sqrt(pixels.Average(v => (v - mean) * (v - mean)));
        Assert.InRange(mean, -0.002, 0.002);
        Assert.InRange(sd, 0.048, 0.052);
    }

    [Fact]
    public void Noise_depends_on_the_generator_and_advances_it()
    {
        var a = new float[100];
        var b = new float[100];
        var rng = new SynthRandom(4);
        var before = rng;

        Effects.Noise(a, ref rng, 0.1f);
        Effects.Noise(b, ref rng, 0.1f);

        Assert.NotEqual(before.NextULong(), rng.NextULong());
        Assert.True(TestImages.MeanAbsoluteDifference(a, b) > 0.03);
    }

    [Fact]
    public void Noise_values_do_not_depend_on_how_many_are_computed_at_once()
    {
        var whole = new float[37];
        var head = new float[5];
        var rng = new SynthRandom(5);
        var same = rng;

        Effects.Noise(whole, ref rng, 0.2f);
        Effects.Noise(head, ref same, 0.2f);

        TestImages.AssertBitIdentical(head, whole[..5]);
    }

    [Fact]
    public void Blur_keeps_a_flat_image_flat_and_spreads_a_spike_over_three_by_three()
    {
        const int Size = 16;
        var flat = Enumerable.Repeat(0.4f, 3 * Size * Size).ToArray();
        var spike = new float[3 * Size * Size];
        spike[(5 * Size) + 7] = 9f;

        Effects.Blur(flat, Size, 2);
        Effects.Blur(spike, Size, 1);

        Assert.All(flat, v => Assert.Equal(0.4f, v, 6));
        for (var y = 0; y < Size; y++)
        {
            for (var x = 0; x < Size; x++)
            {
                var inside = Math.Abs(y - 5) <= 1 && Math.Abs(x - 7) <= 1;
                Assert.Equal(inside ? 1f : 0f, spike[(y * Size) + x], 5);
            }
        }
    }

    [Fact]
    public void Blur_repeats_the_border_at_the_edges()
    {
        const int Size = 16;
        var pixels = new float[3 * Size * Size];
        pixels[0] = 9f;

        Effects.Blur(pixels, Size, 1);

        // The corner sees itself twice in each direction: (2/3)·(2/3)·9.
        Assert.Equal(4f, pixels[0], 5);
        Assert.Equal(2f, pixels[1], 5);
        Assert.Equal(0f, pixels[2], 6);
    }

    [Fact]
    public void Shading_a_row_at_once_matches_shading_it_pixel_by_pixel()
    {
        const int Size = 23;
        var paint = new SpherePaint(new Vector3(0.9f, 0.7f, 0.5f), 0.8f, new Vector2(11.3f, 9.7f), new Vector2(7.5f, 9f), Vector3.Normalize(new Vector3(0.4f, -0.3f, 0.8f)), 0.3f, 0.7f);
        var together = Ramp(3 * Size * Size);
        var apart = Ramp(3 * Size * Size);

        for (var y = 0; y < Size; y++)
        {
            paint.FillSpan(new Canvas(together, Size), y, 0, Size);
            for (var x = 0; x < Size; x++)
            {
                paint.FillSpan(new Canvas(apart, Size), y, x, x + 1);
            }
        }

        TestImages.AssertBitIdentical(apart, together);
        Assert.True(TestImages.MeanAbsoluteDifference(together, Ramp(3 * Size * Size)) > 0.05);
    }

    [Fact]
    public void Blending_a_row_at_once_matches_blending_it_pixel_by_pixel()
    {
        const int Size = 19;
        var paint = new SolidPaint(new Vector3(0.2f, 0.9f, 0.4f), 0.35f);
        var together = Ramp(3 * Size * Size);
        var apart = Ramp(3 * Size * Size);

        for (var y = 0; y < Size; y++)
        {
            paint.FillSpan(new Canvas(together, Size), y, 0, Size);
            for (var x = 0; x < Size; x++)
            {
                paint.FillSpan(new Canvas(apart, Size), y, x, x + 1);
            }
        }

        TestImages.AssertBitIdentical(apart, together);
    }

    [Fact]
    public void A_backdrop_row_at_once_matches_it_pixel_by_pixel()
    {
        const int Length = 21;
        var steps = Ramp(Length, -0.3f, 0.07f);
        var wave = Ramp(Length, -0.05f, 0.004f);
        var top = Ramp(Length, -0.1f, 0.01f);
        var bottom = Ramp(Length, 0.05f, -0.006f);
        var row = new BackdropRow(0.2f, 0.35f, 0.4f, 0.03f, 0.6f);
        var together = new float[Length];
        var apart = new float[Length];

        row.Write(steps, wave, top, bottom, together);
        for (var x = 0; x < Length; x++)
        {
            row.Write(steps.AsSpan(x, 1), wave.AsSpan(x, 1), top.AsSpan(x, 1), bottom.AsSpan(x, 1), apart.AsSpan(x, 1));
        }

        TestImages.AssertBitIdentical(apart, together);
        Assert.Contains(together, v => v > 0.4f);
    }

    [Fact]
    public void Every_pixel_of_the_backdrop_is_painted()
    {
        const int Size = 37;
        var pixels = Enumerable.Repeat(float.NaN, 3 * Size * Size).ToArray();
        var rng = new SynthRandom(8);

        Backdrop.Draw(new Canvas(pixels, Size), ref rng, 0f);

        Assert.All(pixels, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void The_convex_hull_sorts_ties_in_x_by_y()
    {
        Vector2[] points = [new(1f, 3f), new(1f, 0f), new(0f, 1f), new(1f, 1f), new(2f, 1f), new(1f, 2f)];
        var hull = new Vector2[points.Length + 1];

        var count = Geometry.ConvexHull(points, hull);

        Assert.Equal(4, count);
        Assert.Equal(
            new[] { new Vector2(1f, 0f), new Vector2(0f, 1f), new Vector2(1f, 3f), new Vector2(2f, 1f) }.ToHashSet(),
            hull.Take(count).ToHashSet());
        Assert.Equal(new Vector2[] { new(0f, 1f), new(1f, 0f), new(1f, 1f), new(1f, 2f), new(1f, 3f), new(2f, 1f) }, points);
    }
}
