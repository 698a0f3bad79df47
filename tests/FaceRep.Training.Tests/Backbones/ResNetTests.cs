using FaceRep.Core.Specs;
using FaceRep.Training.Backbones;
using static TorchSharp.torch;

namespace FaceRep.Training.Tests.Backbones;

[Collection(TorchCollection.Name)]
public sealed class ResNetTests
{
    [Theory]
    // torchvision's state dicts have 122 (resnet18) and 320 (resnet50) keys, of which fc.weight and fc.bias are not part of a backbone.
    [InlineData("resnet18", 120)]
    [InlineData("resnet34", 216)]
    [InlineData("resnet50", 318)]
    public void State_dict_keys_follow_torchvision(string arch, int keys)
    {
        using var model = BackboneRegistry.Create(new BackboneSpec(arch, 0.25, 64));

        var names = model.state_dict().Keys.ToList();

        Assert.Equal(keys, names.Count);
        Assert.Contains("conv1.weight", names);
        Assert.Contains("bn1.running_mean", names);
        Assert.Contains("bn1.num_batches_tracked", names);
        Assert.Contains("layer1.0.conv1.weight", names);
        Assert.Contains("layer2.0.downsample.0.weight", names);
        Assert.Contains("layer4.1.bn2.bias", names);
        Assert.DoesNotContain(names, n => n.StartsWith("fc.", StringComparison.Ordinal));
    }

    [Fact]
    public void Full_width_resnet18_has_torchvisions_shapes_and_parameter_count()
    {
        using var model = BackboneRegistry.Create(new BackboneSpec("resnet18", 1.0, 224));

        var parameters = model.parameters().Sum(p => p.numel());

        // torchvision resnet18 has 11,689,512 parameters including the 512x1000 fc layer and its bias.
        Assert.Equal(11_689_512 - (512 * 1000) - 1000, parameters);
        Assert.Equal(512, model.FeatureDim);
        Assert.Equal([64, 3, 7, 7], model.state_dict()["conv1.weight"].shape);
    }

    [Theory]
    [InlineData(0.25, 64, 128)]
    [InlineData(0.5, 96, 256)]
    public void Width_scales_channels_and_any_input_size_pools_to_one_vector(double width, int input, long features)
    {
        using var model = BackboneRegistry.Create(new BackboneSpec("resnet18", width, input));
        model.eval();

        using var _ = no_grad();
        var output = model.call(zeros(2, 3, input, input));

        Assert.Equal([2, features], output.shape);
        Assert.Equal(features, model.FeatureDim);
    }

    [Fact]
    public void The_same_seed_gives_the_same_weights()
    {
        var spec = new BackboneSpec("resnet18", 0.25, 64);
        using var a = TorchRuntime.Seeded(5, () => BackboneRegistry.Create(spec));
        using var b = TorchRuntime.Seeded(5, () => BackboneRegistry.Create(spec));
        using var c = TorchRuntime.Seeded(6, () => BackboneRegistry.Create(spec));

        var wa = a.state_dict()["layer3.1.conv2.weight"];
        Assert.True(wa.equal(b.state_dict()["layer3.1.conv2.weight"]).all().item<bool>());
        Assert.False(wa.equal(c.state_dict()["layer3.1.conv2.weight"]).all().item<bool>());
    }
}
