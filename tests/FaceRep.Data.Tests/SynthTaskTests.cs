using System.Collections.Concurrent;
using System.Numerics;

namespace FaceRep.Data.Tests;

/// <summary>The downstream tasks' splits: sizes, disjointness and determinism.</summary>
public sealed class SynthTaskTests
{
    public static TheoryData<string> Tasks => new(SynthFaceCatalog.Tasks);

    private static IFaceDataset[] All(TaskSplits splits) => [splits.Train, splits.Validation, splits.Test];

    private static FaceSample[] Samples(IFaceDataset dataset) => Enumerable.Range(0, dataset.Count).Select(dataset.Get).ToArray();

    [Fact]
    public void The_tasks_are_recognition_landmarks_au_emotion_and_landmarks3d()
    {
        Assert.Equal(["recognition", "landmarks", "au", "emotion", "landmarks3d"], SynthFaceCatalog.Tasks);
        Assert.Equal(
            [SynthTasks.Recognition, SynthTasks.Landmarks, SynthTasks.ActionUnits, SynthTasks.Emotion, SynthTasks.Landmarks3D],
            SynthFaceCatalog.Tasks);
    }

    [Theory]
    [MemberData(nameof(Tasks))]
    public void OpenTask_opens_three_named_splits_of_the_requested_sizes(string task)
    {
        var splits = SynthFaceCatalog.OpenTask(task, 30, 12, 20, 24, 1);

        Assert.Equal([30, 12, 20], All(splits).Select(d => d.Count));
        Assert.All(All(splits), d => Assert.Equal(24, d.Resolution));
        Assert.Equal($"synth-{task}-train", splits.Train.Name);
        Assert.Equal($"synth-{task}-validation", splits.Validation.Name);
        Assert.Equal($"synth-{task}-test", splits.Test.Name);
        Assert.Equal(24, splits.Test.Get(19).Resolution);
    }

    [Fact]
    public void OpenTask_rejects_an_unknown_task_naming_it_and_the_known_ones()
    {
        var error = Assert.Throws<ArgumentException>(() => SynthFaceCatalog.OpenTask("segmentation", 10, 10, 10, 32, 0));

        Assert.Equal("task", error.ParamName);
        Assert.Contains("'segmentation'", error.Message, StringComparison.Ordinal);
        Assert.All(SynthFaceCatalog.Tasks, known => Assert.Contains(known, error.Message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(0, 10, 10, 32, "train")]
    [InlineData(10, 0, 10, 32, "validation")]
    [InlineData(10, 10, -1, 32, "test")]
    [InlineData(10, 10, 10, 8, "resolution")]
    public void OpenTask_rejects_bad_sizes_naming_the_parameter(int train, int validation, int test, int resolution, string parameter)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => SynthFaceCatalog.OpenTask(SynthTasks.Emotion, train, validation, test, resolution, 0));

        Assert.Equal(parameter, error.ParamName);
    }

    [Theory]
    [MemberData(nameof(Tasks))]
    public void Splits_share_no_identity(string task)
    {
        var splits = SynthFaceCatalog.OpenTask(task, 120, 60, 60, 16, 2);

        var identities = All(splits).Select(d => Samples(d).Select(s => s.Identity).ToHashSet()).ToArray();

        Assert.All(identities, set => Assert.DoesNotContain(-1, set));
        Assert.Empty(identities[0].Intersect(identities[1]));
        Assert.Empty(identities[0].Intersect(identities[2]));
        Assert.Empty(identities[1].Intersect(identities[2]));
    }

    [Fact]
    public void Recognition_has_many_identities_with_several_images_each_and_unseen_test_identities()
    {
        var splits = SynthFaceCatalog.OpenTask(SynthTasks.Recognition, 800, 80, 400, 16, 3);

        var train = Samples(splits.Train).GroupBy(s => s.Identity).ToArray();
        var test = Samples(splits.Test).GroupBy(s => s.Identity).ToArray();

        Assert.InRange(train.Length, 80, 200);
        Assert.All(train, g => Assert.InRange(g.Count(), 4, 16));
        Assert.Equal(Enumerable.Range(0, train.Length), train.Select(g => g.Key).Order());
        Assert.InRange(test.Length, 40, 100);
        Assert.Empty(train.Select(g => g.Key).Intersect(test.Select(g => g.Key)));
    }

    [Fact]
    public void Recognition_images_of_one_identity_resemble_each_other_more_than_other_identities()
    {
        // Pixel distance between aligned crops is crude, but an identity's skin, hair and shape must show.
        var test = SynthFaceCatalog.OpenTask(SynthTasks.Recognition, 1, 1, 160, 32, 4).Test;
        var samples = Samples(test).Where(s => Math.Abs(s.Yaw) < 20f).ToArray();

        var same = new List<double>();
        var different = new List<double>();
        for (var i = 0; i < samples.Length; i++)
        {
            for (var j = i + 1; j < samples.Length; j++)
            {
                var d = SkinDistance(samples[i], samples[j]);
                (samples[i].Identity == samples[j].Identity ? same : different).Add(d);
            }
        }

        Assert.True(same.Count > 20);
        Assert.True(same.Average() < 0.8 * different.Average(), $"same identity {same.Average():F3}, different {different.Average():F3}");
    }

    [Fact]
    public void Action_unit_subjects_appear_in_one_split_only_with_many_images_each()
    {
        var splits = SynthFaceCatalog.OpenTask(SynthTasks.ActionUnits, 400, 100, 100, 16, 5);

        var subjects = All(splits).Select(d => Samples(d).GroupBy(s => s.Identity).ToDictionary(g => g.Key, g => g.Count())).ToArray();

        Assert.Empty(subjects[0].Keys.Intersect(subjects[1].Keys));
        Assert.Empty(subjects[0].Keys.Intersect(subjects[2].Keys));
        Assert.Empty(subjects[1].Keys.Intersect(subjects[2].Keys));
        Assert.All(subjects, split => Assert.All(split.Values, count => Assert.True(count >= 10, $"a subject has only {count} images")));
        Assert.InRange(subjects[0].Count, 15, 25);
    }

    [Theory]
    [MemberData(nameof(Tasks))]
    public void Task_samples_are_identical_across_instances_and_threads(string task)
    {
        var first = SynthFaceCatalog.OpenTask(task, 40, 8, 8, 24, 9).Train;
        var second = SynthFaceCatalog.OpenTask(task, 40, 8, 8, 24, 9).Train;
        var expected = Samples(first);
        var parallel = new ConcurrentDictionary<int, FaceSample>();

        Parallel.ForEach(Enumerable.Range(0, 40).Reverse(), new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => parallel[i] = second.Get(i));

        for (var i = 0; i < expected.Length; i++)
        {
            var a = expected[i];
            var b = parallel[i];
            TestImages.AssertBitIdentical(a.Pixels, b.Pixels);
            TestImages.AssertBitIdentical(a.Landmarks3D, b.Landmarks3D);
            TestImages.AssertBitIdentical(a.ActionUnits, b.ActionUnits);
            Assert.Equal((a.Identity, a.Emotion, a.Yaw, a.Pitch, a.Roll), (b.Identity, b.Emotion, b.Yaw, b.Pitch, b.Roll));
            Assert.Equal(a.Valence, b.Valence);
            Assert.Equal(a.Arousal, b.Arousal);
        }
    }

    [Theory]
    [MemberData(nameof(Tasks))]
    public void A_split_does_not_depend_on_the_sizes_of_the_other_splits(string task)
    {
        var reference = SynthFaceCatalog.OpenTask(task, 20, 5, 24, 16, 6);
        var largerTraining = SynthFaceCatalog.OpenTask(task, 300, 50, 24, 16, 6);
        var largerTest = SynthFaceCatalog.OpenTask(task, 20, 50, 300, 16, 6);

        for (var i = 0; i < 20; i++)
        {
            TestImages.AssertBitIdentical(reference.Test.Get(i).Pixels, largerTraining.Test.Get(i).Pixels);
            Assert.Equal(reference.Test.Get(i).Identity, largerTraining.Test.Get(i).Identity);
            TestImages.AssertBitIdentical(reference.Train.Get(i).Pixels, largerTest.Train.Get(i).Pixels);
            Assert.Equal(reference.Train.Get(i).Identity, largerTest.Train.Get(i).Identity);
        }
    }

    [Theory]
    [MemberData(nameof(Tasks))]
    public void Task_samples_never_coincide_with_pretraining_samples_or_other_splits(string task)
    {
        const int Seed = 4;
        const int N = 30;
        var splits = SynthFaceCatalog.OpenTask(task, N, N, N, 24, Seed);
        var others = SynthFaceCatalog.PretrainDatasets.Select(name => SynthFaceCatalog.OpenPretrain(name, N, 24, Seed))
            .Append(SynthFaceCatalog.OpenLandmarkTask(N, N, 24, Seed).Train)
            .Append(splits.Validation)
            .Append(splits.Test)
            .Select(Samples)
            .ToArray();

        foreach (var sample in Samples(splits.Train))
        {
            foreach (var other in others)
            {
                Assert.All(other, o => Assert.True(TestImages.MeanAbsoluteDifference(sample.Pixels, o.Pixels) > 0.005));
            }
        }
    }

    [Fact]
    public void Different_tasks_draw_different_people()
    {
        var recognition = Samples(SynthFaceCatalog.OpenTask(SynthTasks.Recognition, 40, 1, 1, 24, 0).Train);
        var landmarks = Samples(SynthFaceCatalog.OpenTask(SynthTasks.Landmarks, 40, 1, 1, 24, 0).Train);

        var same = recognition.Zip(landmarks).Count(pair => TestImages.MeanAbsoluteDifference(pair.First.Pixels, pair.Second.Pixels) < 0.005);

        Assert.Equal(0, same);
    }

    [Theory]
    [InlineData(SynthTasks.Landmarks)]
    [InlineData(SynthTasks.Landmarks3D)]
    [InlineData(SynthTasks.Emotion)]
    [InlineData(SynthTasks.ActionUnits)]
    [InlineData(SynthTasks.Recognition)]
    public void Task_faces_keep_every_landmark_within_two_pixels_of_the_image(string task)
    {
        const int Resolution = 32;
        var train = SynthFaceCatalog.OpenTask(task, 200, 1, 1, Resolution, 8).Train;

        Assert.All(Samples(train), s =>
        {
            Assert.All(s.Landmarks, v => Assert.InRange(v, -2f, Resolution + 2f));
            Assert.All(s.Pixels, v => Assert.InRange(v, 0f, 1f));
            Assert.False(TestImages.IsDistractor(s));
        });
    }

    [Fact]
    public void The_3D_task_turns_faces_further_than_the_2D_landmark_task()
    {
        var flat = Samples(SynthFaceCatalog.OpenTask(SynthTasks.Landmarks, 300, 1, 1, 16, 2).Train);
        var deep = Samples(SynthFaceCatalog.OpenTask(SynthTasks.Landmarks3D, 300, 1, 1, 16, 2).Train);

        Assert.True(deep.Max(s => Math.Abs(s.Yaw)) > 50f);
        Assert.True(flat.Max(s => Math.Abs(s.Yaw)) <= 35f);
        Assert.True(TestImages.StandardDeviation(deep.Select(s => s.Yaw).ToArray()) > 1.5 * TestImages.StandardDeviation(flat.Select(s => s.Yaw).ToArray()));

        // The drawn geometry follows: the nose sits further off the jaw's middle (the proxy saturates with the turn).
        Assert.True(
            TestImages.StandardDeviation(deep.Select(TestImages.YawProxy).ToArray()) > 1.1 * TestImages.StandardDeviation(flat.Select(TestImages.YawProxy).ToArray()));
    }

    /// <summary>Colour distance at landmark-anchored skin places (cheeks, forehead, chin).</summary>
    private static double SkinDistance(FaceSample a, FaceSample b) => SkinColours(a).Zip(SkinColours(b), Vector3.Distance).Average();

    private static Vector3[] SkinColours(FaceSample s)
    {
        Vector2 L(int i) => TestImages.Landmark(s, i);
        return
        [
            TestImages.PatchMean(s, Vector2.Lerp(L(2), L(31), 0.45f), 1),
            TestImages.PatchMean(s, Vector2.Lerp(L(14), L(35), 0.45f), 1),
            TestImages.PatchMean(s, L(27) + (0.6f * (L(27) - L(30))), 1),
            TestImages.PatchMean(s, Vector2.Lerp(L(8), L(57), 0.5f), 1),
        ];
    }
}
