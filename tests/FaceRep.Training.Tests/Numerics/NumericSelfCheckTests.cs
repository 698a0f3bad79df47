using FaceRep.Training.Numerics;
using static TorchSharp.torch;

namespace FaceRep.Training.Tests.Numerics;

[Collection(TorchCollection.Name)]
public sealed class NumericSelfCheckTests
{
    [Fact]
    public void The_backend_this_process_trains_with_passes()
    {
        TorchRuntime.UseThreads(2);
        NumericBackend.Prepare();

        var result = NumericSelfCheck.Run();

        Assert.True(result.Passed, $"{NumericBackend.Current}: {result.Detail}");
        Assert.InRange(result.WorstError, 0, 1e-4);
    }

    [Fact]
    public void A_wrong_forward_output_fails_and_names_its_layer()
    {
        var result = NumericSelfCheck.Run(fault: (layer, t) => layer == "conv 24→48 3×3" ? t * 1.01 : t);

        Assert.False(result.Passed);
        Assert.StartsWith("the forward output of conv 24→48 3×3 differs from the float64 reference by 1%", result.Detail);
    }

    [Fact]
    public void A_wrong_input_gradient_fails_and_names_the_layer_that_computed_it()
    {
        // Inside the 24→48 convolution, between its output and what the next layer reads: only a
        // share of the gradient flows back through it; forward values stay exact.
        var result = NumericSelfCheck.Run(fault: (layer, t) => layer == "conv 24→48 3×3" ? ScaleGradient(t, 0.7) : t);

        Assert.False(result.Passed);
        Assert.StartsWith("the input gradient of conv 24→48 3×3 differs from the float64 reference by 30", result.Detail);
    }

    [Fact]
    public void A_nan_fails_the_check()
    {
        var result = NumericSelfCheck.Run(fault: (layer, t) => layer == "conv 16→12 1×1" ? t + float.NaN : t);

        Assert.False(result.Passed);
        Assert.Contains("conv 16→12 1×1", result.Detail);
        Assert.Contains("by NaN", result.Detail);
    }

    [Fact]
    public void No_tolerance_fails_even_a_sound_backend()
    {
        var result = NumericSelfCheck.Run(tolerance: 0);

        Assert.False(result.Passed);
        Assert.Contains("tolerance 0", result.Detail);
    }

    // y = x·s + x·(1−s) detached: the same value, but only a share s of the gradient flows back.
    private static Tensor ScaleGradient(Tensor t, double share) => (t * share) + (t * (1 - share)).detach();
}
