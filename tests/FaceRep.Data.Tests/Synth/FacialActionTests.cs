using System.Numerics;
using FaceRep.Data.Synth;

namespace FaceRep.Data.Tests.Synth;

/// <summary>Each action unit moves the landmarks it acts on in its FACS direction, in proportion to its intensity.</summary>
public sealed class FacialActionTests
{
    private const float Degree = MathF.PI / 180f;

    /// <summary>Which way a landmark should move in the image.</summary>
    public enum Direction
    {
        Up,
        Down,
        Outward,
        Inward,
    }

    private static FaceShape Identity(int i)
    {
        var rng = SynthRandom.For(i, 77, SynthStreams.Identity, i);
        return FaceShape.Draw(ref rng);
    }

    private static Expression With(int actionUnit, float intensity)
    {
        var e = default(Expression);
        e.Set(SynthFaceLabels.IndexOf(actionUnit), intensity);
        return e;
    }

    /// <summary>The 68 points of an identity wearing an expression, posed and projected to the image plane.</summary>
    private static Vector2[] Posed(in FaceShape id, in Expression e, float yawDegrees = 8f, float pitchDegrees = -5f)
    {
        Span<Vector3> shape = stackalloc Vector3[FaceModel.PointCount];
        FaceModel.Build(id, e, shape);
        var projector = Projector.Create(yawDegrees * Degree, pitchDegrees * Degree, 0f);
        var points = new Vector2[FaceModel.PointCount];
        for (var i = 0; i < points.Length; i++)
        {
            points[i] = projector.Project(shape[i]);
        }

        return points;
    }

    private static float MouthCentreX(Vector2[] p) => 0.5f * (p[51].X + p[57].X);

    [Fact]
    public void Zero_intensities_give_the_neutral_shape()
    {
        Span<Vector3> expressed = stackalloc Vector3[FaceModel.PointCount];
        Span<Vector3> neutral = stackalloc Vector3[FaceModel.PointCount];

        for (var i = 0; i < 200; i++)
        {
            var id = Identity(i);
            FaceModel.Build(id, default, expressed);
            FaceModel.BuildNeutral(id, neutral);

            Assert.True(expressed.SequenceEqual(neutral), $"identity {i} moved without any action unit");
        }
    }

    [Theory]
    [InlineData(1, 21, Direction.Up)]
    [InlineData(1, 22, Direction.Up)]
    [InlineData(2, 17, Direction.Up)]
    [InlineData(2, 26, Direction.Up)]
    [InlineData(4, 21, Direction.Down)]
    [InlineData(4, 22, Direction.Down)]
    [InlineData(4, 21, Direction.Inward)]
    [InlineData(4, 22, Direction.Inward)]
    [InlineData(5, 37, Direction.Up)]
    [InlineData(5, 44, Direction.Up)]
    [InlineData(6, 41, Direction.Up)]
    [InlineData(6, 46, Direction.Up)]
    [InlineData(7, 40, Direction.Up)]
    [InlineData(7, 47, Direction.Up)]
    [InlineData(9, 33, Direction.Up)]
    [InlineData(9, 31, Direction.Up)]
    [InlineData(10, 51, Direction.Up)]
    [InlineData(10, 62, Direction.Up)]
    [InlineData(12, 48, Direction.Up)]
    [InlineData(12, 54, Direction.Up)]
    [InlineData(12, 48, Direction.Outward)]
    [InlineData(12, 54, Direction.Outward)]
    [InlineData(14, 48, Direction.Outward)]
    [InlineData(14, 54, Direction.Outward)]
    [InlineData(15, 48, Direction.Down)]
    [InlineData(15, 54, Direction.Down)]
    [InlineData(17, 57, Direction.Up)]
    [InlineData(17, 8, Direction.Up)]
    [InlineData(20, 48, Direction.Outward)]
    [InlineData(20, 54, Direction.Outward)]
    [InlineData(23, 48, Direction.Inward)]
    [InlineData(23, 54, Direction.Inward)]
    [InlineData(25, 66, Direction.Down)]
    [InlineData(25, 57, Direction.Down)]
    [InlineData(26, 8, Direction.Down)]
    [InlineData(26, 66, Direction.Down)]
    public void An_action_unit_moves_its_landmarks_the_FACS_way(int actionUnit, int landmark, Direction direction)
    {
        for (var i = 0; i < 20; i++)
        {
            var id = Identity(i);
            var neutral = Posed(id, default);
            var acting = Posed(id, With(actionUnit, SynthFaceLabels.MaxIntensity));

            var before = neutral[landmark];
            var after = acting[landmark];
            var side = MathF.Sign(before.X - MouthCentreX(neutral));
            var moved = direction switch
            {
                Direction.Up => before.Y - after.Y,
                Direction.Down => after.Y - before.Y,
                Direction.Outward => side * (after.X - before.X),
                _ => side * (before.X - after.X),
            };
            Assert.True(moved > 0.015f, $"AU{actionUnit} moved landmark {landmark} {direction} by {moved:F4} head units for identity {i}");
        }
    }

    [Fact]
    public void AU12_raises_and_widens_the_mouth_corners()
    {
        var id = Identity(3);

        var neutral = Posed(id, default);
        var smiling = Posed(id, With(12, 4f));

        Assert.True(smiling[48].Y < neutral[48].Y - 0.05f);
        Assert.True(smiling[54].Y < neutral[54].Y - 0.05f);
        Assert.True(Vector2.Distance(smiling[48], smiling[54]) > Vector2.Distance(neutral[48], neutral[54]) + 0.1f);
    }

    [Fact]
    public void AU26_lowers_the_chin_and_opens_the_inner_lips()
    {
        var id = Identity(4);

        var neutral = Posed(id, default);
        var open = Posed(id, With(26, 5f));

        Assert.True(open[8].Y > neutral[8].Y + 0.2f, $"chin {neutral[8].Y:F3} → {open[8].Y:F3}");
        var closedGap = neutral[66].Y - neutral[62].Y;
        var openGap = open[66].Y - open[62].Y;
        Assert.True(openGap > closedGap + 0.25f, $"inner lips {closedGap:F3} → {openGap:F3}");
    }

    [Fact]
    public void AU1_raises_the_inner_brows_more_than_the_outer_and_AU2_the_reverse()
    {
        var id = Identity(5);
        var neutral = Posed(id, default);

        var inner = Posed(id, With(1, 5f));
        var outer = Posed(id, With(2, 5f));

        float Rise(Vector2[] p, int i) => neutral[i].Y - p[i].Y;
        Assert.True(Rise(inner, 21) > 2f * Rise(inner, 17));
        Assert.True(Rise(inner, 22) > 2f * Rise(inner, 26));
        Assert.True(Rise(outer, 17) > 2f * Rise(outer, 21));
        Assert.True(Rise(outer, 26) > 2f * Rise(outer, 22));
    }

    [Fact]
    public void AU4_lowers_the_brows_and_draws_them_together()
    {
        var id = Identity(6);

        var neutral = Posed(id, default);
        var frown = Posed(id, With(4, 5f));

        Assert.True(frown[21].Y > neutral[21].Y + 0.08f);
        Assert.True(frown[22].Y > neutral[22].Y + 0.08f);
        Assert.True(Vector2.Distance(frown[21], frown[22]) < Vector2.Distance(neutral[21], neutral[22]) - 0.1f);
    }

    [Fact]
    public void Displacement_grows_in_proportion_to_intensity()
    {
        var id = Identity(7);
        Span<Vector3> neutral = stackalloc Vector3[FaceModel.PointCount];
        Span<Vector3> half = stackalloc Vector3[FaceModel.PointCount];
        Span<Vector3> full = stackalloc Vector3[FaceModel.PointCount];
        FaceModel.BuildNeutral(id, neutral);

        foreach (var actionUnit in SynthFaceLabels.ActionUnits)
        {
            FaceModel.Build(id, With(actionUnit, 2f), half);
            FaceModel.Build(id, With(actionUnit, 4f), full);

            // Brows, eyes' outer corners, nose and mouth corners are free of contact constraints.
            foreach (var i in (ReadOnlySpan<int>)[17, 19, 21, 22, 24, 26, 36, 45, 30, 33, 48, 54])
            {
                var expected = 2f * (half[i] - neutral[i]);
                var actual = full[i] - neutral[i];
                Assert.True(Vector3.Distance(expected, actual) < 1e-4f, $"AU{actionUnit}, landmark {i}: {expected} vs {actual}");
            }
        }
    }

    [Fact]
    public void A_unilateral_action_moves_one_mouth_corner_only()
    {
        var id = Identity(8);
        var oneSided = default(Expression);
        oneSided.ImageRight[FacialActions.Au12] = 5f;

        var neutral = Posed(id, default, 0f, 0f);
        var smirk = Posed(id, oneSided, 0f, 0f);

        Assert.True(smirk[54].Y < neutral[54].Y - 0.08f);
        Assert.Equal(neutral[48], smirk[48]);
        Assert.Equal(5f, oneSided.Intensity(FacialActions.Au12));
    }

    [Fact]
    public void Lips_and_lids_never_pass_through_each_other_whatever_the_mix()
    {
        var rng = new SynthRandom(11);
        Span<Vector3> p = stackalloc Vector3[FaceModel.PointCount];

        for (var trial = 0; trial < 2000; trial++)
        {
            var e = default(Expression);
            for (var unit = 0; unit < FacialActions.Count; unit++)
            {
                e.Set(unit, rng.Chance(0.4f) ? rng.Range(0f, SynthFaceLabels.MaxIntensity) : 0f);
            }

            FaceModel.Build(Identity(trial), e, p);

            Assert.True(p[66].Y >= p[62].Y && p[67].Y >= p[61].Y && p[65].Y >= p[63].Y, $"trial {trial}: inner lips crossed");
            Assert.True(p[57].Y > p[66].Y && p[51].Y < p[62].Y, $"trial {trial}: an outer lip crossed an inner one");
            Assert.True(p[41].Y > p[37].Y && p[40].Y > p[38].Y && p[47].Y > p[43].Y && p[46].Y > p[44].Y, $"trial {trial}: lids crossed");
        }
    }

    [Fact]
    public void The_published_emotion_prototypes_are_the_ones_rendered()
    {
        for (var emotion = 0; emotion < SynthFaceLabels.Emotions.Count; emotion++)
        {
            var rendered = Affect.Prototype(emotion).ToArray().Select(p => SynthFaceLabels.ActionUnits[p.Unit]).Order();

            Assert.Equal(SynthFaceLabels.EmotionPrototypes[emotion].Order(), rendered);
        }
    }

    [Fact]
    public void The_action_unit_list_and_names_line_up()
    {
        Assert.Equal([1, 2, 4, 5, 6, 7, 9, 10, 12, 14, 15, 17, 20, 23, 25, 26], SynthFaceLabels.ActionUnits);
        Assert.Equal(FacialActions.Count, SynthFaceLabels.ActionUnits.Count);
        Assert.Equal(SynthFaceLabels.ActionUnits.Count, SynthFaceLabels.ActionUnitNames.Count);
        Assert.Equal("lip corner puller", SynthFaceLabels.ActionUnitNames[SynthFaceLabels.IndexOf(12)]);
        Assert.Equal(-1, SynthFaceLabels.IndexOf(3));
    }
}
