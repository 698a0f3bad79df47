using FaceRep.Core.Specs;

namespace FaceRep.Training.Backbones;

/// <summary>Backbones by name.</summary>
public static class BackboneRegistry
{
    private static readonly Dictionary<string, (int[] Blocks, bool Bottleneck)> Architectures = new(StringComparer.Ordinal)
    {
        ["resnet18"] = ([2, 2, 2, 2], false),
        ["resnet34"] = ([3, 4, 6, 3], false),
        ["resnet50"] = ([3, 4, 6, 3], true),
    };

    /// <summary>The architectures this build provides.</summary>
    public static IReadOnlyCollection<string> Names => Architectures.Keys;

    /// <summary>Creates an untrained backbone. Call under <see cref="TorchRuntime.Seeded"/> for reproducible weights.</summary>
    public static ResNet Create(BackboneSpec spec)
    {
        if (!Architectures.TryGetValue(spec.Arch, out var a))
            throw new ArgumentException($"unknown backbone '{spec.Arch}'; known: {string.Join(", ", Architectures.Keys)}", nameof(spec));
        return new ResNet(spec.Arch, a.Blocks, a.Bottleneck, spec.Width);
    }
}
