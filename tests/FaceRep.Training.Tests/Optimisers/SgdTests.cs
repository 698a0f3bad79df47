using FaceRep.Training.Optimisers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceRep.Training.Tests.Optimisers;

[Collection(TorchCollection.Name)]
public sealed class SgdTests
{
    [Fact]
    public void Many_steps_match_libtorchs_reference_sgd_with_momentum_and_weight_decay()
    {
        var start = TorchRuntime.Seeded(4, () => randn(6, 3));
        var target = TorchRuntime.Seeded(5, () => randn(6, 3));
        var ours = new Parameter(start.clone());
        var reference = new Parameter(start.clone());
        using var mine = new Sgd([ours], 0.1, momentum: 0.9, weightDecay: 0.01);
        using var theirs = optim.SGD([reference], learningRate: 0.1, momentum: 0.9, weight_decay: 0.01);

        for (var step = 0; step < 25; step++)
        {
            mine.ZeroGrad();
            nn.functional.mse_loss(ours, target).backward();
            mine.Step();
            theirs.zero_grad();
            nn.functional.mse_loss(reference, target).backward();
            theirs.step();
        }

        Assert.True(ours.allclose(reference, rtol: 1e-5, atol: 1e-6), "parameters differ from TorchSharp's SGD after 25 steps");
        Assert.False(ours.allclose(start), "the parameters did not move");
    }

    [Fact]
    public void A_larc_step_scales_the_decayed_gradient_by_the_trust_ratio()
    {
        // w = (3, 4): ‖w‖ = 5; g = (0, 1): ‖g‖ = 1; wd = 0.1, η = 0.02, lr = 0.5, no momentum.
        // rate = η‖w‖ / (‖g‖ + wd‖w‖ + ε) = 0.1 / 1.5; d = (g + wd·w)·rate = (0.3, 1.4)/15;
        // w ← w − lr·d = (3 − 0.01, 4 − 0.046666…).
        var p = new Parameter(tensor(new[] { 3f, 4f }));
        using var optimizer = new Sgd([p], lr: 0.5, momentum: 0, weightDecay: 0.1, larc: new Larc(Trust: 0.02, Eps: 0));
        p.grad = tensor(new[] { 0f, 1f });

        optimizer.Step();

        var w = p.data<float>().ToArray();
        Assert.Equal(3 - 0.01, w[0], 5);
        Assert.Equal(4 - (0.5 * 1.4 / 15), w[1], 5);
    }

    [Fact]
    public void Clipped_larc_never_steps_faster_than_plain_sgd()
    {
        // A trust ratio far above the learning rate is clipped to 1: the step is plain SGD's.
        var p = new Parameter(tensor(new[] { 3f, 4f }));
        using var optimizer = new Sgd([p], lr: 0.1, momentum: 0, larc: new Larc(Trust: 10, Clip: true));
        p.grad = tensor(new[] { 1f, 1f });

        optimizer.Step();

        var w = p.data<float>().ToArray();
        Assert.Equal(2.9, w[0], 5);
        Assert.Equal(3.9, w[1], 5);
    }

    [Fact]
    public void A_parameter_with_zero_weights_is_left_unscaled_by_larc()
    {
        var p = new Parameter(zeros(2));
        using var optimizer = new Sgd([p], lr: 0.5, momentum: 0, larc: new Larc(Trust: 0.001));
        p.grad = tensor(new[] { 1f, -2f });

        optimizer.Step();

        Assert.Equal([-0.5f, 1f], p.data<float>().ToArray());
    }

    [Fact]
    public void Bad_settings_are_refused()
    {
        var p = new Parameter(zeros(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd([p], lr: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd([p], lr: 0.1, momentum: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd([p], lr: 0.1, larc: new Larc(Trust: 0)));
    }
}
