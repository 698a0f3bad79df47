using FaceRep.Core.Experiments;
using FaceRep.Core.Metrics;
using FaceRep.Data;
using FaceRep.Training.Backbones;
using FaceRep.Training.Runs;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FaceRep.Training.Tasks;

/// <summary>
/// 2D landmark localisation by regression: a linear head on the flattened last feature map
/// predicts the 68 points in normalised image coordinates; trained with L1 loss on the few-shot
/// subset, measured by inter-ocular NME on the held-out test split.
/// </summary>
public static class LandmarkTask
{
    /// <summary>Points per face.</summary>
    public const int Points = 68;

    /// <summary>Seed of the task's data: fixed, so every job of every sweep sees the same splits.</summary>
    public const int DataSeed = 0;

    /// <summary>Fine-tunes (or linearly probes) a backbone, measures it, and says which training samples it used.</summary>
    public static IReadOnlyDictionary<string, double> Run(EvaluateConfig config, ResNet backbone, RunContext context, out int[] trainIndices)
    {
        var r = config.Pretrain.Backbone.Input;
        var pixelsPerImage = 3 * r * r;
        const int labelsPerImage = 2 * Points;

        context.Report(0, "generating task data");
        var (train, test) = SynthFaceCatalog.OpenLandmarkTask(config.TaskTrain, config.TaskTest, r, DataSeed);
        var subset = FewShot.Subset(train.Count, config.Shots, config.Seed);
        trainIndices = subset;
        var trainPixels = new float[subset.Length * pixelsPerImage];
        var trainLabels = new float[subset.Length * labelsPerImage];
        Batches.Fill(train, subset, trainPixels, trainLabels);
        var testPixels = new float[test.Count * pixelsPerImage];
        var testLabels = new float[test.Count * labelsPerImage];
        Batches.Fill(test, Enumerable.Range(0, test.Count).ToArray(), testPixels, testLabels);
        NormaliseLabels(trainLabels, r);

        var linear = config.Protocol == "linear";
        var mapShape = FeatureMapShape(backbone, r);
        using var head = TorchRuntime.Seeded(config.Seed + 1_000_003L, () => Linear(mapShape, labelsPerImage));
        InitialiseAtMeanShape(head, trainLabels, labelsPerImage);
        var parameters = linear ? head.parameters().ToList() : backbone.parameters().Concat(head.parameters()).ToList();
        if (linear)
        {
            foreach (var p in backbone.parameters())
                p.requires_grad = false;
        }

        using var optimizer = new Optimisers.AdamW(parameters, config.LearningRate, weightDecay: 1e-4);
        var rng = new Random(config.Seed);
        var batch = Math.Min(config.Batch, subset.Length);
        var order = Enumerable.Range(0, subset.Length).ToArray();
        var cursor = order.Length;
        var xs = new float[batch * pixelsPerImage];
        var ys = new float[batch * labelsPerImage];
        double lastLoss = double.NaN;

        if (linear)
            backbone.eval();
        else
            backbone.train();
        head.train();

        for (var step = 0; step < config.Steps; step++)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            for (var i = 0; i < batch; i++)
            {
                if (cursor == order.Length)
                {
                    rng.Shuffle(order);
                    cursor = 0;
                }

                var k = order[cursor++];
                trainPixels.AsSpan(k * pixelsPerImage, pixelsPerImage).CopyTo(xs.AsSpan(i * pixelsPerImage));
                trainLabels.AsSpan(k * labelsPerImage, labelsPerImage).CopyTo(ys.AsSpan(i * labelsPerImage));
            }

            using (NewDisposeScope())
            {
                var x = Pixels.Normalise(tensor(xs, [batch, 3, r, r]));
                var y = tensor(ys, [batch, labelsPerImage]);
                var features = linear ? Frozen(backbone, x) : backbone.FeatureMap(x);
                var loss = functional.l1_loss(head.call(features.flatten(1)), y);
                optimizer.ZeroGrad();
                loss.backward();
                optimizer.LearningRate = config.LearningRate * Schedules.Factor(step, config.Steps, warmupFraction: 0.05);
                optimizer.Step();
                lastLoss = loss.item<float>();
            }

            if (!double.IsFinite(lastLoss))
                throw new JobFailedException(FailureKind.Diverged, $"landmark loss became {lastLoss} at step {step + 1} of {config.Steps}");
            if ((step + 1) % 10 == 0 || step + 1 == config.Steps)
                context.Report(0.9 * (step + 1) / config.Steps, $"landmarks {config.Protocol} step {step + 1}/{config.Steps}", lastLoss);
        }

        context.Report(0.9, "evaluating");
        var predicted = Predict(backbone, head, testPixels, test.Count, r);
        return new Dictionary<string, double>(StringComparer.Ordinal)
        {
            [MetricDefinitions.NmeInterOcular.Name] = LandmarkMetrics.MeanInterOcularNme(predicted, testLabels, Points),
            [MetricDefinitions.TrainLoss.Name] = lastLoss,
            ["train_images"] = subset.Length,
            ["test_images"] = test.Count,
        };
    }

    private static Tensor Frozen(ResNet backbone, Tensor x)
    {
        using var _ = no_grad();
        return backbone.FeatureMap(x);
    }

    private static long FeatureMapShape(ResNet backbone, int resolution)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var wasTraining = backbone.training;
        backbone.eval();
        var map = backbone.FeatureMap(zeros(1, 3, resolution, resolution));
        backbone.train(wasTraining);
        return map.shape[1] * map.shape[2] * map.shape[3];
    }

    /// <summary>
    /// Starts the head at the training subset's mean shape (zero weights, mean as bias): the
    /// first prediction is the mean face, and training only has to learn the deviations. With
    /// a random head, un-normalised backbone features put the first predictions several image
    /// widths away and few-shot budgets are spent pulling them back.
    /// </summary>
    private static void InitialiseAtMeanShape(Linear head, float[] labels, int labelsPerImage)
    {
        var mean = new float[labelsPerImage];
        var count = labels.Length / labelsPerImage;
        for (var i = 0; i < labels.Length; i++)
            mean[i % labelsPerImage] += labels[i] / count;
        using var _ = no_grad();
        head.weight!.zero_();
        using var meanShape = tensor(mean);
        head.bias!.copy_(meanShape);
    }

    /// <summary>Pixel coordinates to the head's target space: centred on the image, unit = image size.</summary>
    private static void NormaliseLabels(Span<float> labels, int resolution)
    {
        for (var i = 0; i < labels.Length; i++)
            labels[i] = (labels[i] / resolution) - 0.5f;
    }

    private static float[] Predict(ResNet backbone, Linear head, float[] pixels, int count, int r)
    {
        using var _ = no_grad();
        backbone.eval();
        head.eval();
        var pixelsPerImage = 3 * r * r;
        var output = new float[count * 2 * Points];
        const int chunk = 128;
        for (var start = 0; start < count; start += chunk)
        {
            var n = Math.Min(chunk, count - start);
            using var scope = NewDisposeScope();
            var x = Pixels.Normalise(tensor(pixels.AsSpan(start * pixelsPerImage, n * pixelsPerImage).ToArray(), [n, 3, r, r]));
            var y = head.call(backbone.FeatureMap(x).flatten(1));
            var values = y.data<float>().ToArray();
            for (var i = 0; i < values.Length; i++)
                output[(start * 2 * Points) + i] = (values[i] + 0.5f) * r;
        }

        return output;
    }
}
