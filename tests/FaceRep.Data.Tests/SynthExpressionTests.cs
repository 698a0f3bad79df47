namespace FaceRep.Data.Tests;

/// <summary>Action-unit, emotion, valence and arousal labels of SynthFace samples.</summary>
public sealed class SynthExpressionTests
{
    private static readonly Lazy<FaceSample[]> EmotionSamples = new(() =>
    {
        var train = SynthFaceCatalog.OpenTask(SynthTasks.Emotion, 960, 8, 8, 32, 3).Train;
        return Enumerable.Range(0, train.Count).Select(train.Get).ToArray();
    });

    private static readonly Lazy<FaceSample[]> UnitSamples = new(() =>
    {
        var train = SynthFaceCatalog.OpenTask(SynthTasks.ActionUnits, 1200, 8, 8, 32, 3).Train;
        return Enumerable.Range(0, train.Count).Select(train.Get).ToArray();
    });

    private static double Mean(IEnumerable<FaceSample> samples, Func<FaceSample, float> value) => samples.Average(s => (double)value(s));

    [Fact]
    public void Each_emotion_shows_its_prototype_action_units_clearly_above_the_others()
    {
        var samples = EmotionSamples.Value;

        for (var emotion = 0; emotion < SynthFaceLabels.Emotions.Count; emotion++)
        {
            var ofClass = samples.Where(s => s.Emotion == emotion).ToArray();
            var means = Enumerable.Range(0, SynthFaceLabels.ActionUnits.Count).Select(k => Mean(ofClass, s => s.ActionUnits[k])).ToArray();
            var prototype = SynthFaceLabels.EmotionPrototypes[emotion].Select(SynthFaceLabels.IndexOf).ToHashSet();
            var others = Enumerable.Range(0, means.Length).Where(k => !prototype.Contains(k)).Select(k => means[k]).ToArray();

            foreach (var k in prototype)
            {
                Assert.True(
                    means[k] > others.Max() + 0.8,
                    $"{SynthFaceLabels.Emotions[emotion]}: AU{SynthFaceLabels.ActionUnits[k]} averages {means[k]:F2}, the strongest other unit {others.Max():F2}");
            }
        }
    }

    [Fact]
    public void Neutral_faces_show_at_most_traces_of_action()
    {
        var neutral = EmotionSamples.Value.Where(s => s.Emotion == SynthFaceLabels.Neutral).ToArray();

        Assert.NotEmpty(neutral);
        Assert.All(neutral, s => Assert.All(s.ActionUnits, v => Assert.InRange(v, 0f, 1f)));
    }

    [Fact]
    public void Every_run_of_eight_emotion_samples_holds_each_class_once()
    {
        var samples = EmotionSamples.Value;

        for (var start = 0; start < samples.Length; start += 8)
        {
            var classes = samples.Skip(start).Take(8).Select(s => s.Emotion).Order();
            Assert.Equal(Enumerable.Range(0, 8), classes);
        }
    }

    [Theory]
    [InlineData(5)]
    [InlineData(13)]
    [InlineData(100)]
    public void Emotion_classes_are_balanced_in_every_split(int count)
    {
        var splits = SynthFaceCatalog.OpenTask(SynthTasks.Emotion, count, count, count, 16, 1);

        foreach (var split in new[] { splits.Train, splits.Validation, splits.Test })
        {
            var counts = Enumerable.Range(0, split.Count).Select(split.Get).GroupBy(s => s.Emotion).ToDictionary(g => g.Key, g => g.Count());
            for (var emotion = 0; emotion < 8; emotion++)
            {
                Assert.InRange(counts.GetValueOrDefault(emotion), count / 8, (count / 8) + 1);
            }
        }
    }

    [Fact]
    public void Valence_is_positive_for_happy_and_negative_for_sad_and_anger()
    {
        var samples = EmotionSamples.Value;

        double MeanValence(int emotion) => Mean(samples.Where(s => s.Emotion == emotion), s => s.Valence);

        Assert.True(MeanValence(SynthFaceLabels.Happy) > 0.3);
        Assert.True(MeanValence(SynthFaceLabels.Sad) < -0.3);
        Assert.True(MeanValence(SynthFaceLabels.Anger) < -0.3);
        Assert.InRange(MeanValence(SynthFaceLabels.Neutral), -0.05, 0.05);
    }

    [Fact]
    public void Arousal_of_surprise_and_fear_exceeds_that_of_sadness_and_neutral_faces()
    {
        var samples = EmotionSamples.Value;

        double MeanArousal(int emotion) => Mean(samples.Where(s => s.Emotion == emotion), s => s.Arousal);

        var calm = Math.Max(MeanArousal(SynthFaceLabels.Sad), MeanArousal(SynthFaceLabels.Neutral));
        Assert.True(MeanArousal(SynthFaceLabels.Surprise) > calm + 0.4);
        Assert.True(MeanArousal(SynthFaceLabels.Fear) > calm + 0.4);
    }

    [Fact]
    public void Valence_and_arousal_lie_in_the_unit_range_and_grow_with_expression_intensity()
    {
        var happy = EmotionSamples.Value.Where(s => s.Emotion == SynthFaceLabels.Happy).ToArray();

        Assert.All(EmotionSamples.Value, s =>
        {
            Assert.InRange(s.Valence, -1f, 1f);
            Assert.InRange(s.Arousal, -1f, 1f);
        });
        var smile = happy.Select(s => (double)s.ActionUnits[SynthFaceLabels.IndexOf(12)]).ToArray();
        var valence = happy.Select(s => (double)s.Valence).ToArray();
        Assert.True(Correlation(smile, valence) > 0.5, $"valence follows the smile's intensity with r = {Correlation(smile, valence):F2}");
    }

    [Fact]
    public void Contempt_acts_on_one_mouth_corner()
    {
        var contempt = EmotionSamples.Value.Where(s => s.Emotion == SynthFaceLabels.Contempt && Math.Abs(s.Yaw) < 10f).ToArray();

        // The corner that smirks rises above the other one (relative to the mouth's tilt with the head's roll).
        var lopsided = contempt.Count(s =>
        {
            var left = TestImages.Landmark(s, 48);
            var right = TestImages.Landmark(s, 54);
            var tilt = TestImages.Landmark(s, 45) - TestImages.Landmark(s, 36);
            var expected = left.Y + ((right.X - left.X) * tilt.Y / tilt.X);
            return Math.Abs(right.Y - expected) > 0.3f;
        });
        Assert.NotEmpty(contempt);
        Assert.True(lopsided > 0.7 * contempt.Length, $"{lopsided} of {contempt.Length} contempt faces are lopsided");
    }

    [Fact]
    public void Action_unit_task_intensities_span_zero_to_five_and_are_mostly_zero()
    {
        var samples = UnitSamples.Value;

        for (var k = 0; k < SynthFaceLabels.ActionUnits.Count; k++)
        {
            var values = samples.Select(s => s.ActionUnits[k]).ToArray();
            var name = $"AU{SynthFaceLabels.ActionUnits[k]}";
            Assert.All(values, v => Assert.InRange(v, 0f, SynthFaceLabels.MaxIntensity));
            Assert.True(values.Count(v => v == 0f) > 0.5 * values.Length, $"{name} is zero in only {values.Count(v => v == 0f)} of {values.Length}");
            Assert.True(values.Any(v => v > 4f), $"{name} never exceeds 4");
            Assert.True(values.Count(v => v is > 0.5f and < 2.5f) >= 5, $"{name} is rarely weak");
        }

        var expressive = samples.Count(s => s.ActionUnits.Any(v => v >= 1f));
        Assert.True(expressive > 0.7 * samples.Length, $"only {expressive} of {samples.Length} faces show an action unit at intensity 1 or more");
    }

    [Fact]
    public void Action_units_fire_together_as_in_spontaneous_expression_and_not_otherwise()
    {
        var samples = UnitSamples.Value;
        int Index(int au) => SynthFaceLabels.IndexOf(au);
        double[] Column(int au) => samples.Select(s => (double)s.ActionUnits[Index(au)]).ToArray();

        // Units that fire together in spontaneous expression correlate; unrelated ones hardly do.
        Assert.True(Correlation(Column(6), Column(12)) > 0.4);
        Assert.True(Correlation(Column(25), Column(26)) > 0.4);
        Assert.InRange(Correlation(Column(9), Column(20)), -0.2, 0.2);
        Assert.InRange(Correlation(Column(2), Column(15)), -0.2, 0.2);
    }

    [Theory]
    [InlineData(SynthFlavour.Curated)]
    [InlineData(SynthFlavour.Uncurated)]
    [InlineData(SynthFlavour.Video)]
    public void Pretraining_flavours_carry_action_units_but_no_emotion_label(SynthFlavour flavour)
    {
        var dataset = new SynthFaceDataset("x", new SynthFaceOptions(flavour, 200, 16, Seed: 2));

        var samples = Enumerable.Range(0, dataset.Count).Select(dataset.Get).ToArray();

        Assert.All(samples, s =>
        {
            Assert.Equal(-1, s.Emotion);
            Assert.True(float.IsNaN(s.Valence) && float.IsNaN(s.Arousal));
            Assert.Equal(SynthFaceLabels.ActionUnits.Count, s.ActionUnits.Length);
        });
        Assert.True(samples.Count(s => s.ActionUnits.Any(v => v > 0.5f)) > samples.Length / 2);
    }

    [Fact]
    public void The_action_unit_task_has_no_emotion_label()
    {
        Assert.All(UnitSamples.Value, s =>
        {
            Assert.Equal(-1, s.Emotion);
            Assert.True(float.IsNaN(s.Valence));
        });
    }

    [Fact]
    public void The_jaw_moves_within_a_video_clip()
    {
        var dataset = new SynthFaceDataset("v", new SynthFaceOptions(SynthFlavour.Video, 160, 16, Seed: 3));
        var jaw = SynthFaceLabels.IndexOf(26);

        var clipsThatTalk = Enumerable.Range(0, 10).Count(clip =>
        {
            var values = Enumerable.Range(clip * 16, 16).Select(i => dataset.Get(i).ActionUnits[jaw]).ToArray();
            return values.Max() - values.Min() > 0.1f;
        });

        Assert.True(clipsThatTalk >= 8, $"only {clipsThatTalk} of 10 clips move the jaw");
    }

    private static double Correlation(double[] a, double[] b)
    {
        var ma = a.Average();
        var mb = b.Average();
        var cov = a.Zip(b, (x, y) => (x - ma) * (y - mb)).Sum();
        var va = a.Sum(x => (x - ma) * (x - ma));
        var vb = b.Sum(y => (y - mb) * (y - mb));
        return cov / Math.Sqrt(va * vb);
    }
}
