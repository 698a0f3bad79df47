using FaceRep.Training.Tasks;
using static TorchSharp.torch;

namespace FaceRep.Training.Tests.Tasks;

[Collection(TorchCollection.Name)]
public sealed class HeatmapsTests
{
    private static Tensor Logits(int h, int w, params (int Row, int Column, float Value)[] peaks)
    {
        // Every pixel far below the peaks: their softmax weight is e^-100 ≈ 0.
        var values = Enumerable.Repeat(-100f, h * w).ToArray();
        foreach (var (row, column, value) in peaks)
            values[(row * w) + column] = value;
        return tensor(values, [1, 1, h, w]);
    }

    [Fact]
    public void A_single_peak_decodes_to_its_pixel_centre()
    {
        // 16-pixel heatmap over a 64-pixel image: stride 4; pixel (row 5, column 2) has centre (10, 22).
        using var logits = Logits(16, 16, (5, 2, 0f));

        var point = Heatmaps.SoftArgmax(logits, 64).data<float>().ToArray();

        Assert.Equal(10f, point[0], 4);
        Assert.Equal(22f, point[1], 4);
    }

    [Fact]
    public void Two_equal_neighbours_decode_between_them_with_sub_pixel_precision()
    {
        // Columns 2 and 3 equally likely: x = (10 + 14)/2 = 12. Weights e^0 and e^ln3 = 1 : 3 on rows 5 and 6:
        // y = (22·1 + 26·3)/4 = 25.
        using var logits = Logits(16, 16, (5, 2, 0f), (5, 3, 0f), (6, 2, (float)Math.Log(3)), (6, 3, (float)Math.Log(3)));

        var point = Heatmaps.SoftArgmax(logits, 64).data<float>().ToArray();

        Assert.Equal(12f, point[0], 4);
        Assert.Equal(25f, point[1], 4);
    }

    [Fact]
    public void Uniform_heatmaps_decode_to_the_image_centre_and_points_keep_their_order()
    {
        using var logits = zeros(2, 3, 8, 8);

        var points = Heatmaps.SoftArgmax(logits, 32);

        Assert.Equal([2L, 6L], points.shape);
        Assert.All(points.data<float>().ToArray(), v => Assert.Equal(16f, v, 4));
    }

    [Fact]
    public void Decoding_is_differentiable()
    {
        using var logits = zeros(1, 1, 4, 4).requires_grad_();

        Heatmaps.SoftArgmax(logits, 16).sum().backward();

        Assert.NotNull(logits.grad);
        Assert.True(logits.grad!.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void A_tensor_that_is_not_a_batch_of_heatmaps_is_refused() =>
        Assert.Throws<ArgumentException>(() => Heatmaps.SoftArgmax(zeros(2, 3, 8), 32));
}
