using FaceRep.Core.Experiments;
using FaceRep.Core.Specs;
using FaceRep.Data.Benchmarks;
using FaceRep.Data.ImageSets;
using FaceRep.Tests.Shared;
using FaceRep.Training.Backbones;
using FaceRep.Training.Runs;
using FaceRep.Training.Tasks;

namespace FaceRep.Training.Tests.Tasks;

/// <summary>Benchmarks whose layouts are not SynthFace's train and score through the same job.</summary>
[Collection(TorchCollection.Name)]
public sealed class BenchmarkLayoutTests : IDisposable
{
    private static readonly BackboneSpec Tiny = new("resnet18", 0.125, 32);
    private readonly string _dir = Directory.CreateTempSubdirectory("facerep-layouts-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Aflw19s_nineteen_points_train_under_hrnets_augmentation_with_its_mirror_map_and_score_over_box_and_diagonal()
    {
        var data = Path.Combine(_dir, "data");
        BenchmarkImport.Run(BenchmarkKinds.Get("aflw19"), BenchmarkFixtures.PathOf("aflw19"), Path.Combine(data, "a19"), new BenchmarkImportOptions { Size = 48, Threads = 2 });
        var content = Benchmark.Open(Path.Combine(data, "a19")).Content;
        var scratch = PretrainConfig.From(new PretrainSpec("synth-curated", "scratch", 0, 0, 0, 0, 0), Tiny);
        var config = new EvaluateConfig(scratch, "landmarks", "finetune", 1.0, 0, 0, 0, Steps: 6, Batch: 8, LearningRate: 2e-3,
            Benchmark: "a19", BenchmarkContent: content, BenchmarkKind: "aflw19");
        using var backbone = TorchRuntime.Seeded(0, () => BackboneRegistry.Create(Tiny));

        var metrics = TaskRunner.Run(config, backbone, new RunContext { JobId = config.Id, Threads = 2, Datasets = DatasetCatalog.Open([data]) }, out var indices);

        foreach (var name in new[] { "nme_box", "nme_diag", "nme_box@frontal", "nme_diag@frontal", "floor_nme_box", "val_nme_box" })
            Assert.True(metrics.ContainsKey(name) && double.IsFinite(metrics[name]) && metrics[name] > 0, $"{name}: {string.Join(", ", metrics.Keys)}");
        // The diagonal is longer than √(w·h), so the same errors are smaller over it.
        Assert.True(metrics["nme_diag"] < metrics["nme_box"]);
        Assert.Equal(2, metrics["test_images"]);
        Assert.NotEmpty(indices);
    }

    [Fact]
    public void Recognition_on_a_benchmark_embeds_each_face_with_its_mirror_image_as_insightface_does_and_synthface_does_not()
    {
        var task = TaskRunner.Get("recognition");

        Assert.False(task.FlipTest);
        Assert.True(task.For(BenchmarkKinds.Get("lfw")).FlipTest);
        Assert.False(TaskRunner.Get("landmarks").For(BenchmarkKinds.Get("300w")).FlipTest);
    }
}
