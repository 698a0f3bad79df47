using FaceRep.Training.Numerics;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FaceRep.Training.Layers;

/// <summary>
/// A 2D convolution (or transposed convolution) whose channel counts reach libtorch as whole
/// blocks of <see cref="BackendState.ChannelBlock"/>: where the input or output channels are not a
/// multiple of it, the input, weight and bias are padded with zero channels and the output is cut
/// back. The result is the same convolution; oneDNN then never sees a partly filled block, where
/// its kernels read uninitialised lanes (see <see cref="NumericBackend"/>). An input of at most 4
/// channels (an image) is not padded: oneDNN's first-layer kernels read it in its plain layout.
/// Parameters are named as PyTorch's <c>Conv2d</c> and <c>ConvTranspose2d</c> name them (weight,
/// bias) and initialised as PyTorch initialises them, so checkpoints interchange.
/// </summary>
public sealed class ConvLayer : Module<Tensor, Tensor>
{
    /// <summary>Inputs of at most this many channels (images) are passed unpadded.</summary>
    internal const long PlainInputChannels = 4;

#pragma warning disable IDE1006
    private readonly Parameter weight;
    private readonly Parameter? bias;
#pragma warning restore IDE1006
    private readonly long _in;
    private readonly long _out;
    private readonly long _stride;
    private readonly long _padding;
    private readonly long _outputPadding;
    private readonly bool _transposed;

    private ConvLayer(long inChannels, long outChannels, long kernel, long stride, long padding, long outputPadding, bool hasBias, bool transposed)
        : base(transposed ? "ConvTranspose2d" : "Conv2d")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(kernel, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        _in = inChannels;
        _out = outChannels;
        _stride = stride;
        _padding = padding;
        _outputPadding = outputPadding;
        _transposed = transposed;
        weight = new Parameter(transposed ? empty(inChannels, outChannels, kernel, kernel) : empty(outChannels, inChannels, kernel, kernel));
        register_parameter("weight", weight);
        if (hasBias)
        {
            bias = new Parameter(empty(outChannels));
            register_parameter("bias", bias);
        }

        ResetParameters();
    }

    /// <summary>A convolution, as <c>torch.nn.Conv2d</c> with square kernels.</summary>
    public static ConvLayer Conv2d(long inChannels, long outChannels, long kernelSize, long stride = 1, long padding = 0, bool bias = true) =>
        new(inChannels, outChannels, kernelSize, stride, padding, 0, bias, transposed: false);

    /// <summary>A transposed convolution, as <c>torch.nn.ConvTranspose2d</c> with square kernels.</summary>
    public static ConvLayer ConvTranspose2d(long inChannels, long outChannels, long kernelSize, long stride = 1, long padding = 0, long outputPadding = 0, bool bias = true) =>
        new(inChannels, outChannels, kernelSize, stride, padding, outputPadding, bias, transposed: true);

    /// <summary>The weight, (out, in, k, k), or (in, out, k, k) when transposed.</summary>
    public Parameter Weight => weight;

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        var backend = NumericBackend.Current;
        var block = backend.OneDnn ? backend.ChannelBlock : 1;
        var padIn = _in <= PlainInputChannels ? 0 : RoundUp(_in, block) - _in;
        var padOut = RoundUp(_out, block) - _out;
        if (padIn == 0 && padOut == 0)
            return Convolve(input, weight, bias);

        using var scope = NewDisposeScope();
        var x = padIn == 0 ? input : functional.pad(input, [0, 0, 0, 0, 0, padIn]);
        // The weight's first two dimensions are (out, in), or (in, out) when transposed; pad's
        // pairs run from the last dimension backwards.
        var w = _transposed
            ? functional.pad(weight, [0, 0, 0, 0, 0, padOut, 0, padIn])
            : functional.pad(weight, [0, 0, 0, 0, 0, padIn, 0, padOut]);
        var b = bias is null ? null : functional.pad(bias, [0, padOut]);
        var y = Convolve(x, w, b);
        return (padOut == 0 ? y : y.narrow(1, 0, _out)).MoveToOuterDisposeScope();
    }

    private Tensor Convolve(Tensor x, Tensor w, Tensor? b) =>
        _transposed
            ? functional.conv_transpose2d(x, w, b, strides: [_stride, _stride], padding: [_padding, _padding], output_padding: [_outputPadding, _outputPadding])
            : functional.conv2d(x, w, b, strides: [_stride, _stride], padding: [_padding, _padding]);

    /// <summary>PyTorch's default initialisation: Kaiming-uniform weights (a = √5), bias uniform in ±1/√fan-in.</summary>
    private void ResetParameters()
    {
        using var _ = no_grad();
        init.kaiming_uniform_(weight, a: Math.Sqrt(5));
        if (bias is not null)
        {
            // PyTorch takes fan-in from the weight's second dimension, for both kinds.
            var fanIn = weight.shape[1] * weight.shape[2] * weight.shape[3];
            var bound = 1 / Math.Sqrt(fanIn);
            init.uniform_(bias, -bound, bound);
        }
    }

    private static long RoundUp(long value, long block) => (value + block - 1) / block * block;
}
