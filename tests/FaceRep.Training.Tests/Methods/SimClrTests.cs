using FaceRep.Core.Experiments;
using FaceRep.Core.Specs;
using FaceRep.Data;
using FaceRep.Training.Backbones;
using FaceRep.Training.Methods;
using FaceRep.Training.Runs;
using static TorchSharp.torch;

namespace FaceRep.Training.Tests.Methods;

[Collection(TorchCollection.Name)]
public sealed class SimClrTests
{
    private static readonly BackboneSpec Tiny = new("resnet18", 0.125, 32);

    [Fact]
    public void The_loss_falls_on_a_fixed_batch()
    {
        TorchRuntime.UseThreads(2);
        const int batch = 16, r = 32, size = 3 * r * r;
        var dataset = SynthFaceCatalog.OpenPretrain("synth-curated", batch, r, seed: 0);
        var pixels = new float[batch * size];
        Batches.Fill(dataset, Enumerable.Range(0, batch).ToArray(), pixels, []);
        var rng = new Random(1);
        var view1 = new float[batch * size];
        var view2 = new float[batch * size];
        for (var i = 0; i < batch; i++)
        {
            Augment.RandomView(pixels.AsSpan(i * size, size), view1.AsSpan(i * size, size), r, rng);
            Augment.RandomView(pixels.AsSpan(i * size, size), view2.AsSpan(i * size, size), r, rng);
        }

        using var backbone = TorchRuntime.Seeded(0, () => BackboneRegistry.Create(Tiny));
        using var projector = TorchRuntime.Seeded(1, () => new ProjectionHead(backbone.FeatureDim, 64, 32));
        using var optimizer = new FaceRep.Training.Optimisers.AdamW(backbone.parameters().Concat(projector.parameters()), 3e-3);
        var x1 = Pixels.Normalise(tensor(view1, [batch, 3, r, r]));
        var x2 = Pixels.Normalise(tensor(view2, [batch, 3, r, r]));
        var losses = new List<double>();
        for (var step = 0; step < 40; step++)
        {
            using var scope = NewDisposeScope();
            var loss = Losses.NtXent(projector.call(backbone.call(x1)), projector.call(backbone.call(x2)), 0.2);
            optimizer.ZeroGrad();
            loss.backward();
            optimizer.Step();
            losses.Add(loss.item<float>());
        }

        Assert.All(losses, l => Assert.True(double.IsFinite(l)));
        Assert.True(losses.TakeLast(5).Average() < losses.Take(5).Average() * 0.7,
            $"loss went from {losses.Take(5).Average():F3} to {losses.TakeLast(5).Average():F3}");
    }

    [Fact]
    public void A_short_pretraining_run_is_reproducible()
    {
        var config = new PretrainConfig("simclr", "synth-curated", Tiny, Epochs: 1, Images: 64, Batch: 16, LearningRate: 1e-3, Temperature: 0.2);
        var method = PretrainMethods.Get("simclr");
        var context = new RunContext { JobId = config.Id, Threads = 1 };

        using var a = method.Train(config, context);
        using var b = method.Train(config, context);

        foreach (var (name, tensor) in a.state_dict())
            Assert.True(tensor.equal(b.state_dict()[name]).all().item<bool>(), $"{name} differs between two runs of the same job");
    }

    [Fact]
    public void A_diverging_run_fails_as_diverged()
    {
        var config = new PretrainConfig("simclr", "synth-curated", Tiny, Epochs: 2, Images: 32, Batch: 16, LearningRate: 1e30, Temperature: 0.2);

        var e = Assert.Throws<JobFailedException>(() => PretrainMethods.Get("simclr").Train(config, new RunContext { JobId = config.Id }));

        Assert.Equal(FailureKind.Diverged, e.Kind);
    }

    [Fact]
    public void Unavailable_methods_are_named_with_the_available_ones()
    {
        var e = Assert.Throws<JobFailedException>(() => PretrainMethods.Get("dino"));

        Assert.Equal(FailureKind.Deterministic, e.Kind);
        Assert.Contains("'dino'", e.Message, StringComparison.Ordinal);
        Assert.Contains("simclr", e.Message, StringComparison.Ordinal);
    }
}
