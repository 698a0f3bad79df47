using FaceRep.Data.Landmarks;

namespace FaceRep.Data.Tests.Landmarks;

public sealed class LandmarkSchemesTests
{
    [Theory]
    [InlineData(68)]
    [InlineData(98)]
    public void The_mirror_map_is_a_permutation_that_undoes_itself(int points)
    {
        var map = LandmarkSchemes.FlipPermutation(points);

        Assert.Equal(Enumerable.Range(0, points), map.Order());
        Assert.All(Enumerable.Range(0, points), i => Assert.Equal(i, map[map[i]]));
    }

    [Theory]
    [InlineData(68, 36, 45)]   // outer eye corners
    [InlineData(68, 48, 54)]   // mouth corners
    [InlineData(68, 0, 16)]    // jaw ends
    [InlineData(98, 60, 72)]   // outer eye corners
    [InlineData(98, 96, 97)]   // pupils
    [InlineData(98, 76, 82)]   // mouth corners
    public void Left_and_right_features_swap(int points, int left, int right)
    {
        var map = LandmarkSchemes.FlipPermutation(points);

        Assert.Equal(right, map[left]);
        Assert.Equal(left, map[right]);
    }

    [Theory]
    [InlineData(68, 8)]    // chin
    [InlineData(68, 30)]   // nose tip
    [InlineData(68, 51)]   // upper lip top
    [InlineData(98, 16)]   // chin
    [InlineData(98, 54)]   // nose tip
    public void Midline_points_stay_themselves(int points, int index)
    {
        Assert.Equal(index, LandmarkSchemes.FlipPermutation(points)[index]);
    }

    [Fact]
    public void Mirroring_twice_gives_back_the_same_points()
    {
        var dataset = SynthFaceCatalog.OpenPretrain(SynthFaceCatalog.Curated, 4, 64, seed: 1);
        var original = dataset.Get(2).Landmarks;
        var points = (float[])original.Clone();

        LandmarkSchemes.MirrorInPlace(points, 2, 64);
        LandmarkSchemes.MirrorInPlace(points, 2, 64);

        Assert.All(original.Zip(points), p => Assert.InRange(Math.Abs(p.First - p.Second), 0, 1e-4));
    }

    [Fact]
    public void After_mirroring_the_left_eye_is_still_on_the_left_of_the_image()
    {
        var points = SynthFaceCatalog.OpenPretrain(SynthFaceCatalog.Curated, 4, 64, seed: 1).Get(0).Landmarks;
        var mirrored = (float[])points.Clone();

        LandmarkSchemes.MirrorInPlace(mirrored, 2, 64);

        // Point 36 (the subject's right eye corner, on the image's left) stays on the image's left...
        Assert.True(points[2 * 36] < points[2 * 45]);
        Assert.True(mirrored[2 * 36] < mirrored[2 * 45]);
        // ...and is where the mirror image of the other eye corner lands.
        Assert.Equal(64 - points[2 * 45], mirrored[2 * 36], 4);
        Assert.Equal(points[(2 * 45) + 1], mirrored[(2 * 36) + 1]);
    }

    [Fact]
    public void Three_dimensional_points_keep_their_depth()
    {
        var points = Enumerable.Range(0, 68 * 3).Select(i => (float)i).ToArray();

        LandmarkSchemes.MirrorInPlace(points, 3, 100);

        Assert.Equal(100 - ((45 * 3) + 0f), points[36 * 3]);
        Assert.Equal((45 * 3) + 2f, points[(36 * 3) + 2]);
    }

    [Fact]
    public void An_unknown_layout_is_refused_naming_its_size()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => LandmarkSchemes.FlipPermutation(21));

        Assert.Contains("21", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(19, 0, 5)]
    [InlineData(19, 13, 13)]
    [InlineData(29, 16, 17)]
    [InlineData(29, 20, 20)]
    public void Aflw_and_cofw_mirror_as_hrnet_pairs_their_points_and_twice_is_the_identity(int points, int point, int mirrored)
    {
        var map = LandmarkSchemes.FlipPermutation(points);

        Assert.Equal(mirrored, map[point]);
        Assert.All(Enumerable.Range(0, points), i => Assert.Equal(i, map[map[i]]));
    }
}
