using FaceRep.Training.Layers;
using FaceRep.Training.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace FaceRep.Training.Tests.Numerics;

[Collection(TorchCollection.Name)]
public sealed class ConvLayerTests
{
    // Shapes whose float32 results oneDNN got wrong before channels were padded to whole blocks
    // (docs/NUMERICS.md): partial blocks of 8 and 16 on either side, an image stem, a stride-2
    // convolution over 48 channels, 1×1, and transposed convolutions as the landmark head has.
    [Theory]
    [InlineData(16, 8, 8, 8, 3, 1, 1, false)]
    [InlineData(16, 24, 8, 24, 3, 1, 1, false)]
    [InlineData(16, 12, 8, 12, 3, 1, 1, false)]
    [InlineData(2, 4, 16, 4, 3, 1, 1, false)]
    [InlineData(16, 3, 32, 8, 7, 2, 3, false)]
    [InlineData(16, 48, 16, 16, 3, 2, 1, false)]
    [InlineData(16, 6, 8, 68, 1, 1, 0, false)]
    [InlineData(8, 12, 4, 8, 4, 2, 1, true)]
    [InlineData(8, 64, 4, 20, 4, 2, 1, true)]
    public void Forward_and_gradients_match_float64(int batch, int inChannels, int size, int outChannels, int kernel, int stride, int padding, bool transposed)
    {
        TorchRuntime.UseThreads(2);
        ConvLayer Make() => transposed
            ? ConvLayer.ConvTranspose2d(inChannels, outChannels, kernel, stride, padding)
            : ConvLayer.Conv2d(inChannels, outChannels, kernel, stride, padding);
        using var layer = TorchRuntime.Seeded(3, Make);
        using var reference = TorchRuntime.Seeded(3, Make);
        reference.to(ScalarType.Float64);
        var rng = new Random(5);
        var values = Enumerable.Range(0, batch * inChannels * size * size).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();

        // Three passes: the faults seen read uninitialised memory and can hide once.
        for (var pass = 0; pass < 3; pass++)
        {
            using var scope = NewDisposeScope();
            layer.zero_grad();
            reference.zero_grad();
            var x = tensor(values, [batch, inChannels, size, size]).requires_grad_(true);
            var x64 = x.detach().to(ScalarType.Float64).requires_grad_(true);
            var y = layer.call(x);
            var y64 = reference.call(x64);
            var upstream = sin(arange(y.numel()).reshape(y.shape));
            (y * upstream).sum().backward();
            (y64 * upstream.to(ScalarType.Float64)).sum().backward();

            AssertClose(y, y64, "output");
            AssertClose(x.grad!, x64.grad!, "input gradient");
            AssertClose(layer.Weight.grad!, reference.Weight.grad!, "weight gradient");
        }
    }

    [Fact]
    public void Padding_is_invisible_in_parameters_and_output_shape()
    {
        using var layer = ConvLayer.Conv2d(6, 10, 3, padding: 1);

        var output = layer.call(zeros(2, 6, 5, 5));

        Assert.Equal([2, 10, 5, 5], output.shape);
        Assert.Equal(["weight", "bias"], layer.named_parameters().Select(p => p.name));
        Assert.Equal([10, 6, 3, 3], layer.Weight.shape);
        Assert.True(NumericBackend.Current.ChannelBlock is 8 or 16);
    }

    [Fact]
    public void Initialisation_follows_pytorch_defaults()
    {
        using var layer = TorchRuntime.Seeded(1, () => ConvLayer.Conv2d(16, 32, 3));
        var bound = 1 / Math.Sqrt(16 * 9);

        // Kaiming-uniform with a = √5 gives U(±1/√fan_in) for the weight, as for the bias.
        Assert.InRange(layer.Weight.abs().max().item<float>(), bound * 0.9, bound * 1.0001);
        var bias = layer.named_parameters().Single(p => p.name == "bias").parameter;
        Assert.InRange(bias.abs().max().item<float>(), 0, bound * 1.0001);
    }

    private static void AssertClose(Tensor actual, Tensor expected, string what)
    {
        var scale = expected.abs().max().item<double>();
        var error = (actual.to(ScalarType.Float64) - expected).abs().max().item<double>() / scale;
        Assert.True(error < 1e-4, $"{what} differs from float64 by {error:G3} of its largest value ({NumericBackend.Current})");
    }
}
