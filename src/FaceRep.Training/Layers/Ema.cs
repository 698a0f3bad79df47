using TorchSharp;
using static TorchSharp.torch;

namespace FaceRep.Training.Layers;

/// <summary>Target networks: copies of a module kept as an exponential moving average of it (MoCo's key encoder, BYOL's target).</summary>
public static class Ema
{
    /// <summary>Copies every parameter and buffer of <paramref name="source"/> into <paramref name="target"/> (same architecture) and freezes the target.</summary>
    public static void CopyInto(nn.Module source, nn.Module target)
    {
        using var _ = no_grad();
        foreach (var ((name, s), (targetName, t)) in Pairs(source.named_parameters(), target.named_parameters()))
        {
            Check(name, targetName, s, t);
            t.copy_(s);
            t.requires_grad = false;
        }

        foreach (var ((name, s), (targetName, t)) in Pairs(source.named_buffers(), target.named_buffers()))
        {
            Check(name, targetName, s, t);
            t.copy_(s);
        }
    }

    /// <summary>
    /// One EMA step: every target parameter becomes m·target + (1 − m)·online; buffers (batch-norm
    /// statistics) are copied, as BYOL and MoCo do.
    /// </summary>
    public static void Update(nn.Module target, nn.Module online, double momentum)
    {
        if (momentum is < 0 or > 1)
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "EMA momentum must be in [0, 1]");
        using var m = momentum.ToScalar();
        using var rest = (1 - momentum).ToScalar();
        using var _ = no_grad();
        foreach (var ((_, t), (_, o)) in Pairs(target.named_parameters(), online.named_parameters()))
            t.mul_(m).add_(o, rest);
        foreach (var ((_, t), (_, o)) in Pairs(target.named_buffers(), online.named_buffers()))
            t.copy_(o);
    }

    private static IEnumerable<((string, Tensor), (string, Tensor))> Pairs<T>(IEnumerable<(string, T)> a, IEnumerable<(string, T)> b)
        where T : Tensor
    {
        var left = a.ToList();
        var right = b.ToList();
        if (left.Count != right.Count)
            throw new ArgumentException($"the modules differ: {left.Count} and {right.Count} tensors");
        return left.Zip(right, (x, y) => ((x.Item1, (Tensor)x.Item2), (y.Item1, (Tensor)y.Item2)));
    }

    private static void Check(string name, string targetName, Tensor s, Tensor t)
    {
        if (name != targetName || !s.shape.SequenceEqual(t.shape))
            throw new ArgumentException($"the modules differ at {name} ({string.Join("×", s.shape)}) and {targetName} ({string.Join("×", t.shape)})");
    }
}
