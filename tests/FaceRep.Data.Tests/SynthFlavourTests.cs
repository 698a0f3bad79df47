using System.Numerics;

namespace FaceRep.Data.Tests;

/// <summary>What distinguishes the curated, video and uncurated flavours.</summary>
public sealed class SynthFlavourTests
{
    [Fact]
    public void Curated_samples_cycle_through_the_identities()
    {
        var dataset = new SynthFaceDataset("c", new SynthFaceOptions(SynthFlavour.Curated, 50, 16, Identities: 7));

        var identities = Enumerable.Range(0, 50).Select(i => dataset.Get(i).Identity).ToArray();

        Assert.Equal(Enumerable.Range(0, 50).Select(i => i % 7), identities);
    }

    [Fact]
    public void Curated_images_of_one_identity_resemble_each_other_more_than_other_identities()
    {
        // Nearest centroid on colours sampled at landmark-anchored places (skin, hair, chin, lips):
        // ten identities, so chance is 10%.
        const int Identities = 10;
        var dataset = new SynthFaceDataset("c", new SynthFaceOptions(SynthFlavour.Curated, 400, 64, Seed: 21, Identities: Identities));
        var samples = Enumerable.Range(0, 400).Select(dataset.Get).ToArray();
        var train = samples.Take(200).ToArray();
        var test = samples.Skip(200).ToArray();
        var centroids = Enumerable.Range(0, Identities)
            .Select(id => Mean(train.Where(s => s.Identity == id).Select(Features).ToArray()))
            .ToArray();

        var correct = test.Count(s => Nearest(centroids, Features(s)) == s.Identity);

        var accuracy = correct / (double)test.Length;
        Assert.True(accuracy > 0.3, $"nearest-centroid identity accuracy {accuracy:P0} (chance 10%)");
    }

    [Fact]
    public void Video_frames_of_a_clip_share_the_clips_identity()
    {
        var dataset = new SynthFaceDataset("v", new SynthFaceOptions(SynthFlavour.Video, 80, 16, Identities: 3));

        for (var i = 0; i < 80; i++)
        {
            Assert.Equal(i / 16 % 3, dataset.Get(i).Identity);
        }
    }

    [Fact]
    public void Consecutive_video_frames_differ_much_less_than_frames_of_different_clips()
    {
        var dataset = new SynthFaceDataset("v", new SynthFaceOptions(SynthFlavour.Video, 160, 48, Seed: 2));
        var frames = Enumerable.Range(0, 160).Select(dataset.Get).ToArray();

        var within = new List<double>();
        var across = new List<double>();
        for (var i = 0; i + 1 < frames.Length; i++)
        {
            if ((i + 1) % 16 != 0)
            {
                within.Add(TestImages.MeanAbsoluteDifference(frames[i].Pixels, frames[i + 1].Pixels));
            }

            across.Add(TestImages.MeanAbsoluteDifference(frames[i].Pixels, frames[(i + 37) % frames.Length].Pixels));
        }

        Assert.True(within.Average() < 0.25 * across.Average(), $"within clips {within.Average():F4}, across clips {across.Average():F4}");
    }

    [Fact]
    public void Uncurated_samples_are_unlabelled()
    {
        var dataset = new SynthFaceDataset("u", new SynthFaceOptions(SynthFlavour.Uncurated, 100, 16));

        Assert.All(Enumerable.Range(0, 100), i => Assert.Equal(-1, dataset.Get(i).Identity));
    }

    [Fact]
    public void Uncurated_data_holds_about_one_non_face_distractor_in_ten()
    {
        var dataset = new SynthFaceDataset("u", new SynthFaceOptions(SynthFlavour.Uncurated, 400, 16, Seed: 8));

        var distractors = Enumerable.Range(0, 400).Count(i => TestImages.IsDistractor(dataset.Get(i)));

        Assert.InRange(distractors, 20, 70);
    }

    [Theory]
    [InlineData(SynthFlavour.Curated)]
    [InlineData(SynthFlavour.Video)]
    public void Labelled_flavours_hold_no_distractors(SynthFlavour flavour)
    {
        var dataset = new SynthFaceDataset("x", new SynthFaceOptions(flavour, 200, 16, Seed: 8));

        Assert.DoesNotContain(Enumerable.Range(0, 200), i => TestImages.IsDistractor(dataset.Get(i)));
    }

    [Fact]
    public void Uncurated_poses_spread_wider_than_curated_ones()
    {
        var curated = new SynthFaceDataset("c", new SynthFaceOptions(SynthFlavour.Curated, 300, 32, Seed: 6));
        var uncurated = new SynthFaceDataset("u", new SynthFaceOptions(SynthFlavour.Uncurated, 300, 32, Seed: 6));

        var curatedYaw = Enumerable.Range(0, 300).Select(i => TestImages.YawProxy(curated.Get(i))).ToArray();
        var uncuratedYaw = Enumerable.Range(0, 300).Select(uncurated.Get).Where(s => !TestImages.IsDistractor(s)).Select(TestImages.YawProxy).ToArray();

        var curatedSpread = TestImages.StandardDeviation(curatedYaw);
        var uncuratedSpread = TestImages.StandardDeviation(uncuratedYaw);
        Assert.True(uncuratedSpread > 2 * curatedSpread, $"yaw spread: uncurated {uncuratedSpread:F3}, curated {curatedSpread:F3}");
    }

    [Fact]
    public void Uncurated_faces_vary_in_size_and_place_more_than_curated_ones()
    {
        var curated = new SynthFaceDataset("c", new SynthFaceOptions(SynthFlavour.Curated, 200, 32, Seed: 6));
        var uncurated = new SynthFaceDataset("u", new SynthFaceOptions(SynthFlavour.Uncurated, 200, 32, Seed: 6));

        static float NoseX(FaceSample s) => TestImages.Landmark(s, 30).X;
        static float Width(FaceSample s) => Vector2.Distance(TestImages.Landmark(s, 0), TestImages.Landmark(s, 16));
        var curatedSamples = Enumerable.Range(0, 200).Select(curated.Get).ToArray();
        var uncuratedSamples = Enumerable.Range(0, 200).Select(uncurated.Get).Where(s => !TestImages.IsDistractor(s)).ToArray();

        Assert.True(TestImages.StandardDeviation(uncuratedSamples.Select(NoseX).ToArray()) > 2 * TestImages.StandardDeviation(curatedSamples.Select(NoseX).ToArray()));
        Assert.True(TestImages.StandardDeviation(uncuratedSamples.Select(Width).ToArray()) > 2 * TestImages.StandardDeviation(curatedSamples.Select(Width).ToArray()));
    }

    private static float[] Features(FaceSample s)
    {
        Vector2 L(int i) => TestImages.Landmark(s, i);
        Span<Vector2> places =
        [
            Vector2.Lerp(L(2), L(31), 0.45f),
            Vector2.Lerp(L(14), L(35), 0.45f),
            L(27) + (0.6f * (L(27) - L(30))),
            L(27) + (0.8f * (L(27) - L(8))),
            L(0) + (0.12f * (L(0) - L(16))),
            L(16) + (0.12f * (L(16) - L(0))),
            Vector2.Lerp(L(8), L(57), 0.5f),
            Vector2.Lerp(L(51), L(62), 0.5f),
        ];
        var features = new float[3 * places.Length];
        for (var i = 0; i < places.Length; i++)
        {
            var c = TestImages.PatchMean(s, places[i], 1);
            features[3 * i] = c.X;
            features[(3 * i) + 1] = c.Y;
            features[(3 * i) + 2] = c.Z;
        }

        return features;
    }

    private static float[] Mean(float[][] rows)
    {
        var mean = new float[rows[0].Length];
        foreach (var row in rows)
        {
            for (var i = 0; i < mean.Length; i++)
            {
                mean[i] += row[i] / rows.Length;
            }
        }

        return mean;
    }

    private static int Nearest(float[][] centroids, float[] x)
    {
        var best = -1;
        var bestDistance = float.MaxValue;
        for (var c = 0; c < centroids.Length; c++)
        {
            var d = 0f;
            for (var i = 0; i < x.Length; i++)
            {
                d += (x[i] - centroids[c][i]) * (x[i] - centroids[c][i]);
            }

            if (d < bestDistance)
            {
                bestDistance = d;
                best = c;
            }
        }

        return best;
    }
}
