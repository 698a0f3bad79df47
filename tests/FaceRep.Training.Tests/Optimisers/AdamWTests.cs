using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceRep.Training.Tests.Optimisers;

[Collection(TorchCollection.Name)]
public sealed class AdamWTests
{
    [Fact]
    public void The_first_step_matches_the_formula()
    {
        // Step 1: m̂ = g and v̂ = g², so p ← p·(1 − lr·wd) − lr·g / (|g| + eps).
        const double lr = 0.1, wd = 0.5, eps = 1e-8;
        var p = new Parameter(tensor(new[] { 1.0f, -2.0f, 3.0f }));
        using var optimizer = new Training.Optimisers.AdamW([p], lr, eps: eps, weightDecay: wd);
        p.grad = tensor(new[] { 0.5f, -4.0f, 0.0f });

        optimizer.Step();

        var actual = p.data<float>().ToArray();
        double[] start = [1, -2, 3], g = [0.5, -4, 0];
        for (var i = 0; i < 3; i++)
        {
            var expected = (start[i] * (1 - (lr * wd))) - (lr * g[i] / (Math.Abs(g[i]) + eps));
            Assert.Equal(expected, actual[i], 5);
        }
    }

    [Fact]
    public void Many_steps_match_libtorchs_reference_adamw()
    {
        var start = TorchRuntime.Seeded(4, () => randn(5, 3));
        var target = TorchRuntime.Seeded(5, () => randn(5, 3));
        var ours = new Parameter(start.clone());
        var reference = new Parameter(start.clone());
        using var mine = new Training.Optimisers.AdamW([ours], 0.05, weightDecay: 0.01);
        using var theirs = optim.AdamW([reference], lr: 0.05, weight_decay: 0.01);

        for (var step = 0; step < 25; step++)
        {
            mine.ZeroGrad();
            nn.functional.mse_loss(ours, target).backward();
            mine.Step();
            theirs.zero_grad();
            nn.functional.mse_loss(reference, target).backward();
            theirs.step();
        }

        Assert.True(ours.allclose(reference, rtol: 1e-5, atol: 1e-6), "parameters differ from TorchSharp's AdamW after 25 steps");
        Assert.False(ours.allclose(start), "the parameters did not move");
    }

    [Fact]
    public void A_model_of_many_parameters_matches_libtorchs_adamw_with_an_unused_parameter_neither_decayed_nor_moved()
    {
        // Several shapes updated as one flat buffer; one parameter never gets a gradient.
        using var ours = TorchRuntime.Seeded(6, () => nn.Sequential(nn.Linear(7, 5), nn.ReLU(), nn.Linear(5, 3)));
        using var reference = TorchRuntime.Seeded(6, () => nn.Sequential(nn.Linear(7, 5), nn.ReLU(), nn.Linear(5, 3)));
        var unused = new Parameter(ones(4));
        var unusedReference = new Parameter(ones(4));
        using var mine = new Training.Optimisers.AdamW(ours.parameters().Append(unused), 0.02, weightDecay: 0.1);
        using var theirs = optim.AdamW(reference.parameters().Append(unusedReference), lr: 0.02, weight_decay: 0.1);
        var x = TorchRuntime.Seeded(7, () => randn(16, 7));
        var y = TorchRuntime.Seeded(8, () => randn(16, 3));

        for (var step = 0; step < 20; step++)
        {
            mine.ZeroGrad();
            nn.functional.mse_loss(ours.call(x), y).backward();
            mine.Step();
            theirs.zero_grad();
            nn.functional.mse_loss(reference.call(x), y).backward();
            theirs.step();
        }

        foreach (var (a, b) in ours.parameters().Zip(reference.parameters()))
            Assert.True(a.allclose(b, rtol: 1e-5, atol: 1e-6), "a parameter differs from TorchSharp's AdamW after 20 steps");
        Assert.True(unused.equal(ones(4)).all().item<bool>(), "a parameter without a gradient was changed");
        Assert.Null(unused.grad);
        // The module still computes with its (now shared) parameters.
        Assert.True(ours.call(x).allclose(reference.call(x), rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void A_gradient_assigned_rather_than_accumulated_is_used_and_a_parameter_listed_twice_is_updated_once()
    {
        var p = new Parameter(zeros(3));
        var q = new Parameter(zeros(2));
        using var optimizer = new Training.Optimisers.AdamW([p, q, p], 0.1);
        p.grad = ones(3);
        q.grad = ones(2);
        optimizer.Step();   // step 1 moves each element by -lr
        Assert.True(p.allclose(full(3, -0.1f), atol: 1e-6), "a parameter listed twice moved twice");

        // A new gradient tensor replaces the adopted one: the update must follow it, not the stale slice.
        optimizer.ZeroGrad();
        p.grad = full(3, -1f);
        q.grad = ones(2);
        optimizer.Step();

        var moved = p.data<float>().ToArray();
        Assert.All(moved, v => Assert.True(v > -0.1f, $"p moved on along the old gradient: {v}"));
        Assert.True(q.allclose(full(2, -0.2f), atol: 1e-6));
    }

    [Fact]
    public void Parameters_that_need_no_gradient_are_left_alone()
    {
        var frozen = new Parameter(ones(2), requires_grad: false);
        var trained = new Parameter(ones(2));
        using var optimizer = new Training.Optimisers.AdamW([frozen, trained], 0.1, weightDecay: 0.1);
        trained.grad = ones(2);

        optimizer.Step();

        Assert.True(frozen.equal(ones(2)).all().item<bool>());
        Assert.True((trained < 1).all().item<bool>());
    }

    [Fact]
    public void Parameters_of_one_dtype_and_device_share_one_flat_buffer_and_their_modules_see_its_updates()
    {
        using var layer = TorchSharp.torch.nn.Linear(3, 2);
        using var optimizer = new Training.Optimisers.AdamW(layer.parameters(), 0.1);
        using var mixed = new Training.Optimisers.AdamW([new Parameter(ones(2)), new Parameter(ones(2, dtype: ScalarType.Float64))], 0.1);

        Assert.True(optimizer.Flattened);
        Assert.False(mixed.Flattened);
        var before = layer.weight!.detach().clone();
        using (var loss = layer.call(ones(4, 3)).sum())
            loss.backward();
        optimizer.Step();
        // The module's own parameter is a view of the buffer the update wrote.
        Assert.False(layer.weight!.allclose(before));
    }

    [Fact]
    public void A_flattened_module_takes_a_second_optimiser_after_the_first_and_saves_and_loads_its_weights()
    {
        using var layer = TorchRuntime.Seeded(3, () => TorchSharp.torch.nn.Linear(3, 2));
        using var input = TorchRuntime.Seeded(4, () => randn(4, 3));
        void Backward()
        {
            using var loss = layer.call(input).pow(2).sum();
            loss.backward();
        }

        using (var first = new Training.Optimisers.AdamW(layer.parameters(), 0.01))
        {
            for (var step = 0; step < 2; step++)
            {
                first.ZeroGrad();
                Backward();
                first.Step();
            }
        }

        // A fresh AdamW's first update moves every parameter by lr against its gradient's sign.
        using var second = new Training.Optimisers.AdamW(layer.parameters(), 0.01);
        Assert.True(second.Flattened);
        second.ZeroGrad();
        Backward();
        var before = layer.parameters().Select(p => p.detach().clone()).ToArray();
        var signs = layer.parameters().Select(p => p.grad!.sign()).ToArray();
        second.Step();
        var after = layer.parameters().ToArray();
        for (var i = 0; i < after.Length; i++)
            Assert.True(after[i].allclose(before[i].sub(signs[i].mul(0.01)), atol: 1e-6), $"parameter {i}");

        var path = Path.Combine(Path.GetTempPath(), $"adamw-flat-{Guid.NewGuid():N}.dat");
        try
        {
            layer.save(path);
            using var loaded = TorchSharp.torch.nn.Linear(3, 2);
            loaded.load(path);
            Assert.True(loaded.weight!.equal(layer.weight!).all().item<bool>());
            Assert.True(loaded.bias!.equal(layer.bias!).all().item<bool>());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
