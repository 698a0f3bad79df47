using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FaceRep.Training.Methods;

/// <summary>Pre-training losses as pure functions of tensors.</summary>
public static class Losses
{
    private static readonly Scalar ZeroInteger = 0L.ToScalar();

    /// <summary>
    /// NT-Xent (SimCLR): for 2N embeddings of N images seen twice, each view's positive is the
    /// other view of its image and its negatives are the other 2N − 2 views; the loss is the
    /// mean cross-entropy of cosine similarities divided by the temperature.
    /// </summary>
    /// <param name="z1">First views, shape (N, D).</param>
    /// <param name="z2">Second views, shape (N, D).</param>
    /// <param name="temperature">Softmax temperature τ &gt; 0.</param>
    public static Tensor NtXent(Tensor z1, Tensor z2, double temperature)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(temperature, 0);
        if (z1.shape.Length != 2 || !z1.shape.SequenceEqual(z2.shape))
            throw new ArgumentException($"both views must have the same (N, D) shape; got ({string.Join(", ", z1.shape)}) and ({string.Join(", ", z2.shape)})");

        // Scalars stay referenced until the end: see Optimisers.AdamW on finalised native scalars.
        using var inverseTemperature = (1.0 / temperature).ToScalar();
        using var minusInfinity = double.NegativeInfinity.ToScalar();
        using var scope = NewDisposeScope();
        var n = z1.shape[0];
        using var offset = n.ToScalar();
        var z = functional.normalize(cat([z1, z2], 0), dim: 1);
        var logits = matmul(z, z.t()).mul_(inverseTemperature);
        // A view is never its own negative.
        var self = eye(2 * n, dtype: ScalarType.Bool, device: z.device);
        logits = logits.masked_fill(self, minusInfinity);
        // The one-argument arange makes its own start and step scalars: pass held ones.
        var index = arange(ZeroInteger, offset, HeldScalars.OneInteger, dtype: ScalarType.Int64, device: z.device);
        var targets = cat([index.add(offset, HeldScalars.OneInteger), index], 0);
        return functional.cross_entropy(logits, targets).MoveToOuterDisposeScope();
    }
}
