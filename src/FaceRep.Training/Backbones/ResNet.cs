using FaceRep.Training.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FaceRep.Training.Backbones;

/// <summary>
/// A ResNet backbone with torchvision's module names (conv1, bn1, layer1.0.conv1, …,
/// downsample.0/1) so its state dict interchanges with torchvision's, a width multiplier for
/// CPU-sized models, and no classifier: it ends at global average pooling.
/// </summary>
public sealed class ResNet : Module<Tensor, Tensor>
{
    // Field names are PyTorch's: they become checkpoint keys.
#pragma warning disable IDE1006
    private readonly ConvLayer conv1;
    private readonly BatchNormLayer bn1;
    private readonly MaxPool2d maxpool;
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly Sequential layer4;
    private readonly AdaptiveAvgPool2d avgpool;
#pragma warning restore IDE1006

    /// <summary>Builds a ResNet.</summary>
    /// <param name="name">Module name.</param>
    /// <param name="blocks">Blocks per stage (2,2,2,2 for ResNet-18).</param>
    /// <param name="bottleneck">Bottleneck blocks (ResNet-50) instead of basic blocks.</param>
    /// <param name="width">Channel multiplier; 1 is torchvision's width.</param>
    public ResNet(string name, int[] blocks, bool bottleneck, double width)
        : base(name)
    {
        if (blocks.Length != 4)
            throw new ArgumentException($"a ResNet has 4 stages; got {blocks.Length}", nameof(blocks));
        if (!(width > 0))
            throw new ArgumentOutOfRangeException(nameof(width), width, "width must be positive");

        var expansion = bottleneck ? 4 : 1;
        var stem = Channels(64, width);
        conv1 = ConvLayer.Conv2d(3, stem, kernelSize: 7, stride: 2, padding: 3, bias: false);
        bn1 = new BatchNormLayer(stem);
        maxpool = MaxPool2d(kernel_size: 3, stride: 2, padding: 1);

        long inChannels = stem;
        Sequential Stage(int planes, int count, int stride)
        {
            var width_ = Channels(planes, width);
            var modules = new List<Module<Tensor, Tensor>>();
            for (var i = 0; i < count; i++)
            {
                var s = i == 0 ? stride : 1;
                modules.Add(bottleneck
                    ? new Bottleneck(inChannels, width_, s)
                    : new BasicBlock(inChannels, width_, s));
                inChannels = width_ * expansion;
            }

            return Sequential(modules);
        }

        layer1 = Stage(64, blocks[0], 1);
        layer2 = Stage(128, blocks[1], 2);
        layer3 = Stage(256, blocks[2], 2);
        layer4 = Stage(512, blocks[3], 2);
        avgpool = AdaptiveAvgPool2d(1);
        FeatureDim = inChannels;

        RegisterComponents();
        InitialiseWeights();
    }

    /// <summary>Channels of the pooled feature vector.</summary>
    public long FeatureDim { get; }

    /// <summary>Pooled features, shape (N, FeatureDim).</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return avgpool.call(FeatureMap(input)).flatten(1).MoveToOuterDisposeScope();
    }

    /// <summary>The last stage's feature map, shape (N, FeatureDim, H/32, W/32).</summary>
    public Tensor FeatureMap(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = maxpool.call(functional.relu(bn1.call(conv1.call(input))));
        x = layer4.call(layer3.call(layer2.call(layer1.call(x))));
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// He-normal convolution weights (fan-out, for ReLU) and unit-scale, zero-shift batch norms, by
    /// module type as torchvision's ResNet does.
    /// </summary>
    private void InitialiseWeights()
    {
        using var _ = no_grad();
        foreach (var module in modules())
        {
            switch (module)
            {
                case ConvLayer conv:
                    init.kaiming_normal_(conv.Weight, mode: init.FanInOut.FanOut, nonlinearity: init.NonlinearityType.ReLU);
                    break;
                case BatchNormLayer norm:
                    norm.Reset();
                    break;
            }
        }
    }

    internal static long Channels(int torchvisionChannels, double width) =>
        Math.Max(4, (long)Math.Round(torchvisionChannels * width));
}

/// <summary>ResNet-18/34 block: two 3×3 convolutions and a shortcut.</summary>
internal sealed class BasicBlock : Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly ConvLayer conv1;
    private readonly BatchNormLayer bn1;
    private readonly ConvLayer conv2;
    private readonly BatchNormLayer bn2;
    private readonly Sequential? downsample;
#pragma warning restore IDE1006

    public BasicBlock(long inChannels, long planes, long stride)
        : base(nameof(BasicBlock))
    {
        conv1 = ConvLayer.Conv2d(inChannels, planes, kernelSize: 3, stride: stride, padding: 1, bias: false);
        bn1 = new BatchNormLayer(planes);
        conv2 = ConvLayer.Conv2d(planes, planes, kernelSize: 3, stride: 1, padding: 1, bias: false);
        bn2 = new BatchNormLayer(planes);
        if (stride != 1 || inChannels != planes)
            downsample = Sequential(ConvLayer.Conv2d(inChannels, planes, kernelSize: 1, stride: stride, bias: false), new BatchNormLayer(planes));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var y = functional.relu(bn1.call(conv1.call(input)));
        y = bn2.call(conv2.call(y));
        var shortcut = downsample is null ? input : downsample.call(input);
        return functional.relu(y.add_(shortcut, HeldScalars.One)).MoveToOuterDisposeScope();
    }
}

/// <summary>ResNet-50 block: 1×1, 3×3, 1×1 convolutions with 4× expansion and a shortcut.</summary>
internal sealed class Bottleneck : Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly ConvLayer conv1;
    private readonly BatchNormLayer bn1;
    private readonly ConvLayer conv2;
    private readonly BatchNormLayer bn2;
    private readonly ConvLayer conv3;
    private readonly BatchNormLayer bn3;
    private readonly Sequential? downsample;
#pragma warning restore IDE1006

    public Bottleneck(long inChannels, long planes, long stride)
        : base(nameof(Bottleneck))
    {
        var outChannels = planes * 4;
        conv1 = ConvLayer.Conv2d(inChannels, planes, kernelSize: 1, bias: false);
        bn1 = new BatchNormLayer(planes);
        conv2 = ConvLayer.Conv2d(planes, planes, kernelSize: 3, stride: stride, padding: 1, bias: false);
        bn2 = new BatchNormLayer(planes);
        conv3 = ConvLayer.Conv2d(planes, outChannels, kernelSize: 1, bias: false);
        bn3 = new BatchNormLayer(outChannels);
        if (stride != 1 || inChannels != outChannels)
            downsample = Sequential(ConvLayer.Conv2d(inChannels, outChannels, kernelSize: 1, stride: stride, bias: false), new BatchNormLayer(outChannels));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var y = functional.relu(bn1.call(conv1.call(input)));
        y = functional.relu(bn2.call(conv2.call(y)));
        y = bn3.call(conv3.call(y));
        var shortcut = downsample is null ? input : downsample.call(input);
        return functional.relu(y.add_(shortcut, HeldScalars.One)).MoveToOuterDisposeScope();
    }
}
