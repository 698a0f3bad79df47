using System.Runtime.CompilerServices;
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

    /// <summary>
    /// InfoNCE as in MoCo v2 (He et al. 2020, "Momentum Contrast for Unsupervised Visual
    /// Representation Learning"; Chen et al. 2020, "Improved Baselines with Momentum Contrastive
    /// Learning"): with q and k L2-normalised, logits = [q·k, q·queueᵀ] / T for each row and the
    /// loss is the mean cross-entropy with the positive at index 0, i.e.
    /// −mean_n log(exp(q_n·k_n/T) / (exp(q_n·k_n/T) + Σ_j exp(q_n·queue_j/T))).
    /// Neither the keys nor the queue carry gradient: they come from the momentum encoder.
    /// </summary>
    /// <param name="q">Queries from the online encoder, shape (N, D); normalised here.</param>
    /// <param name="k">Keys from the momentum encoder, shape (N, D); normalised and detached here.</param>
    /// <param name="queue">Negative keys, shape (K, D), already normalised; detached here.</param>
    /// <param name="temperature">Softmax temperature T &gt; 0 (0.2 in MoCo v2).</param>
    public static Tensor InfoNce(Tensor q, Tensor k, Tensor queue, double temperature)
    {
        RequirePositive(temperature);
        RequireMatrix(q, nameof(q));
        RequireSameShape(q, k, nameof(q), nameof(k));
        RequireMatrix(queue, nameof(queue));
        if (queue.shape[1] != q.shape[1])
            throw new ArgumentException($"the queue's keys must have the queries' dimension {q.shape[1]}; got queue shape {Shape(queue)}", nameof(queue));

        using var inverseTemperature = (1.0 / temperature).ToScalar();
        using var scope = NewDisposeScope();
        var queries = functional.normalize(q, dim: 1);
        var keys = functional.normalize(k.detach(), dim: 1);
        var positive = queries.mul(keys).sum(1, keepdim: true);
        var negative = queries.mm(queue.detach().t());
        var logits = cat([positive, negative], 1).mul_(inverseTemperature);
        var targets = zeros(q.shape[0], dtype: ScalarType.Int64, device: q.device);
        return functional.cross_entropy(logits, targets).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Sinkhorn–Knopp equipartition of SwAV (Caron et al. 2020, "Unsupervised Learning of Visual
    /// Features by Contrasting Cluster Assignments", Algorithm / official <c>distributed_sinkhorn</c>),
    /// computed without gradient: Q = exp(scores / ε)ᵀ (K × B) is scaled to total 1, then
    /// <paramref name="iterations"/> times each prototype's row is scaled to sum to 1/K and each
    /// sample's column to 1/B; the result is (B·Q)ᵀ, shape (B, K), whose rows (one per sample) each
    /// sum to 1 and, once converged, whose columns each sum to B/K.
    /// The largest score is subtracted before the exponential so a small ε cannot overflow; that
    /// multiplies Q by a constant which the first scaling removes, so the result is unchanged.
    /// </summary>
    /// <param name="scores">Prototype scores, shape (B, K); not differentiated through.</param>
    /// <param name="epsilon">Entropy regularisation ε &gt; 0 (0.05 in SwAV).</param>
    /// <param name="iterations">Number of row-then-column scalings, at least 1 (3 in SwAV).</param>
    public static Tensor Sinkhorn(Tensor scores, double epsilon, int iterations)
    {
        RequirePositive(epsilon);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        RequireMatrix(scores, nameof(scores));

        var b = scores.shape[0];
        var k = scores.shape[1];
        using var inverseEpsilon = (1.0 / epsilon).ToScalar();
        using var samples = ((double)b).ToScalar();
        using var prototypes = ((double)k).ToScalar();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var s = scores.detach();
        var q = s.sub(s.max()).mul_(inverseEpsilon).exp_().t();
        q.div_(q.sum());
        for (var iteration = 0; iteration < iterations; iteration++)
        {
            using var step = NewDisposeScope();
            q.div_(q.sum(1, keepdim: true)).div_(prototypes);
            q.div_(q.sum(0, keepdim: true)).div_(samples);
        }

        return q.mul_(samples).t().contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// SwAV's swapped prediction (Caron et al. 2020; as in the official code and solo-learn): for
    /// each of the first <paramref name="assignmentCrops"/> crops i, codes q_i = Sinkhorn(scores_i)
    /// (no gradient) are predicted from every other crop v ≠ i; the loss is
    /// mean_{i &lt; A} mean_{v ≠ i} mean_b −Σ_k q_i[b,k] · log_softmax(scores_v[b] / T)_k.
    /// </summary>
    /// <param name="scores">Per crop, prototype scores of shape (B, K): cosine similarities of
    /// normalised embeddings with normalised prototypes. At least two crops, all the same shape.</param>
    /// <param name="assignmentCrops">How many leading crops get codes, 1 to the number of crops
    /// (2 in SwAV: the global crops).</param>
    /// <param name="temperature">Softmax temperature T &gt; 0 (0.1 in SwAV).</param>
    /// <param name="epsilon">Sinkhorn's ε &gt; 0 (0.05 in SwAV).</param>
    /// <param name="iterations">Sinkhorn's iterations, at least 1 (3 in SwAV).</param>
    public static Tensor SwAV(IReadOnlyList<Tensor> scores, int assignmentCrops, double temperature, double epsilon, int iterations)
    {
        ArgumentNullException.ThrowIfNull(scores);
        if (scores.Count < 2)
            throw new ArgumentException($"swapped prediction needs at least two crops; got {scores.Count}", nameof(scores));
        if (assignmentCrops < 1 || assignmentCrops > scores.Count)
            throw new ArgumentOutOfRangeException(nameof(assignmentCrops), assignmentCrops, $"assignmentCrops must be between 1 and the number of crops ({scores.Count}); got {assignmentCrops}");
        RequirePositive(temperature);
        RequirePositive(epsilon);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        RequireMatrix(scores[0], "scores[0]");
        for (var v = 1; v < scores.Count; v++)
            RequireSameShape(scores[0], scores[v], "scores[0]", $"scores[{v}]");

        using var scope = NewDisposeScope();
        var codes = scores.Take(assignmentCrops).Select(s => Sinkhorn(s, epsilon, iterations)).ToArray();
        return SwappedPrediction(codes, scores, temperature).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The prediction half of SwAV: crop i's codes (for the first codes.Count crops, however they
    /// were computed — from the batch alone or with a queue) predicted from every other crop v ≠ i:
    /// mean_{i} mean_{v ≠ i} mean_b −Σ_k q_i[b,k] · log_softmax(scores_v[b] / T)_k.
    /// </summary>
    /// <param name="codes">Per assignment crop, target codes of shape (B, K) whose rows sum to 1 (no gradient).</param>
    /// <param name="scores">Per crop, prototype scores (B, K); at least two crops and no fewer than the codes.</param>
    /// <param name="temperature">Softmax temperature T &gt; 0.</param>
    public static Tensor SwappedPrediction(IReadOnlyList<Tensor> codes, IReadOnlyList<Tensor> scores, double temperature)
    {
        ArgumentNullException.ThrowIfNull(codes);
        ArgumentNullException.ThrowIfNull(scores);
        if (scores.Count < 2)
            throw new ArgumentException($"swapped prediction needs at least two crops; got {scores.Count}", nameof(scores));
        if (codes.Count < 1 || codes.Count > scores.Count)
            throw new ArgumentOutOfRangeException(nameof(codes), codes.Count, $"there must be codes for 1 to {scores.Count} crops; got {codes.Count}");
        RequirePositive(temperature);
        RequireMatrix(scores[0], "scores[0]");
        for (var v = 1; v < scores.Count; v++)
            RequireSameShape(scores[0], scores[v], "scores[0]", $"scores[{v}]");
        for (var i = 0; i < codes.Count; i++)
            RequireSameShape(scores[0], codes[i], "scores[0]", $"codes[{i}]");

        using var inverseTemperature = (1.0 / temperature).ToScalar();
        using var perCrop = (1.0 / ((double)codes.Count * (scores.Count - 1))).ToScalar();
        using var scope = NewDisposeScope();
        var logProbabilities = scores.Select(s => s.mul(inverseTemperature).log_softmax(1)).ToArray();
        Tensor? total = null;
        for (var i = 0; i < codes.Count; i++)
        {
            var q = codes[i].detach();
            for (var v = 0; v < scores.Count; v++)
            {
                if (v == i)
                    continue;
                // Adds −mean_b Σ_k q·log p.
                var crossEntropy = q.mul(logProbabilities[v]).sum(1).mean();
                total = total is null ? crossEntropy.neg() : total.sub_(crossEntropy);
            }
        }

        return total!.mul_(perCrop).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// BYOL's regression loss (Grill et al. 2020, "Bootstrap Your Own Latent"): with p and z
    /// L2-normalised, mean_n (2 − 2·⟨p_n, z_n⟩) = mean_n ‖p̂_n − ẑ_n‖². The target z carries no
    /// gradient. The symmetric loss is the sum of this over both view orderings.
    /// </summary>
    /// <param name="p">Online predictions, shape (N, D).</param>
    /// <param name="z">Target projections, shape (N, D); detached here.</param>
    public static Tensor Byol(Tensor p, Tensor z)
    {
        RequireMatrix(p, nameof(p));
        RequireSameShape(p, z, nameof(p), nameof(z));

        using var two = 2.0.ToScalar();
        using var minusTwo = (-2.0).ToScalar();
        using var scope = NewDisposeScope();
        var cosine = functional.normalize(p, dim: 1).mul(functional.normalize(z.detach(), dim: 1)).sum(1);
        return cosine.mean().mul_(minusTwo).add_(two, HeldScalars.One).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Barlow Twins (Zbontar et al. 2021, "Barlow Twins: Self-Supervised Learning via Redundancy
    /// Reduction"): each dimension of z1 and z2 is standardised over the batch as the paper's
    /// BatchNorm without affine parameters does in training, (z − mean) / √(biased variance + 1e-5);
    /// c = z1ᵀ z2 / N is their cross-correlation (D × D) and the loss is
    /// Σ_i (1 − c_ii)² + λ Σ_{i≠j} c_ij².
    /// </summary>
    /// <param name="z1">First views' projections, shape (N, D), N ≥ 2.</param>
    /// <param name="z2">Second views' projections, shape (N, D).</param>
    /// <param name="lambda">Weight λ ≥ 0 of the off-diagonal term (0.0051 in the paper).</param>
    public static Tensor BarlowTwins(Tensor z1, Tensor z2, double lambda)
    {
        RequireMatrix(z1, nameof(z1));
        RequireSameShape(z1, z2, nameof(z1), nameof(z2));
        if (z1.shape[0] < 2)
            throw new ArgumentException($"standardising over the batch needs at least two rows; got shape {Shape(z1)}", nameof(z1));
        if (!(lambda >= 0) || double.IsInfinity(lambda))
            throw new ArgumentOutOfRangeException(nameof(lambda), lambda, $"lambda must be a finite number ≥ 0; got {lambda}");

        using var batch = ((double)z1.shape[0]).ToScalar();
        using var weight = lambda.ToScalar();
        using var epsilon = 1e-5.ToScalar();
        using var scope = NewDisposeScope();
        var c = Standardise(z1, epsilon).t().mm(Standardise(z2, epsilon)).div_(batch);
        var diagonal = c.diagonal();
        var miss = diagonal.sub(HeldScalars.One);
        var onDiagonal = miss.mul(miss).sum();
        var offDiagonal = c.mul(c).sum().sub_(diagonal.mul(diagonal).sum());
        return onDiagonal.add_(offDiagonal, weight).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// ArcFace, additive angular margin (Deng et al. 2019, "ArcFace: Additive Angular Margin Loss
    /// for Deep Face Recognition"; insightface's <c>CombinedMarginLoss</c> with easy_margin false):
    /// cos θ = normalise(e)·normalise(W)ᵀ; the true class's logit becomes cos(θ_y + m) =
    /// cos θ_y cos m − sin θ_y sin m where cos θ_y &gt; cos(π − m), and cos θ_y − m·sin(π − m)
    /// otherwise (so the logit keeps falling with θ past π − m); every logit is multiplied by s and
    /// the loss is the mean softmax cross-entropy. With m = 0 it is cross-entropy of s·cos θ.
    /// </summary>
    /// <param name="embeddings">Embeddings, shape (N, D).</param>
    /// <param name="classWeights">One weight vector per class, shape (C, D).</param>
    /// <param name="labels">Class indices in [0, C), shape (N), int64.</param>
    /// <param name="scale">Logit scale s &gt; 0 (64 in the paper).</param>
    /// <param name="margin">Angular margin m in radians, 0 ≤ m &lt; π/2 (0.5 in the paper).</param>
    public static Tensor ArcFace(Tensor embeddings, Tensor classWeights, Tensor labels, double scale, double margin)
    {
        RequirePositive(scale);
        if (!(margin >= 0 && margin < Math.PI / 2))
            throw new ArgumentOutOfRangeException(nameof(margin), margin, $"margin must be in [0, π/2) radians; got {margin}");
        RequireMatrix(embeddings, nameof(embeddings));
        RequireMatrix(classWeights, nameof(classWeights));
        if (classWeights.shape[1] != embeddings.shape[1])
            throw new ArgumentException($"class weights must have the embeddings' dimension {embeddings.shape[1]}; got shape {Shape(classWeights)}", nameof(classWeights));
        RequireLabels(labels, embeddings.shape[0], classWeights.shape[0]);

        using var cosMargin = Math.Cos(margin).ToScalar();
        using var sinMargin = Math.Sin(margin).ToScalar();
        using var threshold = Math.Cos(Math.PI - margin).ToScalar();
        using var fallback = (Math.Sin(Math.PI - margin) * margin).ToScalar();
        // Keeps sin θ's gradient finite where cos θ = ±1; clamped entries get no gradient through sin.
        using var tinySquare = 1e-12.ToScalar();
        using var logitScale = scale.ToScalar();
        using var scope = NewDisposeScope();
        var cosine = functional.normalize(embeddings, dim: 1).mm(functional.normalize(classWeights, dim: 1).t());
        var index = labels.unsqueeze(1);
        var target = cosine.gather(1, index);
        var sine = target.mul(target).neg().add_(HeldScalars.One, HeldScalars.One).clamp_min(tinySquare).sqrt();
        var shifted = target.mul(cosMargin).sub_(sine.mul(sinMargin));
        var marginal = where(target.gt(threshold), shifted, target.sub(fallback));
        var logits = cosine.scatter(1, index, marginal).mul_(logitScale);
        return functional.cross_entropy(logits, labels).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Softmax cross-entropy, −mean_n log(exp(x_n,y_n) / Σ_c exp(x_n,c)), with the shapes checked
    /// (no label smoothing, no class weights).
    /// </summary>
    /// <param name="logits">Unnormalised scores, shape (N, C).</param>
    /// <param name="labels">Class indices in [0, C), shape (N), int64.</param>
    public static Tensor SoftmaxCrossEntropy(Tensor logits, Tensor labels)
    {
        RequireMatrix(logits, nameof(logits));
        RequireLabels(labels, logits.shape[0], logits.shape[1]);
        return functional.cross_entropy(logits, labels);
    }

    /// <summary>(z − mean) / √(biased variance + ε) per column, as training-mode BatchNorm without affine.</summary>
    private static Tensor Standardise(Tensor z, Scalar epsilon)
    {
        var mean = z.mean([0], keepdim: true);
        var variance = z.var(0, unbiased: false, keepdim: true);
        return z.sub(mean).div_(variance.add_(epsilon, HeldScalars.One).sqrt_());
    }

    private static void RequirePositive(double value, [CallerArgumentExpression(nameof(value))] string? name = null)
    {
        if (!(value > 0) || double.IsInfinity(value))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a positive finite number; got {value}");
    }

    private static void RequireMatrix(Tensor t, string name)
    {
        ArgumentNullException.ThrowIfNull(t, name);
        if (t.shape.Length != 2 || t.shape[0] < 1 || t.shape[1] < 1)
            throw new ArgumentException($"{name} must be a non-empty matrix; got shape {Shape(t)}", name);
    }

    private static void RequireSameShape(Tensor a, Tensor b, string aName, string bName)
    {
        ArgumentNullException.ThrowIfNull(b, bName);
        if (!a.shape.SequenceEqual(b.shape))
            throw new ArgumentException($"{aName} and {bName} must have the same shape; got {Shape(a)} and {Shape(b)}", bName);
    }

    private static void RequireLabels(Tensor labels, long rows, long classes)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.shape.Length != 1 || labels.shape[0] != rows)
            throw new ArgumentException($"labels must have shape ({rows}); got {Shape(labels)}", nameof(labels));
        if (labels.dtype != ScalarType.Int64)
            throw new ArgumentException($"labels must be int64 class indices; got {labels.dtype}", nameof(labels));
        using var min = labels.min();
        using var max = labels.max();
        var smallest = min.item<long>();
        var largest = max.item<long>();
        if (smallest < 0 || largest >= classes)
            throw new ArgumentOutOfRangeException(nameof(labels), $"labels must lie in [0, {classes}); got values from {smallest} to {largest}");
    }

    private static string Shape(Tensor t) => $"({string.Join(", ", t.shape)})";
}
