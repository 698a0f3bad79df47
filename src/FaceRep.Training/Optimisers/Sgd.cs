using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceRep.Training.Optimisers;

/// <summary>
/// Layer-wise adaptive rate control as NVIDIA apex's LARC, which SwAV's released code wraps
/// around SGD: each parameter's step is scaled by
/// <c>η·‖w‖ / (‖g‖ + wd·‖w‖ + ε)</c> (η the trust coefficient), or with clipping by
/// <c>min(that / lr, 1)</c>; parameters whose weight or gradient norm is zero are left unscaled.
/// </summary>
/// <param name="Trust">Trust coefficient η (0.001 in SwAV).</param>
/// <param name="Clip">Clip mode (the adaptive rate never exceeds the global one); SwAV uses false.</param>
/// <param name="Eps">ε in the denominator.</param>
public sealed record Larc(double Trust = 0.001, bool Clip = false, double Eps = 1e-8);

/// <summary>
/// SGD with momentum and L2 weight decay, as PyTorch's <c>torch.optim.SGD</c> (dampening 0,
/// no Nesterov): <c>g ← g + wd·w; b ← μ·b + g (b = g on the first step); w ← w − lr·b</c>.
/// With <see cref="Larc"/>, the decayed gradient is first scaled per parameter (LARS). Every
/// scalar passed to libtorch is held until the native call returns (see <see cref="AdamW"/>).
/// </summary>
public sealed class Sgd : IOptimiser
{
    private readonly List<(Parameter Parameter, Tensor Buffer)> _state;
    private readonly double _momentum;
    private readonly double _weightDecay;
    private readonly Larc? _larc;
    private readonly Scalar _momentumScalar;
    private readonly Scalar _weightDecayScalar;
    private readonly Scalar _trust;
    private readonly Scalar _larcEps;
    private readonly Scalar _zero;

    /// <summary>Creates the optimiser over the parameters that require gradients.</summary>
    public Sgd(IEnumerable<Parameter> parameters, double lr, double momentum = 0.9, double weightDecay = 0, Larc? larc = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(lr);
        if (momentum is < 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must be in [0, 1)");
        ArgumentOutOfRangeException.ThrowIfNegative(weightDecay);
        if (larc is not null && !(larc.Trust > 0 && larc.Eps >= 0))
            throw new ArgumentOutOfRangeException(nameof(larc), larc, "LARC needs a positive trust coefficient and a non-negative epsilon");

        LearningRate = lr;
        _momentum = momentum;
        _weightDecay = weightDecay;
        _larc = larc;
        _momentumScalar = momentum.ToScalar();
        _weightDecayScalar = weightDecay.ToScalar();
        _trust = (larc?.Trust ?? 0).ToScalar();
        _larcEps = (larc?.Eps ?? 0).ToScalar();
        _zero = 0.0.ToScalar();
        using var _ = no_grad();
        _state = parameters
            .Where(p => p.requires_grad)
            .Select(p => (p, zeros_like(p).DetachFromDisposeScope()))
            .ToList();
    }

    /// <inheritdoc />
    public double LearningRate { get; set; }

    /// <inheritdoc />
    public long Steps { get; private set; }

    /// <inheritdoc />
    public void ZeroGrad()
    {
        foreach (var (p, _) in _state)
            p.grad?.zero_();
    }

    /// <inheritdoc />
    public void Step()
    {
        using var minusLr = (-LearningRate).ToScalar();
        using var inverseLr = (LearningRate > 0 ? 1 / LearningRate : 0).ToScalar();
        var first = Steps == 0;
        Steps++;
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        foreach (var (p, buffer) in _state)
        {
            var g = p.grad;
            if (g is null)
                continue;
            var d = _weightDecay > 0 ? g.add(p, _weightDecayScalar) : g.clone();
            if (_larc is not null)
                d.mul_(AdaptiveRate(p, g, inverseLr));
            if (_momentum > 0)
            {
                if (first)
                    buffer.copy_(d);
                else
                    buffer.mul_(_momentumScalar).add_(d, HeldScalars.One);
                d = buffer;
            }

            p.add_(d, minusLr);
        }
    }

    private Tensor AdaptiveRate(Parameter p, Tensor g, Scalar inverseLr)
    {
        var weightNorm = p.norm();
        var gradNorm = g.norm();
        // η‖w‖ / (‖g‖ + wd‖w‖ + ε)
        var rate = weightNorm.mul(_trust).div_(gradNorm.add(weightNorm, _weightDecayScalar).add_(_larcEps, HeldScalars.One));
        if (_larc!.Clip)
            rate = rate.mul_(inverseLr).clamp_max_(HeldScalars.One);
        // apex LARC leaves a parameter unscaled when either norm is zero.
        var degenerate = weightNorm.eq(_zero).logical_or_(gradNorm.eq(_zero));
        return where(degenerate, ones_like(rate), rate);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (_, buffer) in _state)
            buffer.Dispose();
        _momentumScalar.Dispose();
        _weightDecayScalar.Dispose();
        _trust.Dispose();
        _larcEps.Dispose();
        _zero.Dispose();
    }
}
