using FaceRep.Core.Experiments;
using FaceRep.Data;
using FaceRep.Training.Backbones;
using FaceRep.Training.Optimisers;
using FaceRep.Training.Runs;
using static TorchSharp.torch;

namespace FaceRep.Training.Methods;

/// <summary>
/// SimCLR: two random views of each image, a projector, and the NT-Xent loss; AdamW with a
/// linear warm-up and cosine decay. Augmentation and batch order come from a seeded C#
/// generator, so a run is reproducible on CPU.
/// </summary>
internal sealed class SimClrMethod : IPretrainMethod
{
    internal const int ProjectionDim = 64;

    public string Name => "simclr";

    public bool Trains => true;

    public IReadOnlyList<string> Validate(PretrainConfig config)
    {
        var problems = new List<string>();
        if (config.Dataset is null || !SynthFaceCatalog.IsKnown(config.Dataset))
            problems.Add($"dataset '{config.Dataset}' is not available; available: {string.Join(", ", SynthFaceCatalog.PretrainDatasets)}");
        if (config.Batch < 2)
            problems.Add($"batch {config.Batch} is too small: NT-Xent needs at least 2 images per batch");
        if (config.Batch > config.Images)
            problems.Add($"batch {config.Batch} is larger than the {config.Images} pre-training images");
        return problems;
    }

    public ResNet Train(PretrainConfig config, RunContext context)
    {
        var problems = Validate(config);
        if (problems.Count > 0)
            throw new JobFailedException(FailureKind.Deterministic, string.Join("; ", problems));

        var r = config.Backbone.Input;
        var pixelsPerImage = 3 * r * r;
        context.Report(0, "generating pre-training images");
        var dataset = SynthFaceCatalog.OpenPretrain(config.Dataset!, config.Images, r, seed: 0);
        var images = new float[(long)config.Images * pixelsPerImage];
        Batches.Fill(dataset, Enumerable.Range(0, config.Images).ToArray(), images, []);

        var backbone = TorchRuntime.Seeded(0, () => BackboneRegistry.Create(config.Backbone));
        var projector = TorchRuntime.Seeded(1, () => new ProjectionHead(backbone.FeatureDim, Math.Max(64, backbone.FeatureDim), ProjectionDim));
        try
        {
            var parameters = backbone.parameters().Concat(projector.parameters()).ToList();
            using var optimizer = new AdamW(parameters, config.LearningRate, weightDecay: 1e-4);
            var stepsPerEpoch = Math.Max(1, config.Images / config.Batch);
            var totalSteps = stepsPerEpoch * config.Epochs;

            var rng = new Random(12345);
            var order = Enumerable.Range(0, config.Images).ToArray();
            var view1 = new float[config.Batch * pixelsPerImage];
            var view2 = new float[config.Batch * pixelsPerImage];
            long[] shape = [config.Batch, 3, r, r];
            backbone.train();
            projector.train();

            var step = 0;
            for (var epoch = 0; epoch < config.Epochs; epoch++)
            {
                rng.Shuffle(order);
                for (var s = 0; s < stepsPerEpoch; s++)
                {
                    context.Cancellation.ThrowIfCancellationRequested();
                    for (var i = 0; i < config.Batch; i++)
                    {
                        var source = images.AsSpan(order[(s * config.Batch) + i] * pixelsPerImage, pixelsPerImage);
                        Augment.RandomView(source, view1.AsSpan(i * pixelsPerImage, pixelsPerImage), r, rng);
                        Augment.RandomView(source, view2.AsSpan(i * pixelsPerImage, pixelsPerImage), r, rng);
                    }

                    double lossValue;
                    using (NewDisposeScope())
                    {
                        var x1 = Pixels.Normalise(tensor(view1, shape));
                        var x2 = Pixels.Normalise(tensor(view2, shape));
                        var loss = Losses.NtXent(projector.call(backbone.call(x1)), projector.call(backbone.call(x2)), config.Temperature);
                        optimizer.ZeroGrad();
                        loss.backward();
                        optimizer.LearningRate = config.LearningRate * Schedules.Factor(step, totalSteps, warmupFraction: 0.1);
                        optimizer.Step();
                        lossValue = loss.item<float>();
                    }

                    step++;
                    if (!double.IsFinite(lossValue))
                        throw new JobFailedException(FailureKind.Diverged, $"NT-Xent loss became {lossValue} at step {step} of {totalSteps}");
                    if (step % 5 == 0 || step == totalSteps)
                        context.Report((double)step / totalSteps, $"simclr epoch {epoch + 1}/{config.Epochs}", lossValue);
                }
            }

            return backbone;
        }
        catch
        {
            backbone.Dispose();
            throw;
        }
        finally
        {
            projector.Dispose();
        }
    }
}
