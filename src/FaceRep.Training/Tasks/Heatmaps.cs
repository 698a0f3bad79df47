using static TorchSharp.torch;

namespace FaceRep.Training.Tasks;

/// <summary>
/// Integral (soft-argmax) decoding of heatmaps, as in integral pose regression (Sun et al. 2018):
/// each heatmap's softmax is a distribution over its pixels and the point is its expectation, so
/// decoding is differentiable and sub-pixel by construction, and the head can be trained with an
/// L1 loss on coordinates. A heatmap of size H over an image of size R has stride s = R/H; its
/// pixel k covers image coordinates [k·s, (k+1)·s), centre (k + ½)·s (image pixel i spans
/// [i, i + 1), as SynthFace's points).
/// </summary>
public static class Heatmaps
{
    /// <summary>Points (N, 2P, image pixels) as the expectation of each heatmap's softmax over (N, P, H, W) logits.</summary>
    public static Tensor SoftArgmax(Tensor logits, int resolution)
    {
        if (logits.dim() != 4)
            throw new ArgumentException($"heatmaps must be (N, P, H, W); got ({string.Join(", ", logits.shape)})", nameof(logits));
        using var scope = NewDisposeScope();
        var (n, p, h, w) = (logits.shape[0], logits.shape[1], logits.shape[2], logits.shape[3]);
        var probabilities = logits.reshape(n, p, h * w).softmax(2).reshape(n, p, h, w);
        var xs = Centres(w, (double)resolution / w, logits.device);
        var ys = Centres(h, (double)resolution / h, logits.device);
        // Marginals over rows and columns, then the expected centre along each axis.
        var x = probabilities.sum(2).mul(xs).sum(2);
        var y = probabilities.sum(3).mul(ys).sum(2);
        return stack([x, y], 2).reshape(n, 2 * p).MoveToOuterDisposeScope();
    }

    /// <summary>Image coordinates of the centres of <paramref name="count"/> heatmap pixels of the given stride.</summary>
    private static Tensor Centres(long count, double stride, Device device) =>
        tensor(Enumerable.Range(0, (int)count).Select(k => (float)((k + 0.5) * stride)).ToArray(), device: device);
}
