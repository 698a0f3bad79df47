using FaceRep.Core.Experiments;
using FaceRep.Core.Metrics;
using FaceRep.Core.Specs;
using FaceRep.Data;
using FaceRep.Training.Backbones;
using FaceRep.Training.Monitoring;
using FaceRep.Training.Runs;
using static TorchSharp.torch;

namespace FaceRep.Training.Tasks;

/// <summary>
/// Adapts a backbone to a task and measures it. Full fine-tuning trains backbone and head on
/// augmented images; the linear protocol freezes the backbone (evaluation-mode batch norm),
/// computes the training subset's features once, and trains only the head on them.
/// </summary>
public static class TaskRunner
{
    /// <summary>Seed of every task's data: fixed, so every job of every sweep sees the same splits.</summary>
    public const int DataSeed = 0;

    private const int PredictChunk = 128;

    /// <summary>Prefix of the metrics measured on the validation split.</summary>
    public const string ValidationPrefix = MetricDefinitions.ValidationPrefix;

    private static readonly Dictionary<string, EvaluationTask> Tasks = new EvaluationTask[]
    {
        new RecognitionTask(),
        new LandmarkTask(),
        new ActionUnitTask(),
        new EmotionTask(),
        new Landmark3DTask(),
    }.ToDictionary(t => t.Name, StringComparer.Ordinal);

    /// <summary>Names of the tasks this build can evaluate.</summary>
    public static IReadOnlyCollection<string> Available => Tasks.Keys;

    /// <summary>Finds a task.</summary>
    /// <exception cref="JobFailedException">The task is not available.</exception>
    public static EvaluationTask Get(string name) =>
        Tasks.TryGetValue(name, out var task)
            ? task
            : throw new JobFailedException(FailureKind.Deterministic, $"task '{name}' is not available in this build; available: {string.Join(", ", Tasks.Keys)}");

    /// <summary>Fine-tunes (or linearly probes) a backbone on a task's few-shot subset and measures it on the test split.</summary>
    public static IReadOnlyDictionary<string, double> Run(EvaluateConfig config, ResNet backbone, RunContext context, out int[] trainIndices)
    {
        var task = Get(config.Task);
        var r = config.Pretrain.Backbone.Input;
        var (train, test, loadValidation) = config.OnBenchmark ? LoadBenchmark(config, ref task, r, context) : LoadSynthFace(config, task, r, context);
        var subset = task.FewShotSubset(train, config.Shots, config.Seed);
        trainIndices = subset;
        if (train.LabelsOnly)
        {
            // A benchmark's pool was read for its labels; only the subset the job trains on is decoded
            // (in subset order, so training sees the same samples in the same order).
            train = train.Decoded(subset, task);
            subset = [.. Enumerable.Range(0, subset.Length)];
        }

        var linear = config.Protocol == "linear";
        var featureShape = FeatureShape(backbone, task.Input, r);
        using var head = TorchRuntime.Seeded(config.Seed + 1_000_003L, () => task.CreateHead(featureShape, train, subset));
        var parameters = head.Parameters.ToList();
        if (linear)
        {
            foreach (var p in backbone.parameters())
                p.requires_grad = false;
            backbone.eval();
        }
        else
        {
            parameters.AddRange(backbone.parameters());
            backbone.train();
        }

        using var optimizer = new Optimisers.AdamW(parameters, config.LearningRate, weightDecay: 1e-4);
        using var cached = linear ? Features(backbone, task.Input, train, subset, r, config.Pretrain.Backbone.Normalisation) : null;
        var lastLoss = Train(config, context, task, backbone, head, optimizer, train, subset, cached);

        context.Report(0.9, "evaluating");
        var predictions = Predict(backbone, task.Input, head, test, r, config.Pretrain.Backbone.Normalisation);
        var metrics = new Dictionary<string, double>(Measure(task, head, predictions, test), StringComparer.Ordinal);
        // The same metrics on the validation split, prefixed val_: hyper-parameters are chosen on these, never on test.
        var validation = loadValidation();
        foreach (var (name, value) in Measure(task, head, Predict(backbone, task.Input, head, validation, r, config.Pretrain.Backbone.Normalisation), validation))
            metrics[ValidationPrefix + name] = value;
        // The floor: what the training labels alone predict (majority class, mean shape, mean
        // intensity), measured the same way on the same test split.
        var constant = task.ConstantPrediction(train, subset);
        var repeated = new float[constant.Length * test.Count];
        for (var i = 0; i < test.Count; i++)
            constant.CopyTo(repeated, i * constant.Length);
        // (A metric undefined for a constant, such as a correlation, has no floor.)
        foreach (var (name, value) in Measure(task, head, repeated, test).Where(m => double.IsFinite(m.Value)))
            metrics[MetricDefinitions.FloorPrefix + name] = value;
        metrics[MetricDefinitions.TrainLoss.Name] = lastLoss;
        metrics["train_images"] = subset.Length;
        metrics["test_images"] = test.Count;
        metrics["validation_images"] = validation.Count;
        return metrics;
    }

    /// <summary>The SynthFace splits of the task, rendered at the backbone's input; validation when asked for.</summary>
    private static (TaskData Train, TaskData Test, Func<TaskData> Validation) LoadSynthFace(EvaluateConfig config, EvaluationTask task, int r, RunContext context)
    {
        context.Report(0, "generating task data");
        var splits = SynthFaceCatalog.OpenTask(task.Name, config.TaskTrain, config.TaskTest, config.TaskTest, r, DataSeed);
        static int[] All(IFaceDataset d) => Enumerable.Range(0, d.Count).ToArray();
        return (TaskData.Load(splits.Train, All(splits.Train), task), TaskData.Load(splits.Test, All(splits.Test), task),
            () => TaskData.Load(splits.Validation, All(splits.Validation), task));
    }

    /// <summary>The fraction of a benchmark's official training split held out for validation.</summary>
    public const double BenchmarkValidationFraction = 0.1;

    /// <summary>
    /// A benchmark's official splits decoded at the backbone's input: few-shot subsets come from the training
    /// split less a fixed tenth held out for validation (chosen with <see cref="DataSeed"/>, the same for
    /// every job); the test split is the official one, with its subsets.
    /// </summary>
    private static (TaskData Train, TaskData Test, Func<TaskData> Validation) LoadBenchmark(EvaluateConfig config, ref EvaluationTask task, int r, RunContext context)
    {
        context.Report(0, $"reading benchmark {config.Benchmark}");
        var entry = context.Datasets.FindBenchmarkByContent(config.BenchmarkContent ?? "")
            ?? throw new JobFailedException(FailureKind.Deterministic,
                $"benchmark '{config.Benchmark}' (content {config.BenchmarkContent?[..Math.Min(16, config.BenchmarkContent.Length)]}) is not under this silo's dataset roots; they hold {context.Datasets.DescribeBenchmarks()}");
        IReadOnlyList<Data.Benchmarks.BenchmarkItem> items;
        Data.Benchmarks.Benchmark benchmark;
        try
        {
            benchmark = Data.Benchmarks.Benchmark.Open(entry.Directory);
            items = benchmark.ReadAll();
        }
        catch (InvalidDataException e)
        {
            throw new JobFailedException(FailureKind.Deterministic, $"benchmark '{config.Benchmark}': {e.Message}", e);
        }

        if (benchmark.Content != config.BenchmarkContent)
            throw new JobFailedException(FailureKind.Deterministic, $"benchmark '{config.Benchmark}' at {entry.Directory} changed since the sweep was planned (content {benchmark.Manifest.ShortContent})");
        var kind = Data.Benchmarks.BenchmarkKinds.Find(benchmark.Manifest.Kind)
            ?? throw new JobFailedException(FailureKind.Deterministic, $"benchmark '{config.Benchmark}' is a {benchmark.Manifest.Kind} benchmark, which this build does not know");
        // The head of the benchmark's layout (98 points for WFLW).
        task = task.For(kind);
        var measured = task;
        var official = items.Where(i => i.Split == Data.Benchmarks.BenchmarkSplits.Train).ToList();
        var testItems = items.Where(i => i.Split == Data.Benchmarks.BenchmarkSplits.Test).ToList();
        if (official.Count < 2 || testItems.Count == 0)
            throw new JobFailedException(FailureKind.Deterministic, $"benchmark '{config.Benchmark}' has {official.Count} training and {testItems.Count} test faces; a run needs at least 2 and 1");
        var held = Math.Max(1, (int)Math.Round(official.Count * BenchmarkValidationFraction));
        var order = Enumerable.Range(0, official.Count).ToArray();
        new Random(DataSeed).Shuffle(order);
        var validationIndices = order.Take(held).Order().ToHashSet();
        var pool = official.Where((_, i) => !validationIndices.Contains(i)).ToList();
        var validationItems = official.Where((_, i) => validationIndices.Contains(i)).ToList();
        context.Report(0, $"decoding {benchmark.Name}: {pool.Count:N0} training, {testItems.Count:N0} test faces");
        var size = benchmark.Size;
        return (TaskData.Load(kind, size, pool, task, r, decode: false), TaskData.Load(kind, size, testItems, task, r), () => TaskData.Load(kind, size, validationItems, measured, r));
    }

    /// <summary>The task's metrics of decoded predictions: a benchmark's official ones on its faces, the head's own on SynthFace.</summary>
    internal static IReadOnlyDictionary<string, double> Measure(EvaluationTask task, TaskHead? head, float[] predictions, TaskData data)
    {
        if (data.BenchmarkItems is not { } items || data.BenchmarkKind is not { } kind)
            return (head ?? throw new ArgumentNullException(nameof(head), "SynthFace data is measured by its head")).Metrics(predictions, data);
        var crop = (float[])predictions.Clone();
        task.ToCrop(crop, (float)data.Resolution / data.BenchmarkSize);
        return kind.Metrics(items, crop);
    }

    private static double Train(EvaluateConfig config, RunContext context, EvaluationTask task, ResNet backbone, TaskHead head,
        Optimisers.AdamW optimizer, TaskData train, int[] subset, Tensor? cached)
    {
        var r = train.Resolution;
        var size = train.PixelsPerImage;
        var width = train.LabelWidth;
        var batch = Math.Min(config.Batch, subset.Length);
        var rng = new Random(config.Seed);
        var order = Enumerable.Range(0, subset.Length).ToArray();
        var cursor = order.Length;
        var picks = new long[batch];
        var xs = new float[batch * size];
        var ys = new float[batch * width];
        var lastLoss = double.NaN;
        var curve = new CurveRecorder(CurvePhases.Head, config.Steps, batch);
        head.SetTraining(true);
        context.Record(curve.Start(knn: null), 0, $"{task.Name} {config.Protocol} step 0/{config.Steps}");

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

                picks[i] = order[cursor++];
                var k = subset[picks[i]];
                var label = ys.AsSpan(i * width, width);
                train.Label(k).CopyTo(label);
                if (cached is null)
                    Augment(task, train.Image(k), xs.AsSpan(i * size, size), r, label, rng, hrnet: train.BenchmarkItems is not null);
            }

            using (NewDisposeScope())
            {
                var features = cached is not null
                    ? cached.index_select(0, tensor(picks))
                    : Extract(backbone, task.Input, Pixels.Normalised(xs, [batch, 3, r, r], 0, config.Pretrain.Backbone.Normalisation));
                var loss = head.Loss(head.Forward(features), Pixels.Copy(ys, [batch, width]));
                optimizer.ZeroGrad();
                loss.backward();
                optimizer.LearningRate = config.LearningRate * Schedules.Factor(step, config.Steps, warmupFraction: 0.05);
                optimizer.Step();
                lastLoss = loss.item<float>();
            }

            if (!double.IsFinite(lastLoss))
                throw new JobFailedException(FailureKind.Diverged, $"{task.Name} loss became {lastLoss} at step {step + 1} of {config.Steps}");
            if (curve.Step(step, lastLoss, optimizer.LearningRate) is { } point)
                context.Record(point, 0.9 * (step + 1) / config.Steps, $"{task.Name} {config.Protocol} step {step + 1}/{config.Steps}");
        }

        return lastLoss;
    }

    /// <summary>
    /// A mild crop and mirror; points in the label move with the image. Points of a benchmark's faces get HRNet's
    /// training view instead (scale ±25 %, rotation ±30° six times in ten, mirror), as its community trains them.
    /// </summary>
    private static void Augment(EvaluationTask task, ReadOnlySpan<float> image, Span<float> view, int r, Span<float> label, Random rng, bool hrnet)
    {
        if (hrnet && task.PointLabels == PointLabels.TwoD)
        {
            FaceRep.Data.Augment.HrnetView(image, view, r, label, rng);
            return;
        }

        switch (task.PointLabels)
        {
            case PointLabels.TwoD:
                FaceRep.Data.Augment.RandomTaskView(image, view, r, label, [], rng);
                break;
            case PointLabels.ThreeD:
                FaceRep.Data.Augment.RandomTaskView(image, view, r, [], label[..(3 * 68)], rng);
                break;
            default:
                FaceRep.Data.Augment.RandomTaskView(image, view, r, [], [], rng);
                break;
        }
    }

    private static Tensor Extract(ResNet backbone, HeadInput input, Tensor x) =>
        input == HeadInput.Map ? backbone.FeatureMap(x) : backbone.call(x);

    private static long[] FeatureShape(ResNet backbone, HeadInput input, int resolution)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var wasTraining = backbone.training;
        backbone.eval();
        var features = Extract(backbone, input, zeros(1, 3, resolution, resolution));
        backbone.train(wasTraining);
        return features.shape[1..];
    }

    /// <summary>The frozen backbone's features of the training subset, computed once (linear protocol).</summary>
    private static Tensor Features(ResNet backbone, HeadInput input, TaskData train, int[] subset, int r, InputNormalisation? normalisation)
    {
        using var _ = no_grad();
        var chunks = new List<Tensor>();
        using var scope = NewDisposeScope();
        for (var start = 0; start < subset.Length; start += PredictChunk)
        {
            var n = Math.Min(PredictChunk, subset.Length - start);
            var pixels = new float[n * train.PixelsPerImage];
            for (var i = 0; i < n; i++)
                train.Image(subset[start + i]).CopyTo(pixels.AsSpan(i * train.PixelsPerImage));
            chunks.Add(Extract(backbone, input, Pixels.Normalised(pixels, [n, 3, r, r], 0, normalisation)));
        }

        return cat(chunks, 0).MoveToOuterDisposeScope();
    }

    private static float[] Predict(ResNet backbone, HeadInput input, TaskHead head, TaskData test, int r, InputNormalisation? normalisation)
    {
        using var _ = no_grad();
        backbone.eval();
        head.SetTraining(false);
        var output = new List<float>();
        for (var start = 0; start < test.Count; start += PredictChunk)
        {
            var n = Math.Min(PredictChunk, test.Count - start);
            using var scope = NewDisposeScope();
            var x = Pixels.Normalised(test.Pixels, [n, 3, r, r], (long)start * test.PixelsPerImage, normalisation);
            output.AddRange(head.Decode(head.Forward(Extract(backbone, input, x))).contiguous().data<float>());
        }

        return [.. output];
    }
}
