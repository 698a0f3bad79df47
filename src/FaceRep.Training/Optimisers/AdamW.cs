using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceRep.Training.Optimisers;

/// <summary>
/// AdamW (Loshchilov and Hutter, decoupled weight decay), with bias correction as PyTorch's.
/// Written here rather than taken from TorchSharp because every scalar an update passes to
/// libtorch is held in a field or a live local until the native call returns: TorchSharp turns
/// doubles into finalizable native <see cref="Scalar"/> objects, and one freed by the finalizer
/// thread during a native call was seen to corrupt an update ("Unknown scalar type") when two
/// jobs trained side by side. That includes the implicit alpha of 1 in TorchSharp's one-argument
/// <c>add_</c>, so every add passes <see cref="HeldScalars.One"/>. The learning rate is set by the
/// caller each step.
/// </summary>
public sealed class AdamW : IOptimiser
{
    private readonly List<(Parameter Parameter, Tensor ExpAvg, Tensor ExpAvgSq)> _state;
    private readonly double _beta1;
    private readonly double _beta2;
    private readonly double _eps;
    private readonly double _weightDecay;
    private readonly Scalar _beta1Scalar;
    private readonly Scalar _oneMinusBeta1;
    private readonly Scalar _beta2Scalar;
    private readonly Scalar _oneMinusBeta2;
    private readonly Scalar _epsScalar;
    private long _step;

    /// <summary>Creates the optimiser over the parameters that require gradients.</summary>
    public AdamW(IEnumerable<Parameter> parameters, double lr, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(lr);
        if (beta1 is < 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must be in [0, 1)");
        if (beta2 is < 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must be in [0, 1)");
        ArgumentOutOfRangeException.ThrowIfNegative(eps);
        ArgumentOutOfRangeException.ThrowIfNegative(weightDecay);

        LearningRate = lr;
        _beta1 = beta1;
        _beta2 = beta2;
        _eps = eps;
        _weightDecay = weightDecay;
        _beta1Scalar = beta1.ToScalar();
        _oneMinusBeta1 = (1 - beta1).ToScalar();
        _beta2Scalar = beta2.ToScalar();
        _oneMinusBeta2 = (1 - beta2).ToScalar();
        _epsScalar = eps.ToScalar();
        using var _ = no_grad();
        _state = parameters
            .Where(p => p.requires_grad)
            .Select(p => (p, zeros_like(p).DetachFromDisposeScope(), zeros_like(p).DetachFromDisposeScope()))
            .ToList();
    }

    /// <summary>The learning rate of the next step.</summary>
    public double LearningRate { get; set; }

    /// <summary>Steps taken.</summary>
    public long Steps => _step;

    /// <summary>Clears the gradients.</summary>
    public void ZeroGrad()
    {
        foreach (var (p, _, _) in _state)
            p.grad?.zero_();
    }

    /// <summary>Applies one update from the current gradients.</summary>
    public void Step()
    {
        _step++;
        var bias1 = 1 - Math.Pow(_beta1, _step);
        var bias2 = 1 - Math.Pow(_beta2, _step);
        using var decay = (1 - (LearningRate * _weightDecay)).ToScalar();
        using var stepSize = (-LearningRate / bias1).ToScalar();
        using var sqrtBias2 = Math.Sqrt(bias2).ToScalar();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        foreach (var (p, m, v) in _state)
        {
            var g = p.grad;
            if (g is null)
                continue;
            if (_weightDecay > 0)
                p.mul_(decay);
            m.mul_(_beta1Scalar).add_(g, alpha: _oneMinusBeta1);
            v.mul_(_beta2Scalar).addcmul_(g, g, value: _oneMinusBeta2);
            var denominator = v.sqrt().div_(sqrtBias2).add_(_epsScalar, HeldScalars.One);
            p.addcdiv_(m, denominator, value: stepSize);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (_, m, v) in _state)
        {
            m.Dispose();
            v.Dispose();
        }

        _beta1Scalar.Dispose();
        _oneMinusBeta1.Dispose();
        _beta2Scalar.Dispose();
        _oneMinusBeta2.Dispose();
        _epsScalar.Dispose();
    }
}
