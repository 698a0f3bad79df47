using System.Numerics;

namespace FaceRep.Data.Tests;

/// <summary>3D landmarks and head pose of SynthFace samples.</summary>
public sealed class SynthPoseTests
{
    private static readonly Lazy<FaceSample[]> Turned = new(() =>
    {
        var train = SynthFaceCatalog.OpenTask(SynthTasks.Landmarks3D, 600, 8, 8, 48, 5).Train;
        return Enumerable.Range(0, train.Count).Select(train.Get).ToArray();
    });

    public static TheoryData<string> Tasks => new(SynthFaceCatalog.Tasks);

    private static Vector3 Point3D(FaceSample s, int i) => new(s.Landmarks3D[3 * i], s.Landmarks3D[(3 * i) + 1], s.Landmarks3D[(3 * i) + 2]);

    /// <summary>Standard deviation of the 68 depths over that of the 68 heights: how deep the face looks, whatever its size.</summary>
    private static double RelativeDepthSpread(FaceSample s)
    {
        var z = Enumerable.Range(0, 68).Select(i => s.Landmarks3D[(3 * i) + 2]).ToArray();
        var y = Enumerable.Range(0, 68).Select(i => s.Landmarks3D[(3 * i) + 1]).ToArray();
        return TestImages.StandardDeviation(z) / TestImages.StandardDeviation(y);
    }

    [Theory]
    [InlineData(SynthFlavour.Curated)]
    [InlineData(SynthFlavour.Uncurated)]
    [InlineData(SynthFlavour.Video)]
    public void The_x_and_y_of_the_3D_landmarks_are_the_2D_landmarks(SynthFlavour flavour)
    {
        var dataset = new SynthFaceDataset("x", new SynthFaceOptions(flavour, 100, 40, Seed: 6));

        for (var i = 0; i < dataset.Count; i++)
        {
            var s = dataset.Get(i);
            Assert.Equal(204, s.Landmarks3D.Length);
            for (var p = 0; p < 68; p++)
            {
                Assert.Equal(s.Landmarks[2 * p], s.Landmarks3D[3 * p]);
                Assert.Equal(s.Landmarks[(2 * p) + 1], s.Landmarks3D[(3 * p) + 1]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Tasks))]
    public void Task_samples_carry_3D_landmarks_matching_their_2D_ones_and_a_pose(string task)
    {
        var test = SynthFaceCatalog.OpenTask(task, 1, 1, 40, 32, 2).Test;

        for (var i = 0; i < test.Count; i++)
        {
            var s = test.Get(i);
            for (var p = 0; p < 68; p++)
            {
                Assert.Equal(s.Landmarks[2 * p], s.Landmarks3D[3 * p]);
                Assert.Equal(s.Landmarks[(2 * p) + 1], s.Landmarks3D[(3 * p) + 1]);
            }

            Assert.All(s.Landmarks3D, v => Assert.True(float.IsFinite(v)));
            Assert.True(float.IsFinite(s.Yaw) && float.IsFinite(s.Pitch) && float.IsFinite(s.Roll));
        }
    }

    [Fact]
    public void Depth_is_centred_on_the_landmarks_mean()
    {
        foreach (var s in Turned.Value.Take(50))
        {
            var meanDepth = Enumerable.Range(0, 68).Average(i => s.Landmarks3D[(3 * i) + 2]);

            Assert.InRange(meanDepth, -1e-3, 1e-3);
        }
    }

    [Fact]
    public void The_depth_spread_grows_with_the_yaw()
    {
        var samples = Turned.Value;

        var frontal = samples.Where(s => Math.Abs(s.Yaw) < 15f).Select(RelativeDepthSpread).ToArray();
        var turned = samples.Where(s => Math.Abs(s.Yaw) > 45f).Select(RelativeDepthSpread).ToArray();

        Assert.True(frontal.Length > 50 && turned.Length > 50);
        Assert.True(turned.Average() > 1.25 * frontal.Average(), $"relative depth spread: turned {turned.Average():F3}, frontal {frontal.Average():F3}");
    }

    [Fact]
    public void The_nose_tip_is_nearer_the_camera_than_the_ears_when_the_face_is_frontal()
    {
        var frontal = Turned.Value.Where(s => Math.Abs(s.Yaw) < 20f && Math.Abs(s.Pitch) < 10f).ToArray();

        Assert.NotEmpty(frontal);
        Assert.All(frontal, s =>
        {
            Assert.True(Point3D(s, 30).Z < Point3D(s, 0).Z);
            Assert.True(Point3D(s, 30).Z < Point3D(s, 16).Z);
        });
    }

    [Fact]
    public void A_positive_yaw_turns_the_face_towards_the_image_right_and_brings_its_left_side_nearer()
    {
        var turned = Turned.Value.Where(s => Math.Abs(s.Yaw) > 20f).ToArray();

        Assert.All(turned, s =>
        {
            Assert.Equal(Math.Sign(s.Yaw), Math.Sign(TestImages.YawProxy(s)));
            Assert.Equal(Math.Sign(s.Yaw), Math.Sign(Point3D(s, 16).Z - Point3D(s, 0).Z));
        });
    }

    [Fact]
    public void A_positive_pitch_raises_the_nose_tip_towards_the_brows()
    {
        var samples = Turned.Value.Where(s => Math.Abs(s.Yaw) < 30f).ToArray();

        // The nose tip's drop below the eyes relative to the chin's: the tip stands out towards the camera, so
        // tilting the face up brings it nearer the eyes in the image.
        double NoseDrop(FaceSample s)
        {
            var eyes = 0.5f * (TestImages.Landmark(s, 39) + TestImages.Landmark(s, 42));
            var chin = TestImages.Landmark(s, 8);
            return Vector2.Distance(eyes, TestImages.Landmark(s, 30)) / Vector2.Distance(eyes, chin);
        }

        var up = samples.Where(s => s.Pitch > 10f).Select(NoseDrop).ToArray();
        var down = samples.Where(s => s.Pitch < -10f).Select(NoseDrop).ToArray();
        Assert.True(up.Length > 20 && down.Length > 20);
        Assert.True(up.Average() < down.Average(), $"nose drop: up {up.Average():F3}, down {down.Average():F3}");
    }

    [Theory]
    [InlineData(SynthTasks.Landmarks3D, 60f, 20f, 15f)]
    [InlineData(SynthTasks.Landmarks, 35f, 15f, 15f)]
    [InlineData(SynthTasks.ActionUnits, 12f, 8f, 8f)]
    [InlineData(SynthTasks.Emotion, 30f, 15f, 15f)]
    [InlineData(SynthTasks.Recognition, 50f, 15f, 12f)]
    public void Pose_angles_stay_within_the_tasks_ranges(string task, float yaw, float pitch, float roll)
    {
        var train = SynthFaceCatalog.OpenTask(task, 300, 1, 1, 16, 7).Train;

        var samples = Enumerable.Range(0, train.Count).Select(train.Get).ToArray();

        Assert.All(samples, s =>
        {
            Assert.InRange(Math.Abs(s.Yaw), 0f, yaw);
            Assert.InRange(Math.Abs(s.Pitch), 0f, pitch);
            Assert.InRange(Math.Abs(s.Roll), 0f, roll);
        });
        Assert.Contains(samples, s => Math.Abs(s.Yaw) > 0.6f * yaw);
    }

    [Fact]
    public void The_3D_task_spreads_yaw_uniformly_to_sixty_degrees()
    {
        var yaws = Turned.Value.Select(s => Math.Abs(s.Yaw)).ToArray();

        // AFLW2000-3D's bins: [0, 30), [30, 60]; uniform yaw puts half in each.
        var wide = yaws.Count(y => y >= 30f);
        Assert.InRange(wide, 0.4 * yaws.Length, 0.6 * yaws.Length);
        Assert.Contains(yaws, y => y > 55f);
    }

    [Fact]
    public void Distractors_carry_empty_labels_and_no_pose()
    {
        var dataset = new SynthFaceDataset("u", new SynthFaceOptions(SynthFlavour.Uncurated, 200, 16, Seed: 8));

        var distractors = Enumerable.Range(0, dataset.Count).Select(dataset.Get).Where(TestImages.IsDistractor).ToArray();

        Assert.NotEmpty(distractors);
        Assert.All(distractors, s =>
        {
            Assert.Equal(new float[204], s.Landmarks3D);
            Assert.Equal(new float[SynthFaceLabels.ActionUnits.Count], s.ActionUnits);
            Assert.Equal(-1, s.Emotion);
            Assert.True(float.IsNaN(s.Yaw) && float.IsNaN(s.Pitch) && float.IsNaN(s.Roll));
        });
    }

    [Fact]
    public void Samples_built_elsewhere_default_to_having_no_extra_labels()
    {
        var sample = new FaceSample { Resolution = 16, Pixels = new float[768], Landmarks = new float[136], Identity = 3 };

        Assert.Empty(sample.Landmarks3D);
        Assert.Empty(sample.ActionUnits);
        Assert.Equal(-1, sample.Emotion);
        Assert.True(float.IsNaN(sample.Valence) && float.IsNaN(sample.Arousal) && float.IsNaN(sample.Yaw));
    }
}
