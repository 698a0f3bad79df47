using System.Collections.Concurrent;

namespace FaceRep.Data.Tests;

public sealed class SynthFaceDatasetTests
{
    private static readonly int[] Indices = [0, 1, 7, 16, 17, 99, 250];

    public static TheoryData<SynthFlavour> Flavours => new(SynthFlavour.Curated, SynthFlavour.Uncurated, SynthFlavour.Video);

    [Theory]
    [MemberData(nameof(Flavours))]
    public void Datasets_with_the_same_options_render_bit_identical_samples(SynthFlavour flavour)
    {
        var options = new SynthFaceOptions(flavour, 300, 48, Seed: 5);
        var first = new SynthFaceDataset("a", options);
        var second = new SynthFaceDataset("b", options with { });

        foreach (var i in Indices)
        {
            var a = first.Get(i);
            var b = second.Get(i);

            TestImages.AssertBitIdentical(a.Pixels, b.Pixels);
            TestImages.AssertBitIdentical(a.Landmarks, b.Landmarks);
            Assert.Equal(a.Identity, b.Identity);
        }
    }

    [Theory]
    [MemberData(nameof(Flavours))]
    public void Samples_fetched_in_parallel_and_in_reverse_order_match_sequential_ones(SynthFlavour flavour)
    {
        var options = new SynthFaceOptions(flavour, 64, 32, Seed: 9);
        var sequential = new SynthFaceDataset("s", options);
        var expected = Enumerable.Range(0, 64).Select(sequential.Get).ToArray();
        var shared = new SynthFaceDataset("p", options);
        var parallel = new ConcurrentDictionary<int, FaceSample>();

        Parallel.ForEach(Enumerable.Range(0, 64).Reverse(), new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => parallel[i] = shared.Get(i));

        for (var i = 0; i < 64; i++)
        {
            TestImages.AssertBitIdentical(expected[i].Pixels, parallel[i].Pixels);
            TestImages.AssertBitIdentical(expected[i].Landmarks, parallel[i].Landmarks);
        }
    }

    [Theory]
    [MemberData(nameof(Flavours))]
    public void A_different_seed_renders_different_images(SynthFlavour flavour)
    {
        var a = new SynthFaceDataset("a", new SynthFaceOptions(flavour, 10, 32, Seed: 1));
        var b = new SynthFaceDataset("a", new SynthFaceOptions(flavour, 10, 32, Seed: 2));

        for (var i = 0; i < 10; i++)
        {
            Assert.True(TestImages.MeanAbsoluteDifference(a.Get(i).Pixels, b.Get(i).Pixels) > 0.01, $"sample {i} barely changed with the seed");
        }
    }

    [Fact]
    public void Different_indices_render_different_images()
    {
        var dataset = new SynthFaceDataset("c", new SynthFaceOptions(SynthFlavour.Curated, 20, 32));

        var first = dataset.Get(3);
        var second = dataset.Get(4);

        Assert.True(TestImages.MeanAbsoluteDifference(first.Pixels, second.Pixels) > 0.01);
    }

    [Theory]
    [MemberData(nameof(Flavours))]
    public void Pixels_are_finite_and_within_the_unit_range(SynthFlavour flavour)
    {
        var dataset = new SynthFaceDataset("x", new SynthFaceOptions(flavour, 200, 40, Seed: 3));

        for (var i = 0; i < dataset.Count; i++)
        {
            var sample = dataset.Get(i);

            Assert.All(sample.Pixels, v => Assert.InRange(v, 0f, 1f));
            Assert.All(sample.Landmarks, v => Assert.True(float.IsFinite(v)));
        }
    }

    [Theory]
    [InlineData(SynthFlavour.Curated)]
    [InlineData(SynthFlavour.Video)]
    public void Landmarks_of_curated_and_video_samples_stay_within_two_pixels_of_the_image(SynthFlavour flavour)
    {
        const int Resolution = 48;
        var dataset = new SynthFaceDataset("x", new SynthFaceOptions(flavour, 300, Resolution, Seed: 4));

        for (var i = 0; i < dataset.Count; i++)
        {
            Assert.All(dataset.Get(i).Landmarks, v => Assert.InRange(v, -2f, Resolution + 2f));
        }
    }

    [Theory]
    [InlineData(16)]
    [InlineData(64)]
    [InlineData(200)]
    public void Samples_carry_buffers_sized_for_the_resolution(int resolution)
    {
        var dataset = new SynthFaceDataset("x", new SynthFaceOptions(SynthFlavour.Curated, 3, resolution));

        var sample = dataset.Get(2);

        Assert.Equal(resolution, sample.Resolution);
        Assert.Equal(3 * resolution * resolution, sample.Pixels.Length);
        Assert.Equal(136, sample.Landmarks.Length);
        Assert.Equal(resolution, dataset.Resolution);
        Assert.Equal(3, dataset.Count);
    }

    [Fact]
    public void The_dataset_keeps_its_name_and_options()
    {
        var options = new SynthFaceOptions(SynthFlavour.Video, 32, 24, 7, 3);

        var dataset = new SynthFaceDataset("clips", options);

        Assert.Equal("clips", dataset.Name);
        Assert.Same(options, dataset.Options);
    }

    [Theory]
    [InlineData(0, 64, 10, "Count", 0)]
    [InlineData(-5, 64, 10, "Count", -5)]
    [InlineData(10, 15, 10, "Resolution", 15)]
    [InlineData(10, 513, 10, "Resolution", 513)]
    [InlineData(10, 64, 0, "Identities", 0)]
    public void Invalid_options_throw_naming_the_parameter_and_value(int count, int resolution, int identities, string parameter, int value)
    {
        var options = new SynthFaceOptions(SynthFlavour.Curated, count, resolution, 0, identities);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new SynthFaceDataset("x", options));

        Assert.Equal(parameter, error.ParamName);
        Assert.Equal(value, error.ActualValue);
        Assert.Contains(value.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_undefined_flavour_is_rejected()
    {
        var options = new SynthFaceOptions((SynthFlavour)42, 10);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new SynthFaceDataset("x", options));

        Assert.Equal("Flavour", error.ParamName);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(10)]
    public void Get_outside_the_dataset_throws(int index)
    {
        var dataset = new SynthFaceDataset("x", new SynthFaceOptions(SynthFlavour.Curated, 10, 16));

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => dataset.Get(index));

        Assert.Equal("index", error.ParamName);
    }
}
