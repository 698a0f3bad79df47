using FaceRep.Core.Experiments;
using FaceRep.Core.Metrics;
using FaceRep.Core.Specs;
using FaceRep.Training.Checkpoints;
using FaceRep.Training.Runs;

namespace FaceRep.Training.Tests.Runs;

[Collection(TorchCollection.Name)]
public sealed class JobRunnerTests : IDisposable
{
    private static readonly BackboneSpec Tiny = new("resnet18", 0.125, 32);
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"facerep-runner-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_root))
            Directory.Delete(_root, recursive: true);
    }

    private static EvaluateConfig Evaluation(PretrainConfig source, int seed, int steps = 30, string protocol = "finetune") =>
        new(source, "landmarks", protocol, Shots: 0.5, Seed: seed, TaskTrain: 64, TaskTest: 32, Steps: steps, Batch: 16, LearningRate: 2e-3);

    [Fact]
    public void The_same_evaluation_job_gives_the_same_metrics()
    {
        var runner = new JobRunner(new CheckpointStore(_root));
        var scratch = PretrainConfig.From(new PretrainSpec("synth-curated", "scratch", 0, 0, 0, 0, 0), Tiny);
        var config = Evaluation(scratch, seed: 3);

        var a = runner.Run(config.Id, config, new RunContext { JobId = config.Id });
        var b = runner.Run(config.Id, config, new RunContext { JobId = config.Id });

        Assert.Equal(a.Metrics[MetricDefinitions.NmeInterOcular.Name], b.Metrics[MetricDefinitions.NmeInterOcular.Name]);
        Assert.Equal(Data.FewShot.Subset(64, 0.5, 3), a.TrainIndices);
        Assert.Equal(32, a.Metrics["train_images"]);
        Assert.Equal(32, a.Metrics["test_images"]);
    }

    [Fact]
    public void Training_the_landmark_head_beats_an_untrained_one()
    {
        var runner = new JobRunner(new CheckpointStore(_root));
        var scratch = PretrainConfig.From(new PretrainSpec("synth-curated", "scratch", 0, 0, 0, 0, 0), Tiny);
        var untrained = Evaluation(scratch, seed: 1, steps: 1);
        var trained = Evaluation(scratch, seed: 1, steps: 200);

        var before = runner.Run(untrained.Id, untrained, new RunContext { JobId = untrained.Id }).Metrics[MetricDefinitions.NmeInterOcular.Name];
        var after = runner.Run(trained.Id, trained, new RunContext { JobId = trained.Id }).Metrics[MetricDefinitions.NmeInterOcular.Name];

        // One step from the mean-shape initialisation is about the mean shape's error; learning must cut it clearly.
        Assert.True(after < before * 0.8, $"NME {before:F3} after 1 step, {after:F3} after 200");
    }

    [Fact]
    public void A_pretraining_job_writes_a_checkpoint_its_evaluations_load()
    {
        var store = new CheckpointStore(_root);
        var runner = new JobRunner(store);
        var simclr = new PretrainConfig("simclr", "synth-curated", Tiny, Epochs: 1, Images: 32, Batch: 16, LearningRate: 1e-3, Temperature: 0.2);
        var evaluation = Evaluation(simclr, seed: 0, steps: 5, protocol: "linear");

        var pretrained = runner.Run(simclr.Id, simclr, new RunContext { JobId = simclr.Id });
        var evaluated = runner.Run(evaluation.Id, evaluation, new RunContext { JobId = evaluation.Id });

        Assert.True(store.Exists(simclr.Id));
        Assert.Equal(store.PathOf(simclr.Id), pretrained.CheckpointPath);
        Assert.True(double.IsFinite(evaluated.Metrics[MetricDefinitions.NmeInterOcular.Name]));
    }

    [Fact]
    public void An_evaluation_whose_checkpoint_is_missing_fails_so_that_its_pretraining_runs_again()
    {
        var runner = new JobRunner(new CheckpointStore(_root));
        var simclr = new PretrainConfig("simclr", "synth-curated", Tiny, Epochs: 1, Images: 32, Batch: 16, LearningRate: 1e-3, Temperature: 0.2);
        var evaluation = Evaluation(simclr, seed: 0);

        var e = Assert.Throws<JobFailedException>(() => runner.Run(evaluation.Id, evaluation, new RunContext { JobId = evaluation.Id }));

        Assert.Equal(FailureKind.CheckpointUnusable, e.Kind);
        Assert.Contains(simclr.Id, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cancelling_stops_a_job()
    {
        var runner = new JobRunner(new CheckpointStore(_root));
        var scratch = PretrainConfig.From(new PretrainSpec("synth-curated", "scratch", 0, 0, 0, 0, 0), Tiny);
        var config = Evaluation(scratch, seed: 0, steps: 100_000);
        using var cancel = new CancellationTokenSource();
        var context = new RunContext
        {
            JobId = config.Id,
            Cancellation = cancel.Token,
            Progress = p => { if (p.Loss is not null) cancel.Cancel(); },
        };

        Assert.ThrowsAny<OperationCanceledException>(() => runner.Run(config.Id, config, context));
    }

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Checkpoints", "Fixtures", name);

    private static PretrainConfig Import(string file) =>
        PretrainConfig.From(new PretrainSpec("", "import", 0, 0, 0, 0, 0, new MethodOptions([KeyValuePair.Create("checkpoint", file)])), Tiny);

    [Fact]
    public void An_imported_release_checkpoint_becomes_the_source_its_evaluations_load()
    {
        var store = new CheckpointStore(_root);
        var runner = new JobRunner(store);
        var import = Import(Fixture("resnet18_w0125_release.pth"));
        var logs = new List<string>();

        var outcome = runner.Run(import.Id, import, new RunContext { JobId = import.Id, Log = logs.Add });
        var evaluated = runner.Run(Evaluation(import, seed: 0, steps: 3).Id, Evaluation(import, seed: 0, steps: 3), new RunContext { JobId = "e" });

        Assert.Equal(store.PathOf(import.Id), outcome.CheckpointPath);
        Assert.Contains(logs, l => l.Contains("projector", StringComparison.Ordinal));
        using var fromStore = Training.Backbones.BackboneRegistry.Create(Tiny);
        store.Load(import.Id, fromStore, Tiny);
        using var direct = Training.Backbones.BackboneRegistry.Create(Tiny);
        ModelInterop.Import(Fixture("resnet18_w0125_release.pth"), direct);
        foreach (var (name, tensor) in direct.state_dict())
            Assert.True(tensor.eq(fromStore.state_dict()[name]).all().item<bool>(), $"{name} differs from the imported file");
        Assert.True(double.IsFinite(evaluated.Metrics[MetricDefinitions.NmeInterOcular.Name]));
    }

    [Fact]
    public void An_import_is_read_only_from_the_allowed_directories()
    {
        // Arrange: the fixture copied into an allowed directory, and linked there from outside it.
        var allowed = Directory.CreateDirectory(Path.Combine(_root, "imports")).FullName;
        File.Copy(Fixture("resnet18_w0125_release.pth"), Path.Combine(allowed, "release.pth"));
        File.CreateSymbolicLink(Path.Combine(allowed, "linked.pth"), Fixture("resnet18_w0125_release.pth"));
        var runner = new JobRunner(new CheckpointStore(_root));
        var roots = new FaceRep.Core.Paths.PathRoots([allowed]);
        RunContext Context(PretrainConfig c) => new() { JobId = c.Id, InputRoots = roots };

        // Act and assert: a relative path inside works; outside, through .. or through a link, fails for good.
        var inside = Import("release.pth");
        Assert.NotNull(runner.Run(inside.Id, inside, Context(inside)).CheckpointPath);
        foreach (var path in new[] { Fixture("resnet18_w0125_release.pth"), "../../" + Path.GetFileName(_root) + "/x.pth", "linked.pth" })
        {
            var outside = Import(path);
            var e = Assert.Throws<JobFailedException>(() => runner.Run(outside.Id, outside, Context(outside)));
            Assert.Equal(FailureKind.Deterministic, e.Kind);
            Assert.Contains("outside the allowed directories", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Importing_a_checkpoint_of_another_architecture_fails_deterministically_naming_the_key()
    {
        var runner = new JobRunner(new CheckpointStore(_root));
        var import = Import(Fixture("resnet50_w00625_model.pth"));

        var e = Assert.Throws<JobFailedException>(() => runner.Run(import.Id, import, new RunContext { JobId = import.Id }));

        Assert.Equal(FailureKind.Deterministic, e.Kind);
        Assert.Contains("resnet50_w00625_model.pth", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_import_without_a_readable_checkpoint_is_refused_before_it_runs()
    {
        var missing = Import("/nonexistent/weights.pth");
        var none = PretrainConfig.From(new PretrainSpec("", "import", 0, 0, 0, 0, 0), Tiny);

        Assert.Contains(Training.Methods.PretrainMethods.Get("import").Validate(missing), p => p.Contains("/nonexistent/weights.pth", StringComparison.Ordinal));
        Assert.Contains(Training.Methods.PretrainMethods.Get("import").Validate(none), p => p.Contains("needs option checkpoint", StringComparison.Ordinal));
    }
}
