using FaceRep.Core.Experiments;
using FaceRep.Core.Metrics;
using FaceRep.Core.Specs;
using FaceRep.Training.Backbones;
using FaceRep.Training.Runs;
using FaceRep.Training.Tasks;
using TorchSharp;

namespace FaceRep.Training.Tests.Tasks;

[Collection(TorchCollection.Name)]
public sealed class TaskRunnerTests
{
    private static readonly BackboneSpec Tiny = new("resnet18", 0.125, 32);

    private static readonly PretrainConfig Scratch = PretrainConfig.From(new PretrainSpec("synth-curated", "scratch", 0, 0, 0, 0, 0), Tiny);

    public static TheoryData<string, string> TasksAndProtocols => new()
    {
        { "recognition", "finetune" }, { "recognition", "linear" },
        { "landmarks", "finetune" }, { "landmarks", "linear" },
        { "au", "finetune" }, { "au", "linear" },
        { "emotion", "finetune" }, { "emotion", "linear" },
        { "landmarks3d", "finetune" }, { "landmarks3d", "linear" },
    };

    private static EvaluateConfig Config(string task, string protocol, int steps = 10, int seed = 0, double shots = 0.5) =>
        new(Scratch, task, protocol, shots, seed, TaskTrain: 80, TaskTest: 40, Steps: steps, Batch: 16, LearningRate: 2e-3);

    private static IReadOnlyDictionary<string, double> Run(EvaluateConfig config, out int[] indices)
    {
        using var backbone = TorchRuntime.Seeded(config.Seed, () => BackboneRegistry.Create(Tiny));
        return TaskRunner.Run(config, backbone, new RunContext { JobId = config.Id, Threads = 2 }, out indices);
    }

    [Theory]
    [MemberData(nameof(TasksAndProtocols))]
    public void Every_task_reports_every_metric_it_defines(string task, string protocol)
    {
        var metrics = Run(Config(task, protocol), out var indices);

        foreach (var definition in MetricDefinitions.ForTask(task))
        {
            Assert.True(metrics.ContainsKey(definition.Name), $"{task} did not report {definition.Name}");
            Assert.True(double.IsFinite(metrics[definition.Name]), $"{task} {definition.Name} = {metrics[definition.Name]}");
        }

        Assert.Equal(indices.Length, metrics["train_images"]);
        Assert.Equal(40, metrics["test_images"]);
        // The same metrics on the validation split, which hyper-parameters are chosen on; a different split gives different values.
        Assert.Equal(40, metrics["validation_images"]);
        Assert.All(MetricDefinitions.ForTask(task).Where(d => d != MetricDefinitions.TrainLoss), d => Assert.True(double.IsFinite(metrics["val_" + d.Name]), $"{task} val_{d.Name}"));
        Assert.Contains(MetricDefinitions.ForTask(task).Where(d => d != MetricDefinitions.TrainLoss), d => metrics[d.Name] != metrics["val_" + d.Name]);
    }

    [Theory]
    [InlineData("recognition")]
    [InlineData("landmarks")]
    [InlineData("au")]
    [InlineData("emotion")]
    [InlineData("landmarks3d")]
    public void Each_evaluation_measures_its_floor_the_constant_predictor_from_its_training_labels(string task)
    {
        var config = Config(task, "linear", steps: 2);
        var metrics = Run(config, out var indices);

        var headline = MetricDefinitions.ForTask(task)[0].Name;
        Assert.True(double.IsFinite(metrics[MetricDefinitions.FloorPrefix + headline]), $"{task} has no floor for {headline}");
        // Recomputed by hand from the same splits: the subset's labels alone, scored on the test split.
        var splits = Data.SynthFaceCatalog.OpenTask(task, 80, 40, 40, Tiny.Input, TaskRunner.DataSeed);
        var evaluation = TaskRunner.Get(task);
        var train = TaskData.Load(splits.Train, Enumerable.Range(0, splits.Train.Count).ToArray(), evaluation);
        var test = TaskData.Load(splits.Test, Enumerable.Range(0, splits.Test.Count).ToArray(), evaluation);
        var constant = evaluation.ConstantPrediction(train, indices);
        switch (task)
        {
            case "emotion":
                // Accuracy of always answering the subset's majority class.
                var majority = (int)constant[0];
                var counts = indices.GroupBy(i => (int)train.Label(i)[0]).ToDictionary(g => g.Key, g => g.Count());
                Assert.Equal(counts.Max(c => c.Value), counts[majority]);
                var share = Enumerable.Range(0, test.Count).Count(i => (int)test.Label(i)[0] == majority) / (double)test.Count;
                Assert.Equal(share, metrics["floor_accuracy"], 1e-12);
                break;
            case "recognition":
                // One embedding for all: nothing separates genuine pairs from impostors.
                Assert.Equal(0.5, metrics["floor_roc_auc"], 1e-12);
                break;
            case "landmarks":
                // The mean shape of the subset, point by point.
                Assert.Equal(indices.Average(i => train.Label(i)[0]), constant[0], 1e-4);
                Assert.Equal(indices.Average(i => train.Label(i)[135]), constant[135], 1e-4);
                Assert.InRange(metrics["floor_nme_io"], 0.01, 1.0);
                break;
            case "au":
                // A constant has no intensity to agree or correlate with: ICC and PCC are 0.
                Assert.Equal(0, metrics["floor_icc"], 1e-9);
                Assert.Equal(0, metrics["floor_pcc"]);
                break;
            default:
                Assert.InRange(metrics["floor_nme3d_box"], 0.001, 1.0);
                break;
        }
    }

    [Theory]
    [MemberData(nameof(TasksAndProtocols))]
    public void Live_tensors_do_not_grow_with_the_number_of_steps(string task, string protocol)
    {
        // A job leaves a fixed handful of parameter handles to the finaliser; a step must leave none.
        var start = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Run(Config(task, protocol, steps: 5), out _);
        var afterShort = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Run(Config(task, protocol, steps: 45), out _);
        var afterLong = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        Assert.Equal(afterShort - start, afterLong - afterShort);
    }

    [Theory]
    [InlineData("au")]
    [InlineData("emotion")]
    [InlineData("landmarks3d")]
    [InlineData("recognition")]
    public void The_same_evaluation_twice_gives_identical_metrics(string task)
    {
        var a = Run(Config(task, "finetune", seed: 2), out var first);
        var b = Run(Config(task, "finetune", seed: 2), out var second);

        Assert.Equal(first, second);
        Assert.Equal(a, b);
    }

    [Fact]
    public void Action_unit_subsets_never_split_a_subject()
    {
        var config = Config("au", "linear", shots: 0.25);
        var splits = Data.SynthFaceCatalog.OpenTask("au", 80, 40, 40, 32, TaskRunner.DataSeed);
        var subjects = Enumerable.Range(0, 80).Select(i => splits.Train.Get(i).Identity).ToArray();

        Run(config, out var indices);

        var chosen = indices.Select(i => subjects[i]).ToHashSet();
        var all = Enumerable.Range(0, 80).Where(i => chosen.Contains(subjects[i])).ToArray();
        Assert.Equal(all, indices.Order());
    }

    [Fact]
    public void Emotion_subsets_keep_every_class()
    {
        var splits = Data.SynthFaceCatalog.OpenTask("emotion", 80, 40, 40, 32, TaskRunner.DataSeed);

        Run(Config("emotion", "linear", shots: 0.1), out var indices);

        Assert.Equal(8, indices.Select(i => splits.Train.Get(i).Emotion).Distinct().Count());
    }

    [Theory]
    [InlineData("landmarks3d", "nme3d_box", 32, 0.125, 150)]
    [InlineData("recognition", "roc_auc", 32, 0.125, 150)]
    [InlineData("emotion", "accuracy,arousal_ccc", 64, 0.25, 300)]
    [InlineData("au", "icc", 64, 0.25, 300)]
    public void Training_the_head_improves_on_an_untrained_one(string task, string metrics, int input, double width, int steps)
    {
        // Expression (emotion, action units) needs more pixels and capacity than the tiny backbone has.
        // One run per task, every listed metric checked on it.
        var backbone = new BackboneSpec("resnet18", width, input);
        var scratch = PretrainConfig.From(new PretrainSpec("synth-curated", "scratch", 0, 0, 0, 0, 0), backbone);
        IReadOnlyDictionary<string, double> Measure(int n)
        {
            var config = new EvaluateConfig(scratch, task, "finetune", 1, 0, TaskTrain: 400, TaskTest: 200, Steps: n, Batch: 24, LearningRate: 3e-3);
            using var model = TorchRuntime.Seeded(0, () => BackboneRegistry.Create(backbone));
            return TaskRunner.Run(config, model, new RunContext { JobId = config.Id, Threads = 2 }, out _);
        }

        var untrained = Measure(1);
        var trained = Measure(steps);

        foreach (var metric in metrics.Split(','))
        {
            var better = MetricDefinitions.Find(metric)!.Direction == MetricDirection.HigherIsBetter
                ? trained[metric] > untrained[metric]
                : trained[metric] < untrained[metric];
            Assert.True(better, $"{task} {metric}: {untrained[metric]:F4} after 1 step, {trained[metric]:F4} after {steps}");
        }
    }

    [Fact]
    public void Unknown_tasks_are_named_with_the_available_ones()
    {
        var e = Assert.Throws<JobFailedException>(() => TaskRunner.Get("parsing"));

        Assert.Contains("'parsing'", e.Message, StringComparison.Ordinal);
        Assert.Contains("landmarks3d", e.Message, StringComparison.Ordinal);
    }
}
