using FaceRep.Data.Quality;

namespace FaceRep.Data.Tests.Quality;

public sealed class RedundancyTests
{
    [Fact]
    public void An_image_and_a_slightly_brighter_copy_hash_alike_and_different_faces_do_not()
    {
        var dataset = SynthFaceCatalog.OpenPretrain(SynthFaceCatalog.Curated, 40, 64, 0);
        var a = dataset.Get(0).Pixels;
        var brighter = a.Select(v => Math.Min(1f, v * 1.05f)).ToArray();

        var same = PerceptualHash.Distance(PerceptualHash.Of(a, 64), PerceptualHash.Of(brighter, 64));
        var others = Enumerable.Range(1, 39).Select(i => PerceptualHash.Distance(PerceptualHash.Of(a, 64), PerceptualHash.Of(dataset.Get(i).Pixels, 64))).ToList();

        Assert.True(same <= 4, $"a brighter copy differs in {same} bits");
        Assert.True(others.Average() > 16, $"different faces differ in {others.Average():F1} bits on average");
    }

    [Fact]
    public void A_video_set_is_far_more_redundant_than_a_curated_set_of_the_same_size()
    {
        var video = Redundancy.Measure(SynthFaceCatalog.OpenPretrain(SynthFaceCatalog.Video, 640, 64, 0), i => $"part{i / 320}");
        var curated = Redundancy.Measure(SynthFaceCatalog.OpenPretrain(SynthFaceCatalog.Curated, 640, 64, 0), i => $"part{i / 320}");

        Assert.True(video.Rate > 0.8, $"video near-duplicate rate {video.Rate:P1}");
        Assert.True(curated.Rate < 0.3, $"curated near-duplicate rate {curated.Rate:P1}");
        Assert.Equal(2, video.Parts.Count);
        Assert.Equal(640, video.Parts.Sum(p => p.Samples));
    }

    [Fact]
    public void Banding_finds_exactly_the_pairs_a_full_comparison_finds()
    {
        var random = new Random(5);
        var hashes = new List<ulong>();
        for (var i = 0; i < 300; i++)
        {
            var h = (ulong)random.NextInt64();
            hashes.Add(h);
            if (i % 3 == 0)
                hashes.Add(h ^ (1UL << random.Next(64)) ^ (1UL << random.Next(64)) ^ (1UL << random.Next(64)));
        }

        var banded = Redundancy.FindNearDuplicates(hashes, 6);

        for (var i = 0; i < hashes.Count; i++)
        {
            var brute = Enumerable.Range(0, hashes.Count).Any(j => j != i && PerceptualHash.Distance(hashes[i], hashes[j]) <= 6);
            Assert.Equal(brute, banded[i]);
        }
    }
}
