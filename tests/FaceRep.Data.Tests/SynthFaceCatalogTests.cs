namespace FaceRep.Data.Tests;

public sealed class SynthFaceCatalogTests
{
    [Fact]
    public void The_pretraining_datasets_are_curated_uncurated_and_video()
    {
        Assert.Equal(["synth-curated", "synth-uncurated", "synth-video"], SynthFaceCatalog.PretrainDatasets);
    }

    [Theory]
    [InlineData("synth-curated", true)]
    [InlineData("synth-uncurated", true)]
    [InlineData("synth-video", true)]
    [InlineData("synth-landmarks-train", false)]
    [InlineData("Synth-Curated", false)]
    [InlineData("vggface2", false)]
    [InlineData("", false)]
    public void IsKnown_recognises_exactly_the_pretraining_names(string name, bool known)
    {
        Assert.Equal(known, SynthFaceCatalog.IsKnown(name));
    }

    [Theory]
    [InlineData(SynthFaceCatalog.Curated, SynthFlavour.Curated)]
    [InlineData(SynthFaceCatalog.Uncurated, SynthFlavour.Uncurated)]
    [InlineData(SynthFaceCatalog.Video, SynthFlavour.Video)]
    public void OpenPretrain_opens_the_named_flavour_with_the_requested_size(string name, SynthFlavour flavour)
    {
        var dataset = SynthFaceCatalog.OpenPretrain(name, 321, 40, 3);

        var synth = Assert.IsType<SynthFaceDataset>(dataset);
        Assert.Equal(name, synth.Name);
        Assert.Equal(flavour, synth.Options.Flavour);
        Assert.Equal(321, synth.Count);
        Assert.Equal(40, synth.Resolution);
        Assert.Equal(3, synth.Options.Seed);
        Assert.Equal(40, dataset.Get(0).Resolution);
    }

    [Fact]
    public void OpenPretrain_spreads_curated_images_over_several_per_identity()
    {
        var dataset = (SynthFaceDataset)SynthFaceCatalog.OpenPretrain(SynthFaceCatalog.Curated, 1000, 32, 0);

        Assert.InRange(dataset.Options.Identities, 10, 200);
    }

    [Fact]
    public void OpenPretrain_rejects_an_unknown_name_naming_it_and_the_known_ones()
    {
        var error = Assert.Throws<ArgumentException>(() => SynthFaceCatalog.OpenPretrain("imagenet", 10, 32, 0));

        Assert.Equal("name", error.ParamName);
        Assert.Contains("'imagenet'", error.Message, StringComparison.Ordinal);
        Assert.All(SynthFaceCatalog.PretrainDatasets, known => Assert.Contains(known, error.Message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(0, 32, "count")]
    [InlineData(10, 8, "resolution")]
    public void OpenPretrain_rejects_bad_sizes_naming_the_parameter(int count, int resolution, string parameter)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => SynthFaceCatalog.OpenPretrain(SynthFaceCatalog.Curated, count, resolution, 0));

        Assert.Equal(parameter, error.ParamName);
    }

    [Fact]
    public void The_landmark_task_has_the_requested_splits()
    {
        var (train, test) = SynthFaceCatalog.OpenLandmarkTask(30, 12, 48, 1);

        Assert.Equal(30, train.Count);
        Assert.Equal(12, test.Count);
        Assert.Equal(48, train.Resolution);
        Assert.Equal(48, test.Resolution);
        Assert.NotEqual(train.Name, test.Name);
    }

    [Fact]
    public void The_landmark_task_keeps_every_landmark_within_two_pixels_of_the_image()
    {
        const int Resolution = 48;
        var (train, test) = SynthFaceCatalog.OpenLandmarkTask(250, 100, Resolution, 2);

        foreach (var dataset in new[] { train, test })
        {
            for (var i = 0; i < dataset.Count; i++)
            {
                var sample = dataset.Get(i);
                Assert.All(sample.Landmarks, v => Assert.InRange(v, -2f, Resolution + 2f));
                Assert.All(sample.Pixels, v => Assert.InRange(v, 0f, 1f));
                Assert.False(TestImages.IsDistractor(sample));
            }
        }
    }

    [Fact]
    public void The_landmark_task_varies_pose_more_than_curated_data_but_less_than_uncurated()
    {
        var (train, _) = SynthFaceCatalog.OpenLandmarkTask(300, 1, 32, 2);
        var curated = SynthFaceCatalog.OpenPretrain(SynthFaceCatalog.Curated, 300, 32, 2);
        var uncurated = SynthFaceCatalog.OpenPretrain(SynthFaceCatalog.Uncurated, 300, 32, 2);

        double Spread(IFaceDataset d) => TestImages.StandardDeviation(
            Enumerable.Range(0, d.Count).Select(d.Get).Where(s => !TestImages.IsDistractor(s)).Select(TestImages.YawProxy).ToArray());

        Assert.InRange(Spread(train), Spread(curated), Spread(uncurated));
    }

    [Fact]
    public void Landmark_task_samples_never_repeat_across_splits_or_pretraining_data_with_the_same_seed()
    {
        const int Seed = 4;
        const int N = 40;
        var (train, test) = SynthFaceCatalog.OpenLandmarkTask(N, N, 32, Seed);
        var others = SynthFaceCatalog.PretrainDatasets.Select(name => SynthFaceCatalog.OpenPretrain(name, N, 32, Seed)).Append(test).ToArray();

        for (var i = 0; i < N; i++)
        {
            var sample = train.Get(i);
            foreach (var other in others)
            {
                for (var j = 0; j < N; j++)
                {
                    Assert.True(
                        TestImages.MeanAbsoluteDifference(sample.Pixels, other.Get(j).Pixels) > 0.005,
                        $"{train.Name}[{i}] looks like {other.Name}[{j}]");
                }
            }
        }
    }

    [Theory]
    [InlineData(0, 10, 32, "trainCount")]
    [InlineData(10, 0, 32, "testCount")]
    [InlineData(10, 10, 1000, "resolution")]
    public void OpenLandmarkTask_rejects_bad_arguments_naming_them(int trainCount, int testCount, int resolution, string parameter)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => SynthFaceCatalog.OpenLandmarkTask(trainCount, testCount, resolution, 0));

        Assert.Equal(parameter, error.ParamName);
    }
}

public sealed class SynthIdentityOfTests
{
    [Theory]
    [InlineData("synth-curated")]
    [InlineData("synth-uncurated")]
    [InlineData("synth-video")]
    public void IdentityOf_gives_the_rendered_samples_identity_without_rendering(string name)
    {
        var dataset = (SynthFaceDataset)SynthFaceCatalog.OpenPretrain(name, 300, 16, seed: 4);

        var rendered = Enumerable.Range(0, 300).Select(i => dataset.Get(i).Identity).ToList();

        Assert.Equal(rendered, Enumerable.Range(0, 300).Select(dataset.IdentityOf));
        // 300 images: 15 identities of 20 curated images, 5 of 4 clips of 15 frames, none uncurated.
        Assert.Equal(name switch { "synth-uncurated" => 1, "synth-video" => 5, _ => 15 }, rendered.Distinct().Count());
    }
}
