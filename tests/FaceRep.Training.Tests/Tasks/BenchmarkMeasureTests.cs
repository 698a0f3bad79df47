using FaceRep.Core.Metrics;
using FaceRep.Data.Benchmarks;
using FaceRep.Tests.Shared;
using FaceRep.Training.Tasks;

namespace FaceRep.Training.Tests.Tasks;

/// <summary>
/// The coordinate chain of a benchmark evaluation: labels scaled from the stored crop to the head's input,
/// predictions scaled back and mapped onto the original image, scored there. The crop and the maps are
/// similarities, so an error scored on the original image is the error in the head's own coordinates.
/// </summary>
public sealed class BenchmarkMeasureTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("facerep-measure-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Errors_scored_on_the_original_images_equal_the_errors_in_the_heads_coordinates()
    {
        var kind = BenchmarkKinds.Get("300w");
        BenchmarkImport.Run(kind, BenchmarkFixtures.PathOf("300w"), Path.Combine(_dir, "300w"), new BenchmarkImportOptions { Size = 96, Threads = 2 });
        var benchmark = Benchmark.Open(Path.Combine(_dir, "300w"));
        var test = benchmark.ReadAll().Where(i => i.Split == BenchmarkSplits.Test).ToList();
        var task = TaskRunner.Get("landmarks");
        var data = TaskData.Load(kind, benchmark.Size, test, task, 32);

        // The truth itself scores zero.
        var exact = TaskRunner.Measure(task, null, (float[])data.Labels.Clone(), data);
        Assert.True(exact["nme_io"] < 1e-5, $"the labels themselves score {exact["nme_io"]}");

        // A fixed error pattern, in the head's 32-pixel coordinates.
        var predicted = data.Labels.Select((v, i) => v + (i % 4 == 0 ? 0.75f : i % 4 == 1 ? -0.5f : i % 4 == 2 ? -0.25f : 0.4f)).ToArray();
        var metrics = TaskRunner.Measure(task, null, predicted, data);

        var inHead = LandmarkMetrics.PerFaceNme(predicted, data.Labels, 68, NmeNormalisation.InterOcular);
        Assert.Equal(inHead.Average(), metrics["nme_io"], 4);
        var challenging = inHead.Where((_, f) => test[f].Subsets.Contains("challenging")).Average();
        Assert.Equal(challenging, metrics["nme_io@challenging"], 4);
        Assert.Equal(LandmarkMetrics.AucAt(inHead, 0.1), metrics["auc_10"], 3);
        Assert.False(metrics.ContainsKey("fr_10@common"), "300W reports FR and AUC on the whole test split only");
    }
}
