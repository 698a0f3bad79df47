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

    /// <summary>
    /// Fine-tunes (or linearly probes) a backbone on a task's few-shot subset and measures it on the test split. On a
    /// benchmark with cross-validation folds (DISFA), each fold starts again from the same backbone, trains on its
    /// few-shot subset of the other folds' subjects and predicts its own; the metrics pool every face's out-of-fold
    /// prediction (and give each fold's as <c>metric@foldK</c>), and the curve is the first fold's.
    /// </summary>
    public static IReadOnlyDictionary<string, double> Run(EvaluateConfig config, ResNet backbone, RunContext context, out int[] trainIndices) =>
        Run(config, backbone, context, out trainIndices, onlyFolds: null);

    /// <summary>As <see cref="Run(EvaluateConfig, ResNet, RunContext, out int[])"/>, running only the named folds of a cross-validated benchmark.</summary>
    internal static IReadOnlyDictionary<string, double> Run(EvaluateConfig config, ResNet backbone, RunContext context, out int[] trainIndices, IReadOnlyCollection<string>? onlyFolds)
    {
        var task = Get(config.Task);
        var r = config.Pretrain.Backbone.Input;
        // The backbone, the head and every batch on the job's (first) device; predictions come back once per chunk.
        JobDevices.Move(backbone, JobDevices.Of(context.Devices)[0]);
        var folds = config.OnBenchmark ? LoadBenchmark(config, ref task, r, context, onlyFolds) : [LoadSynthFace(config, task, r, context)];
        if (folds.Count == 1)
        {
            var fold = folds[0];
            using var outcome = RunFold(config, context, task, backbone, fold, record: true, progressFrom: 0, progressSpan: 0.9);
            trainIndices = fold.ToOfficial(outcome.Subset);
            var metrics = new Dictionary<string, double>(Measure(task, outcome.Head, outcome.Test, fold.Test), StringComparer.Ordinal);
            // The same metrics on the validation split, prefixed val_: hyper-parameters are chosen on these, never on test.
            // (A validation part too small for a metric, such as LFW's ten folds of pairs, has no value for it.)
            foreach (var (name, value) in Measure(task, outcome.Head, outcome.Validation, outcome.ValidationData).Where(m => double.IsFinite(m.Value)))
                metrics[ValidationPrefix + name] = value;
            // (A metric undefined for a constant, such as a correlation, has no floor.)
            foreach (var (name, value) in Measure(task, outcome.Head, outcome.Floor, fold.Test).Where(m => double.IsFinite(m.Value)))
                metrics[MetricDefinitions.FloorPrefix + name] = value;
            metrics[MetricDefinitions.TrainLoss.Name] = outcome.LastLoss;
            metrics["train_images"] = outcome.Subset.Length;
            metrics["test_images"] = fold.Test.Count;
            metrics["validation_images"] = outcome.ValidationData.Count;
            return metrics;
        }

        return RunFolds(config, context, task, backbone, folds, out trainIndices);
    }

    /// <summary>Every fold from the same starting backbone; metrics over the pooled out-of-fold predictions.</summary>
    private static Dictionary<string, double> RunFolds(EvaluateConfig config, RunContext context, EvaluationTask task, ResNet backbone, IReadOnlyList<Fold> folds, out int[] trainIndices)
    {
        var initial = backbone.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
        try
        {
            var testItems = new List<Data.Benchmarks.BenchmarkItem>();
            var validationItems = new List<Data.Benchmarks.BenchmarkItem>();
            var validated = new HashSet<Data.Benchmarks.BenchmarkItem>(ReferenceEqualityComparer.Instance);
            List<float> test = [], validation = [], floor = [];
            var trained = new SortedSet<int>();
            var losses = new List<double>();
            var trainCounts = new List<int>();
            var kind = folds[0].Test.BenchmarkKind!;
            for (var f = 0; f < folds.Count; f++)
            {
                context.Cancellation.ThrowIfCancellationRequested();
                if (f > 0)
                {
                    using var _ = no_grad();
                    foreach (var (name, value) in backbone.state_dict())
                        value.copy_(initial[name]);
                }

                var fold = folds[f];
                var span = 0.9 / folds.Count;
                context.Report(f * span, $"{fold.Name}: {fold.Train.Count:N0} training, {fold.Test.Count:N0} test faces");
                using var outcome = RunFold(config, context, task, backbone, fold, record: f == 0, progressFrom: f * span, progressSpan: span);
                testItems.AddRange(fold.Test.BenchmarkItems!);
                test.AddRange(ToCrop(task, outcome.Test, fold.Test));
                // Each fold holds its own subjects out for validation; a face held out by two folds counts once (the first's prediction).
                var held = ToCrop(task, outcome.Validation, outcome.ValidationData);
                var width = outcome.ValidationData.Count == 0 ? 0 : held.Length / outcome.ValidationData.Count;
                for (var v = 0; v < outcome.ValidationData.Count; v++)
                {
                    if (validated.Add(outcome.ValidationData.BenchmarkItems![v]))
                    {
                        validationItems.Add(outcome.ValidationData.BenchmarkItems[v]);
                        validation.AddRange(held.AsSpan(v * width, width));
                    }
                }

                floor.AddRange(ToCrop(task, outcome.Floor, fold.Test));
                trained.UnionWith(fold.ToOfficial(outcome.Subset));
                losses.Add(outcome.LastLoss);
                trainCounts.Add(outcome.Subset.Length);
            }

            var metrics = new Dictionary<string, double>(kind.Metrics(testItems, test.ToArray()), StringComparer.Ordinal);
            // A validation face carries the fold that tests it, not the one it validates: its per-fold values would mislead.
            foreach (var (name, value) in kind.Metrics(validationItems, validation.ToArray()).Where(m => !m.Key.Contains(MetricDefinitions.SubsetSeparator, StringComparison.Ordinal) && double.IsFinite(m.Value)))
                metrics[ValidationPrefix + name] = value;
            foreach (var (name, value) in kind.Metrics(testItems, floor.ToArray()).Where(m => double.IsFinite(m.Value)))
                metrics[MetricDefinitions.FloorPrefix + name] = value;
            trainIndices = [.. trained];
            metrics[MetricDefinitions.TrainLoss.Name] = losses.Average();
            metrics["train_images"] = Math.Round(trainCounts.Average());
            metrics["test_images"] = testItems.Count;
            metrics["validation_images"] = validationItems.Count;
            metrics["folds"] = folds.Count;
            return metrics;
        }
        finally
        {
            foreach (var t in initial.Values)
                t.Dispose();
        }
    }

    /// <summary>Decoded predictions of benchmark faces in their crops' coordinates (a copy).</summary>
    private static float[] ToCrop(EvaluationTask task, float[] predictions, TaskData data)
    {
        var crop = (float[])predictions.Clone();
        task.ToCrop(crop, (float)data.Resolution / data.BenchmarkSize);
        return crop;
    }

    /// <summary>
    /// One training and test split: a SynthFace task's, a benchmark's official ones, or one cross-validation fold.
    /// <see cref="PoolIndices"/> maps the training pool's indices to the benchmark's official training split (null: the same).
    /// </summary>
    private sealed record Fold(string Name, TaskData Train, TaskData Test, Func<TaskData> Validation, int[]? PoolIndices)
    {
        /// <summary>Reads the crops of training faces that were read for their labels only (a benchmark's pool).</summary>
        public Action<IEnumerable<Data.Benchmarks.BenchmarkItem>> Restore { get; init; } = _ => { };

        public int[] ToOfficial(int[] subset) => PoolIndices is null ? subset : [.. subset.Select(i => PoolIndices[i]).Order()];
    }

    /// <summary>What one fold's training gave: its head (for SynthFace's metrics), and decoded predictions of test, validation and the floor.</summary>
    private sealed record FoldOutcome(TaskHead Head, int[] Subset, float[] Test, float[] Validation, TaskData ValidationData, float[] Floor, double LastLoss) : IDisposable
    {
        public void Dispose() => Head.Dispose();
    }

    /// <summary>Faces of a labels-only pool decoded up front for training when their pixels fit in this many bytes; more are decoded as each batch is drawn.</summary>
    private const long DecodedSubsetBudget = 1L << 30;

    private static FoldOutcome RunFold(EvaluateConfig config, RunContext context, EvaluationTask task, ResNet backbone, Fold fold,
        bool record, double progressFrom, double progressSpan)
    {
        var r = config.Pretrain.Backbone.Input;
        var train = fold.Train;
        var subset = task.FewShotSubset(train, config.Shots, config.Seed);
        var chosen = subset;
        if (train.LabelsOnly)
            fold.Restore(subset.Select(i => train.BenchmarkItems![i]));
        if (train.LabelsOnly && (long)subset.Length * train.PixelsPerImage * sizeof(float) <= DecodedSubsetBudget)
        {
            // A benchmark's pool was read for its labels; only the subset the job trains on is decoded
            // (in subset order, so training sees the same samples in the same order).
            train = train.Decoded(subset, task);
            subset = [.. Enumerable.Range(0, subset.Length)];
        }

        var linear = config.Protocol == "linear";
        var device = DeviceOf(backbone);
        var featureShape = FeatureShape(backbone, task.Input, r);
        var head = TorchRuntime.Seeded(config.Seed + 1_000_003L, () => task.CreateHead(featureShape, train, subset));
        try
        {
            head.MoveTo(device);
            var parameters = head.Parameters.ToList();
            if (linear)
            {
                foreach (var p in backbone.parameters())
                    p.requires_grad = false;
                backbone.eval();
            }
            else
            {
                foreach (var p in backbone.parameters())
                    p.requires_grad = true;
                parameters.AddRange(backbone.parameters());
                backbone.train();
            }

            using var optimizer = new Optimisers.AdamW(parameters, config.LearningRate, weightDecay: 1e-4);
            using var cached = linear ? Features(backbone, task.Input, train, subset, r, config.Pretrain.Backbone.Normalisation) : null;
            var lastLoss = Train(config, context, task, backbone, head, optimizer, train, subset, cached, record, progressFrom, progressSpan);

            context.Report(progressFrom + progressSpan, "evaluating");
            var normalisation = config.Pretrain.Backbone.Normalisation;
            var test = Predict(backbone, task.Input, head, fold.Test, r, normalisation, task.FlipTest);
            var validationData = fold.Validation();
            var validation = Predict(backbone, task.Input, head, validationData, r, normalisation, task.FlipTest);
            // The floor: what the training labels alone predict (majority class, mean shape, mean
            // intensity), measured the same way on the same test split.
            var constant = task.ConstantPrediction(train, subset);
            var floor = new float[constant.Length * fold.Test.Count];
            for (var i = 0; i < fold.Test.Count; i++)
                constant.CopyTo(floor, i * constant.Length);
            return new FoldOutcome(head, chosen, test, validation, validationData, floor, lastLoss);
        }
        catch
        {
            head.Dispose();
            throw;
        }
    }

    /// <summary>The SynthFace splits of the task, rendered at the backbone's input; validation when asked for.</summary>
    private static Fold LoadSynthFace(EvaluateConfig config, EvaluationTask task, int r, RunContext context)
    {
        context.Report(0, "generating task data");
        var splits = SynthFaceCatalog.OpenTask(task.Name, config.TaskTrain, config.TaskTest, config.TaskTest, r, DataSeed);
        static int[] All(IFaceDataset d) => Enumerable.Range(0, d.Count).ToArray();
        return new Fold("", TaskData.Load(splits.Train, All(splits.Train), task), TaskData.Load(splits.Test, All(splits.Test), task),
            () => TaskData.Load(splits.Validation, All(splits.Validation), task), null);
    }

    /// <summary>The fraction of a benchmark's official training split held out for validation.</summary>
    public const double BenchmarkValidationFraction = 0.1;

    /// <summary>
    /// A benchmark's official splits, read for their labels (faces are decoded as they are used): few-shot subsets come
    /// from the training split less a fixed tenth held out for validation (chosen with <see cref="DataSeed"/>, the same
    /// for every job; a tenth of the subjects where the benchmark knows them); the test split is the official one, with
    /// its subsets. A benchmark with cross-validation folds gives one such split per fold.
    /// </summary>
    private static List<Fold> LoadBenchmark(EvaluateConfig config, ref EvaluationTask task, int r, RunContext context, IReadOnlyCollection<string>? onlyFolds)
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
            var kindOf = Data.Benchmarks.BenchmarkKinds.Find(benchmark.Manifest.Kind);
            // The training split is read for its labels; the crops of the faces a job uses are read again when it uses them
            // (every face of a cross-validated benchmark is tested, so its crops are all kept).
            items = benchmark.ReadAll(kindOf is { Folds.Count: 0 } ? i => i.Split != Data.Benchmarks.BenchmarkSplits.Train : null);
        }
        catch (InvalidDataException e)
        {
            throw new JobFailedException(FailureKind.Deterministic, $"benchmark '{config.Benchmark}': {e.Message}", e);
        }

        if (benchmark.Content != config.BenchmarkContent)
            throw new JobFailedException(FailureKind.Deterministic, $"benchmark '{config.Benchmark}' at {entry.Directory} changed since the sweep was planned (content {benchmark.Manifest.ShortContent})");
        var kind = Data.Benchmarks.BenchmarkKinds.Find(benchmark.Manifest.Kind)
            ?? throw new JobFailedException(FailureKind.Deterministic, $"benchmark '{config.Benchmark}' is a {benchmark.Manifest.Kind} benchmark, which this build does not know");
        // The head of the benchmark's layout (98 points for WFLW, DISFA's twelve action units).
        task = task.For(kind);
        var measured = task;
        var size = benchmark.Size;
        var official = items.Where(i => i.Split == Data.Benchmarks.BenchmarkSplits.Train).ToList();
        var splits = kind.Folds.Count == 0
            ? [("", Enumerable.Range(0, official.Count).ToArray(), items.Where(i => i.Split == Data.Benchmarks.BenchmarkSplits.Test).ToList())]
            : kind.Folds.Where(fold => onlyFolds?.Contains(fold) != false).Select(fold => (fold,
                Enumerable.Range(0, official.Count).Where(i => !official[i].Subsets.Contains(fold)).ToArray(),
                official.Where(i => i.Subsets.Contains(fold)).ToList())).ToList();
        void Restore(IEnumerable<Data.Benchmarks.BenchmarkItem> faces)
        {
            try
            {
                benchmark.RestoreImages(faces);
            }
            catch (InvalidDataException e)
            {
                throw new JobFailedException(FailureKind.Deterministic, $"benchmark '{config.Benchmark}': {e.Message}", e);
            }
        }

        var folds = new List<Fold>();
        foreach (var (name, trainIndices, testItems) in splits)
        {
            var label = name.Length == 0 ? config.Benchmark : $"{config.Benchmark} {name}";
            if (trainIndices.Length < 2 || testItems.Count == 0)
                throw new JobFailedException(FailureKind.Deterministic, $"benchmark '{label}' has {trainIndices.Length} training and {testItems.Count} test faces; a run needs at least 2 and 1");
            var held = ValidationPart([.. trainIndices.Select(i => official[i].Subject)]);
            var pool = trainIndices.Where((_, k) => !held.Contains(k)).ToArray();
            var validationItems = trainIndices.Where((_, k) => held.Contains(k)).Select(i => official[i]).ToList();
            context.Report(0, $"reading {label}: {pool.Length:N0} training, {testItems.Count:N0} test faces");
            folds.Add(new Fold(name, TaskData.Load(kind, size, [.. pool.Select(i => official[i])], task, r, decode: false),
                TaskData.Load(kind, size, testItems, task, r, decode: false),
                () =>
                {
                    Restore(validationItems);
                    return TaskData.Load(kind, size, validationItems, measured, r, decode: false);
                }, pool)
            { Restore = Restore });
        }

        return folds;
    }

    /// <summary>
    /// The positions held out for validation from a training split whose faces have these subjects: a fixed tenth of the
    /// subjects (at least two of three or more) when every face has one, so no subject is both trained and validated on; else a tenth of the faces.
    /// </summary>
    private static HashSet<int> ValidationPart(int[] subjects)
    {
        var rng = new Random(DataSeed);
        if (subjects.All(s => s >= 0))
        {
            var distinct = subjects.Distinct().Order().ToArray();
            if (distinct.Length >= 2)
            {
                rng.Shuffle(distinct);
                // At least two people where there are three or more, so a recognition benchmark's validation has pairs of different people.
                var heldSubjects = distinct.Take(Math.Max(Math.Min(2, distinct.Length - 1), (int)Math.Round(distinct.Length * BenchmarkValidationFraction))).ToHashSet();
                return [.. Enumerable.Range(0, subjects.Length).Where(i => heldSubjects.Contains(subjects[i]))];
            }
        }

        var held = Math.Max(1, (int)Math.Round(subjects.Length * BenchmarkValidationFraction));
        var order = Enumerable.Range(0, subjects.Length).ToArray();
        rng.Shuffle(order);
        return [.. order.Take(held)];
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
        Optimisers.AdamW optimizer, TaskData train, int[] subset, Tensor? cached, bool record, double progressFrom, double progressSpan)
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
        var device = DeviceOf(backbone);
        var curve = new CurveRecorder(CurvePhases.Head, config.Steps, batch);
        // A pool too large to decode up front is decoded as each batch is drawn.
        var image = train.LabelsOnly && cached is null ? new float[size] : null;
        head.SetTraining(true);
        if (record)
            context.Record(curve.Start(knn: null), progressFrom, $"{task.Name} {config.Protocol} step 0/{config.Steps}");

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
                {
                    ReadOnlySpan<float> pixels = image is null ? train.Image(k) : train.CopyImage(k, image);
                    Augment(task, pixels, xs.AsSpan(i * size, size), r, label, rng, hrnet: train.BenchmarkItems is not null);
                }
            }

            using (NewDisposeScope())
            {
                var features = cached is not null
                    ? cached.index_select(0, tensor(picks, device: device))
                    : Extract(backbone, task.Input, JobDevices.Stage(Pixels.Normalised(xs, [batch, 3, r, r], 0, config.Pretrain.Backbone.Normalisation), device));
                var loss = head.Loss(head.Forward(features), JobDevices.Stage(Pixels.Copy(ys, [batch, width]), device));
                optimizer.ZeroGrad();
                loss.backward();
                optimizer.LearningRate = config.LearningRate * Schedules.Factor(step, config.Steps, warmupFraction: 0.05);
                optimizer.Step();
                lastLoss = loss.item<float>();
            }

            if (!double.IsFinite(lastLoss))
                throw new JobFailedException(FailureKind.Diverged, $"{task.Name} loss became {lastLoss} at step {step + 1} of {config.Steps}");
            var fraction = progressFrom + (progressSpan * (step + 1) / config.Steps);
            if (curve.Step(step, lastLoss, optimizer.LearningRate) is { } point)
            {
                if (record)
                    context.Record(point, fraction, $"{task.Name} {config.Protocol} step {step + 1}/{config.Steps}");
                else
                    context.Report(fraction, $"{task.Name} {config.Protocol} step {step + 1}/{config.Steps}", lastLoss);
            }
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

    /// <summary>The device the backbone's weights are on, which the head and every batch follow.</summary>
    private static Device DeviceOf(ResNet backbone) => backbone.parameters().First().device;

    private static long[] FeatureShape(ResNet backbone, HeadInput input, int resolution)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var wasTraining = backbone.training;
        backbone.eval();
        var features = Extract(backbone, input, zeros(1, 3, resolution, resolution, device: DeviceOf(backbone)));
        backbone.train(wasTraining);
        return features.shape[1..];
    }

    /// <summary>The frozen backbone's features of the training subset, computed once (linear protocol).</summary>
    private static Tensor Features(ResNet backbone, HeadInput input, TaskData train, int[] subset, int r, InputNormalisation? normalisation)
    {
        using var _ = no_grad();
        var chunks = new List<Tensor>();
        var device = DeviceOf(backbone);
        using var scope = NewDisposeScope();
        for (var start = 0; start < subset.Length; start += PredictChunk)
        {
            var n = Math.Min(PredictChunk, subset.Length - start);
            var pixels = train.Images(subset.AsSpan(start, n));
            chunks.Add(Extract(backbone, input, JobDevices.Stage(Pixels.Normalised(pixels, [n, 3, r, r], 0, normalisation), device)));
        }

        return cat(chunks, 0).MoveToOuterDisposeScope();
    }

    private static float[] Predict(ResNet backbone, HeadInput input, TaskHead head, TaskData test, int r, InputNormalisation? normalisation, bool flipTest = false)
    {
        using var _ = no_grad();
        backbone.eval();
        head.SetTraining(false);
        var output = new List<float>();
        var device = DeviceOf(backbone);
        for (var start = 0; start < test.Count; start += PredictChunk)
        {
            var n = Math.Min(PredictChunk, test.Count - start);
            using var scope = NewDisposeScope();
            var x = JobDevices.Stage(test.LabelsOnly
                ? Pixels.Normalised(test.Images([.. Enumerable.Range(start, n)]), [n, 3, r, r], 0, normalisation)
                : Pixels.Normalised(test.Pixels, [n, 3, r, r], (long)start * test.PixelsPerImage, normalisation), device);
            var forward = head.Forward(Extract(backbone, input, x));
            // insightface's flip test: the outputs of the image and of its mirror image summed, then decoded.
            if (flipTest)
                forward = forward.add(head.Forward(Extract(backbone, input, x.flip(3))));
            output.AddRange(head.Decode(forward).to(JobDevices.Cpu).contiguous().data<float>());
        }

        return [.. output];
    }
}
