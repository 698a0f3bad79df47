using FaceRep.Training.Layers;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FaceRep.Training.Numerics;

/// <summary>
/// Checks the numeric backend before anything trains: a tiny convolutional network built from the
/// product's own layers runs forward and backward in float32, and every activation, every
/// activation's gradient and every weight gradient is compared with the same network in float64
/// (which libtorch computes with its own kernels, not oneDNN's). The layers cover the cases that
/// have gone wrong: an image stem, channel counts that are not whole AVX-512 blocks (8, 24, 12, 6),
/// a stride-2 3×3 convolution over 48 channels, a 1×1 convolution and a transposed convolution.
/// The pass is repeated, because the faults seen read uninitialised memory and can hide once.
/// </summary>
public static class NumericSelfCheck
{
    /// <summary>Largest accepted |float32 − float64| over the largest |float64|, per tensor.</summary>
    public const double DefaultTolerance = 1e-3;

    private const int Batch = 16;
    private const int Input = 32;
    private const int Classes = 5;

    /// <summary>Runs the check with the process's backend as it is now.</summary>
    /// <param name="tolerance">Largest accepted relative difference.</param>
    /// <param name="repeats">Forward and backward passes compared.</param>
    /// <param name="fault">Applied to every float32 activation (tests inject a fault with it).</param>
    public static CheckResult Run(double tolerance = DefaultTolerance, int repeats = 3, Func<string, Tensor, Tensor>? fault = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tolerance);
        ArgumentOutOfRangeException.ThrowIfLessThan(repeats, 1);
        using var scope = NewDisposeScope();
        using var network = TorchRuntime.Seeded(20_17, () => new CheckNetwork());
        using var reference = TorchRuntime.Seeded(20_17, () => new CheckNetwork());
        reference.to(ScalarType.Float64);

        var rng = new Random(17);
        var pixels = new float[Batch * 3 * Input * Input];
        for (var i = 0; i < pixels.Length; i++)
            pixels[i] = (float)(rng.NextDouble() * 2 - 1);
        var labels = Enumerable.Range(0, Batch).Select(i => (long)(i % Classes)).ToArray();
        var x = tensor(pixels, [Batch, 3, Input, Input]);
        var y = tensor(labels);

        var expected = reference.Pass(x.to(ScalarType.Float64), y, null);
        var worst = 0.0;
        for (var repeat = 0; repeat < repeats; repeat++)
        {
            network.zero_grad();
            var actual = network.Pass(x, y, fault);
            var (error, where) = Compare(actual, expected, network, reference, tolerance);
            worst = Math.Max(worst, double.IsNaN(error) ? double.PositiveInfinity : error);
            if (!(error <= tolerance))
                return new CheckResult(false, worst, tolerance, $"{where} differs from the float64 reference by {Describe(error)} (pass {repeat + 1} of {repeats}, tolerance {tolerance:G2})");
        }

        return new CheckResult(true, worst, tolerance, $"{repeats} forward and backward passes of the check network match float64 within {Describe(worst)}");
    }

    /// <summary>
    /// Prepares the backend and checks it. If the check fails with oneDNN, convolutions move to
    /// libtorch's own kernels (right everywhere, several times slower) and the check runs again;
    /// if that fails too, nothing may train.
    /// </summary>
    /// <param name="warn">Told when the fallback is taken, and why.</param>
    /// <param name="tolerance">Largest accepted relative difference.</param>
    /// <exception cref="NumericBackendException">The backend gives wrong numbers either way.</exception>
    public static BackendState EnsureSound(Action<string> warn, double tolerance = DefaultTolerance)
    {
        var state = NumericBackend.Prepare();
        var first = Run(tolerance);
        if (first.Passed)
            return state;

        NumericBackend.DisableOneDnn();
        var second = Run(tolerance);
        if (second.Passed)
        {
            warn($"numeric self-check failed with oneDNN ({state}): {first.Detail}. Convolutions now run in libtorch's own kernels, which pass ({second.Detail}) but are several times slower; see docs/NUMERICS.md");
            return NumericBackend.Current;
        }

        throw new NumericBackendException(
            $"numeric self-check failed: with oneDNN ({state}) {first.Detail}; with libtorch's own kernels {second.Detail}. " +
            "This machine's libtorch gives wrong numbers, so it will not train; see docs/NUMERICS.md");
    }

    private static (double Error, string Where) Compare(Pass actual, Pass expected, CheckNetwork network, CheckNetwork reference, double tolerance)
    {
        // Forward: the first activation that is off names the layer at fault.
        for (var i = 0; i < actual.Activations.Count; i++)
        {
            var e = Relative(actual.Activations[i], expected.Activations[i]);
            if (!(e <= tolerance))
                return (e, $"the forward output of {CheckNetwork.Names[i]}");
        }

        var worst = (Error: Relative(actual.Loss, expected.Loss), Where: "the loss");
        // Backward: walking from the loss, the first activation whose gradient is off while the
        // gradient after it is right names the layer whose input gradient is wrong.
        for (var i = actual.Activations.Count - 1; i >= 0; i--)
        {
            var e = Relative(actual.Activations[i].grad!, expected.Activations[i].grad!);
            if (!(e <= tolerance))
                return (e, i + 1 < actual.Activations.Count ? $"the input gradient of {CheckNetwork.Names[i + 1]}" : "the gradient of the loss");
            if (e > worst.Error)
                worst = (e, $"the gradient of {CheckNetwork.Names[i]}'s output");
        }

        foreach (var ((name, p), (_, q)) in network.named_parameters().Zip(reference.named_parameters()))
        {
            var e = Relative(p.grad!, q.grad!);
            if (!(e <= tolerance))
                return (e, $"the weight gradient {name}");
            if (e > worst.Error)
                worst = (e, $"the weight gradient {name}");
        }

        return worst;
    }

    private static double Relative(Tensor actual, Tensor expected)
    {
        using var _ = NewDisposeScope();
        var scale = expected.abs().max().item<double>();
        var difference = (actual.to(ScalarType.Float64) - expected).abs().max().item<double>();
        return difference / Math.Max(scale, 1e-30);
    }

    private static string Describe(double error) =>
        double.IsNaN(error) || double.IsInfinity(error) ? "NaN" : error < 1e-3 ? $"{error:E1}" : $"{error * 100:G3}%";

    private sealed record Pass(List<Tensor> Activations, Tensor Loss);

    /// <summary>The check network: each layer's output is kept, with its gradient.</summary>
    private sealed class CheckNetwork : Module
    {
        internal static readonly string[] Names =
        [
            "stem conv 3→8 7×7 stride 2", "batch norm and max-pool", "conv 8→24 3×3", "conv 24→48 3×3",
            "conv 48→16 3×3 stride 2", "conv 16→12 1×1", "transposed conv 12→8 4×4 stride 2", "conv 8→6 3×3", "pool and linear 6→5",
        ];

#pragma warning disable IDE1006
        private readonly ConvLayer stem;
        private readonly BatchNormLayer norm;
        private readonly ConvLayer conv1;
        private readonly ConvLayer conv2;
        private readonly ConvLayer conv3;
        private readonly ConvLayer conv4;
        private readonly ConvLayer deconv;
        private readonly ConvLayer conv5;
        private readonly TorchSharp.Modules.Linear fc;
#pragma warning restore IDE1006

        public CheckNetwork()
            : base(nameof(CheckNetwork))
        {
            stem = ConvLayer.Conv2d(3, 8, 7, stride: 2, padding: 3, bias: false);
            norm = new BatchNormLayer(8);
            conv1 = ConvLayer.Conv2d(8, 24, 3, padding: 1);
            conv2 = ConvLayer.Conv2d(24, 48, 3, padding: 1);
            conv3 = ConvLayer.Conv2d(48, 16, 3, stride: 2, padding: 1);
            conv4 = ConvLayer.Conv2d(16, 12, 1);
            deconv = ConvLayer.ConvTranspose2d(12, 8, 4, stride: 2, padding: 1);
            conv5 = ConvLayer.Conv2d(8, 6, 3, padding: 1);
            fc = Linear(6, Classes);
            RegisterComponents();
        }

        public Pass Pass(Tensor x, Tensor labels, Func<string, Tensor, Tensor>? fault)
        {
            var activations = new List<Tensor>();
            Tensor Keep(Tensor t)
            {
                if (fault is not null)
                    t = fault(Names[activations.Count], t);
                t.retain_grad();
                activations.Add(t);
                return t;
            }

            var a = Keep(stem.call(x));
            a = Keep(functional.max_pool2d(functional.relu(norm.call(a)), kernel_size: 3, stride: 2, padding: 1));
            a = Keep(conv1.call(a));
            a = Keep(conv2.call(functional.relu(a)));
            a = Keep(conv3.call(functional.relu(a)));
            a = Keep(conv4.call(functional.relu(a)));
            a = Keep(deconv.call(functional.relu(a)));
            a = Keep(conv5.call(functional.relu(a)));
            a = Keep(fc.call(functional.adaptive_avg_pool2d(functional.relu(a), 1).flatten(1)));
            var loss = functional.cross_entropy(a, labels);
            loss.backward();
            return new Pass(activations, loss.detach());
        }
    }
}

/// <summary>The outcome of <see cref="NumericSelfCheck.Run"/>.</summary>
/// <param name="Passed">Every compared tensor was within the tolerance in every pass.</param>
/// <param name="WorstError">The largest relative difference seen.</param>
/// <param name="Tolerance">The tolerance applied.</param>
/// <param name="Detail">What was compared, or which tensor was off and by how much.</param>
public sealed record CheckResult(bool Passed, double WorstError, double Tolerance, string Detail);

/// <summary>The numeric backend gives wrong numbers; nothing may train.</summary>
public sealed class NumericBackendException(string message) : Exception(message);
