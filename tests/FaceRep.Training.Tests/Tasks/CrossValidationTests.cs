using FaceRep.Core.Experiments;
using FaceRep.Core.Specs;
using FaceRep.Data.Benchmarks;
using FaceRep.Data.ImageSets;
using FaceRep.Training.Backbones;
using FaceRep.Training.Runs;
using FaceRep.Training.Tasks;

namespace FaceRep.Training.Tests.Tasks;

/// <summary>
/// A cross-validated benchmark (DISFA, exported from SynthFace and imported) evaluated in one job: three folds from the
/// same backbone, subject-exclusive validation, metrics over the pooled out-of-fold predictions and per fold.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class CrossValidationTests : IDisposable
{
    private const int FramesPerSubject = 8;
    private static readonly BackboneSpec Tiny = new("resnet18", 0.125, 32);
    private readonly string _dir = Directory.CreateTempSubdirectory("facerep-folds-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (EvaluateConfig Config, RunContext Context) Prepare(string protocol)
    {
        var source = Path.Combine(_dir, "src");
        var data = Path.Combine(_dir, "data");
        if (!Directory.Exists(source))
        {
            SynthExport.Export("disfa", source, 27 * FramesPerSubject, 0, 48, seed: 3);
            BenchmarkImport.Run(BenchmarkKinds.Get("disfa"), source, Path.Combine(data, "d"), new BenchmarkImportOptions { Size = 48, Threads = 2 });
        }

        var content = Benchmark.Open(Path.Combine(data, "d")).Content;
        var scratch = PretrainConfig.From(new PretrainSpec("synth-curated", "scratch", 0, 0, 0, 0, 0), Tiny);
        var config = new EvaluateConfig(scratch, "au", protocol, 0.5, 0, 0, 0, Steps: 8, Batch: 16, LearningRate: 2e-3,
            Benchmark: "d", BenchmarkContent: content, BenchmarkKind: "disfa");
        return (config, new RunContext { JobId = config.Id, Threads = 2, Datasets = DatasetCatalog.Open([data]) });
    }

    private static IReadOnlyDictionary<string, double> Run(EvaluateConfig config, RunContext context, out int[] indices)
    {
        using var backbone = TorchRuntime.Seeded(config.Seed, () => BackboneRegistry.Create(Tiny));
        return TaskRunner.Run(config, backbone, context, out indices);
    }


    [Fact]
    public void Three_folds_are_pooled_and_reported_each_with_validation_held_out_by_subject_and_one_curve()
    {
        var (config, context) = Prepare("finetune");

        var metrics = Run(config, context, out var indices);

        Assert.Equal(3, metrics["folds"]);
        // Every face is predicted once, by the fold that held its subject out.
        Assert.Equal(27 * FramesPerSubject, metrics["test_images"]);
        foreach (var name in new[] { "icc", "mae", "pcc", "icc@fold1", "mae@fold2", "icc@fold3", "icc_au01", "mae_au26", "val_icc", "val_mae", "floor_mae", "floor_mae@fold1" })
            Assert.True(metrics.ContainsKey(name) && double.IsFinite(metrics[name]), $"{name} is missing or not finite: {string.Join(", ", metrics.Keys)}");
        Assert.DoesNotContain(metrics.Keys, k => k.StartsWith("val_", StringComparison.Ordinal) && k.Contains('@', StringComparison.Ordinal));
        // Each fold trains on 18 subjects and validates on a tenth of them, whole: 2 subjects of 8 frames, three times; a
        // subject two folds hold out counts once. (A tenth of the faces would be 14 per fold.)
        var validated = metrics["validation_images"];
        Assert.True(validated % FramesPerSubject == 0 && validated >= 2 * FramesPerSubject && validated <= 3 * 2 * FramesPerSubject, $"{validated} validation faces");
        // Half the 16 remaining subjects per fold, by subject.
        Assert.Equal(8 * FramesPerSubject, metrics["train_images"]);
        Assert.Equal(indices.Distinct().Order(), indices);
        Assert.All(indices, i => Assert.InRange(i, 0, (27 * FramesPerSubject) - 1));
        // The curve is the first fold's: its steps never go back.
        var steps = context.Curve.Select(p => p.Step).ToList();
        Assert.NotEmpty(steps);
        Assert.Equal(steps.Order(), steps);
        Assert.Equal(steps.Distinct().Count(), steps.Count);
    }

    [Fact]
    public void Every_fold_starts_from_the_same_backbone_so_a_fold_scores_as_it_does_alone()
    {
        var (config, context) = Prepare("finetune");
        var all = Run(config, context, out _);
        var (_, alone) = Prepare("finetune");

        using var backbone = TorchRuntime.Seeded(config.Seed, () => BackboneRegistry.Create(Tiny));
        var third = TaskRunner.Run(config, backbone, alone, out _, onlyFolds: ["fold3"]);

        // Had fold 3 started from the weights folds 1 and 2 fine-tuned, its faces would score differently.
        Assert.Equal(third["icc@fold3"], all["icc@fold3"]);
        Assert.Equal(third["mae@fold3"], all["mae@fold3"]);
        Assert.Equal(third["mae"], all["mae@fold3"]);
    }
}
