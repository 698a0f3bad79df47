namespace FaceRep.Data.Tests;

public sealed class AugmentTests
{
    private const int Resolution = 32;

    private static float[] Image() =>
        new SynthFaceDataset("c", new SynthFaceOptions(SynthFlavour.Curated, 4, Resolution, Seed: 1)).Get(1).Pixels;

    [Fact]
    public void The_same_random_state_gives_the_same_view()
    {
        var image = Image();
        var first = new float[image.Length];
        var second = new float[image.Length];

        Augment.RandomView(image, first, Resolution, new Random(42));
        Augment.RandomView(image, second, Resolution, new Random(42));

        TestImages.AssertBitIdentical(first, second);
    }

    [Fact]
    public void The_view_settings_decide_how_often_a_view_loses_its_colour()
    {
        var image = Image();
        var view = new float[image.Length];
        int GrayViews(ViewAugmentation settings)
        {
            var rng = new Random(11);
            var gray = 0;
            for (var i = 0; i < 100; i++)
            {
                Augment.RandomView(image, view, Resolution, rng, settings);
                var plane = Resolution * Resolution;
                if (Enumerable.Range(0, plane).All(p => view[p] == view[plane + p] && view[p] == view[(2 * plane) + p]))
                    gray++;
            }

            return gray;
        }

        Assert.Equal(100, GrayViews(ViewAugmentation.Default with { GrayscaleProbability = 1 }));
        Assert.Equal(0, GrayViews(ViewAugmentation.Default with { GrayscaleProbability = 0 }));
        Assert.InRange(GrayViews(ViewAugmentation.Default), 8, 35);
    }

    [Fact]
    public void Views_stay_in_the_unit_range_and_differ_from_the_input()
    {
        var image = Image();
        var view = new float[image.Length];
        var rng = new Random(7);

        for (var i = 0; i < 50; i++)
        {
            Augment.RandomView(image, view, Resolution, rng);

            Assert.All(view, v => Assert.InRange(v, 0f, 1f));
            Assert.True(TestImages.MeanAbsoluteDifference(image, view) > 1e-3, $"view {i} equals its input");
        }
    }

    [Fact]
    public void Successive_views_differ_from_each_other()
    {
        var image = Image();
        var first = new float[image.Length];
        var second = new float[image.Length];
        var rng = new Random(3);

        Augment.RandomView(image, first, Resolution, rng);
        Augment.RandomView(image, second, Resolution, rng);

        Assert.True(TestImages.MeanAbsoluteDifference(first, second) > 1e-3);
    }

    [Fact]
    public void Views_are_sometimes_grayscale_and_usually_coloured()
    {
        var image = Image();
        var view = new float[image.Length];
        var rng = new Random(11);
        var plane = Resolution * Resolution;

        var gray = 0;
        for (var i = 0; i < 200; i++)
        {
            Augment.RandomView(image, view, Resolution, rng);
            if (view.AsSpan(0, plane).SequenceEqual(view.AsSpan(plane, plane)) && view.AsSpan(0, plane).SequenceEqual(view.AsSpan(2 * plane, plane)))
            {
                gray++;
            }
        }

        Assert.InRange(gray, 20, 70);
    }

    [Fact]
    public void Resampling_the_whole_image_returns_it_unchanged()
    {
        var image = Image();
        var copy = new float[image.Length];

        Augment.Resample(image, Resolution, copy, Resolution, 0, 0, Resolution, Resolution, flip: false);

        TestImages.AssertBitIdentical(image, copy);
    }

    [Fact]
    public void Resampling_the_whole_image_flipped_mirrors_every_row()
    {
        var image = Image();
        var flipped = new float[image.Length];

        Augment.Resample(image, Resolution, flipped, Resolution, 0, 0, Resolution, Resolution, flip: true);

        for (var c = 0; c < 3; c++)
        {
            for (var y = 0; y < Resolution; y++)
            {
                for (var x = 0; x < Resolution; x++)
                {
                    var at = (c * Resolution * Resolution) + (y * Resolution);
                    Assert.Equal(image[at + x], flipped[at + Resolution - 1 - x]);
                }
            }
        }
    }

    [Fact]
    public void Resampling_a_crop_magnifies_it()
    {
        var image = new float[3 * Resolution * Resolution];
        var plane = Resolution * Resolution;
        for (var y = 0; y < Resolution; y++)
        {
            for (var x = 0; x < Resolution; x++)
            {
                image[(y * Resolution) + x] = x / (float)(Resolution - 1);
            }
        }

        var view = new float[image.Length];

        Augment.Resample(image, Resolution, view, Resolution, Resolution / 2.0, 0, Resolution / 2.0, Resolution, flip: false);

        Assert.All(Enumerable.Range(0, plane), i => Assert.True(view[i] >= 0.49f, $"pixel {i} came from the left half"));
        Assert.True(view[Resolution - 1] > 0.99f);
    }

    [Fact]
    public void Mismatched_buffers_are_rejected()
    {
        var image = Image();

        Assert.Throws<ArgumentException>(() => Augment.RandomView(image, new float[image.Length - 1], Resolution, new Random(1)));
        Assert.Throws<ArgumentException>(() => Augment.RandomView(image.AsSpan(1), new float[image.Length], Resolution, new Random(1)));
        Assert.Throws<ArgumentNullException>(() => Augment.RandomView(image, new float[image.Length], Resolution, null!));
    }
}
