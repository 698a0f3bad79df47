using System.Diagnostics;
using System.Globalization;
using FaceRep.Core.Experiments;
using FaceRep.Core.Metrics;
using FaceRep.Core.Specs;
using FaceRep.Data.Benchmarks;
using FaceRep.Data.ImageSets;
using FaceRep.Training;
using FaceRep.Training.Backbones;
using FaceRep.Training.Runs;
using FaceRep.Training.Tasks;

namespace FaceRep.Bench;

/// <summary>
/// The benchmark path end to end on SynthFace: each task's faces written in a benchmark's layout, imported by its
/// importer (crop rule and all), evaluated in its official protocol, beside the same task evaluated on SynthFace
/// directly with as many training and test faces. Both from scratch, fine-tuned, mean over the seeds; each with its
/// floor (the constant predictor of its training labels). Each export tests a fifth of its faces at least. Shows that every benchmark path carries a learnable signal
/// and how far the crop rule and protocol move the numbers.
/// Options: --formats a,b  --count N (faces per export; 600)  --shots X (1.0)  --steps N (300)  --batch N (32)
/// --input PX (64)  --width W (0.25)  --seeds N (2)  --lr X (0.003)  --dir DIR (a temporary directory).
/// </summary>
public static class BenchmarkExportsBench
{
    public static int Run(string[] args)
    {
        var option = new BenchOptions(args);
        var formats = option.Text("--formats", string.Join(",", SynthExport.Formats)).Split(',');
        var count = option.Int("--count", 600);
        var shots = option.Number("--shots", 1.0);
        var (steps, batch, seeds) = (option.Int("--steps", 300), option.Int("--batch", 32), option.Int("--seeds", 2));
        var lr = option.Number("--lr", 0.003);
        var backbone = new BackboneSpec("resnet18", option.Number("--width", 0.25), option.Int("--input", 64));
        var root = option.Text("--dir", Path.Combine(Path.GetTempPath(), $"facerep-bench-exports-{Environment.ProcessId}"));
        TorchRuntime.UseThreads(Environment.ProcessorCount);
        var scratch = new PretrainConfig("scratch", null, backbone, 0, 0, 0, 0, 0);

        Console.WriteLine($"## SynthFace through each benchmark's layout: resnet18 width {backbone.Width} at {backbone.Input} px from scratch, " +
                          $"{count} faces per export, {shots:P0} shots, {steps} steps of {batch}, lr {lr}, mean over {seeds} seed(s)");
        Console.WriteLine();
        Console.WriteLine("| benchmark | metric | floor | benchmark path | SynthFace direct floor | SynthFace direct | faces train / test | wall s |");
        Console.WriteLine("|---|---|--:|--:|--:|--:|--:|--:|");
        try
        {
            foreach (var format in formats)
            {
                var kind = BenchmarkKinds.Get(format);
                // A fifth of the faces test at least (the benchmarks' own proportions leave AffectNet a handful); DISFA's folds test.
                var test = SynthExport.HasFolds(format) ? 0 : Math.Max(SynthExport.DefaultTestCount(format, count), count / 5);
                var source = Path.Combine(root, "src", format);
                var data = Path.Combine(root, "data");
                if (!Directory.Exists(Path.Combine(data, format)))
                {
                    SynthExport.Export(format, source, count - test, test, backbone.Input, seed: 0);
                    BenchmarkImport.Run(kind, source, Path.Combine(data, format), new BenchmarkImportOptions { Size = backbone.Input });
                }

                var benchmark = Benchmark.Open(Path.Combine(data, format));
                var scope = TaskScopes.Of(kind.Task, format, format);
                var metric = MetricDefinitions.ForTask(scope)[0];
                var clock = Stopwatch.StartNew();
                var (onBenchmark, floor, images) = Mean(seed => new EvaluateConfig(scratch, kind.Task, "finetune", shots, seed, 0, 0, steps, batch, lr,
                    Benchmark: format, BenchmarkContent: benchmark.Content, BenchmarkKind: format), metric, seeds, backbone, DatasetCatalog.Open([data]));
                var wall = clock.Elapsed.TotalSeconds / seeds;
                // SynthFace directly: the same task with as many training and test faces (no validation held out of them).
                var trainFaces = benchmark.Manifest.Splits.GetValueOrDefault(BenchmarkSplits.Train);
                var testFaces = Math.Max(benchmark.Manifest.Splits.GetValueOrDefault(BenchmarkSplits.Test), kind.Folds.Count > 0 ? trainFaces / 3 : 0);
                // The same metric where SynthFace's task reports it, else its nearest: LFW's ten-fold accuracy against verification accuracy.
                var direct = MetricDefinitions.ForTask(kind.Task).FirstOrDefault(m => m.Name == metric.Name)
                    ?? (kind.Task == "recognition" ? MetricDefinitions.VerificationAccuracy : MetricDefinitions.ForTask(kind.Task)[0]);
                var (onSynth, synthFloor, _) = Mean(seed => new EvaluateConfig(scratch, kind.Task, "finetune", shots, seed, trainFaces, testFaces, steps, batch, lr),
                    direct, seeds, backbone, DatasetCatalog.Empty);
                string Show(MetricDefinition m, double v) => double.IsNaN(v) ? "—" : (v * m.DisplayScale).ToString("F2", CultureInfo.InvariantCulture) + m.DisplayUnit;
                Console.WriteLine($"| {format} | {metric.Name} | {Show(metric, floor)} | {Show(metric, onBenchmark)} | {direct.Name} {Show(direct, synthFloor)} | {Show(direct, onSynth)} | {images} | {wall:F1} |");
            }
        }
        finally
        {
            if (!args.Contains("--dir"))
                Directory.Delete(root, recursive: true);
        }

        return 0;
    }

    private static (double Value, double Floor, string Images) Mean(Func<int, EvaluateConfig> config, MetricDefinition metric, int seeds, BackboneSpec backbone, DatasetCatalog catalog)
    {
        var values = new List<double>();
        var floors = new List<double>();
        var images = "";
        for (var seed = 0; seed < seeds; seed++)
        {
            var job = config(seed);
            using var model = TorchRuntime.Seeded(seed, () => BackboneRegistry.Create(backbone));
            var metrics = TaskRunner.Run(job, model, new RunContext { JobId = job.Id, Threads = Environment.ProcessorCount, Datasets = catalog }, out _);
            values.Add(metrics[metric.Name]);
            if (metrics.TryGetValue(MetricDefinitions.FloorPrefix + metric.Name, out var f))
                floors.Add(f);
            images = $"{metrics["train_images"]:0} / {metrics["test_images"]:0}";
        }

        return (values.Average(), floors.Count > 0 ? floors.Average() : double.NaN, images);
    }
}
