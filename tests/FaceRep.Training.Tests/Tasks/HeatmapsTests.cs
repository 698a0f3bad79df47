using FaceRep.Training.Tasks;
using static TorchSharp.torch;

namespace FaceRep.Training.Tests.Tasks;

[Collection(TorchCollection.Name)]
public sealed class HeatmapsTests
{
    [Fact]
    public void Decoding_target_heatmaps_recovers_sub_pixel_points()
    {
        // 64-pixel image, 16-pixel heatmaps (stride 4): points between heatmap pixel centres.
        float[] points = [10.3f, 20.9f, 33.3f, 40.1f, 50.75f, 7.6f];
        using var truth = tensor(points, [1, 6]);

        using var maps = Heatmaps.Targets(truth, 16, 64);
        using var decoded = Heatmaps.Decode(maps, 64);

        var actual = decoded.data<float>().ToArray();
        for (var i = 0; i < points.Length; i++)
            Assert.Equal(points[i], actual[i], 3);
    }

    [Fact]
    public void A_target_peaks_at_one_on_its_point()
    {
        // Point at the centre of heatmap pixel (2, 5): image coordinates ((2 + ½)·4, (5 + ½)·4) = (10, 22).
        using var truth = tensor(new[] { 10f, 22f }, [1, 2]);

        using var maps = Heatmaps.Targets(truth, 16, 64);

        Assert.Equal(1f, maps[0, 0, 5, 2].item<float>(), 6);
        Assert.Equal((float)Math.Exp(-0.5), maps[0, 0, 5, 3].item<float>(), 6);
        Assert.Equal(maps.max().item<float>(), maps[0, 0, 5, 2].item<float>());
    }

    [Theory]
    [InlineData(1f, 2f, 1f, 0)]
    [InlineData(0.5f, 1f, 0.5f, 0)]
    public void A_symmetric_peak_has_no_offset(float a, float b, float c, double expected) =>
        Assert.Equal(expected, Heatmaps.Offset(a, b, c), 10);

    [Fact]
    public void The_offset_is_exact_for_a_sampled_gaussian()
    {
        // exp(−(x − 0.3)²/2) sampled at −1, 0, 1: the parabola through the logs peaks at 0.3.
        static float G(double x) => (float)Math.Exp(-(x - 0.3) * (x - 0.3) / 2);

        Assert.Equal(0.3, Heatmaps.Offset(G(-1), G(0), G(1)), 5);
    }
}
