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
        Console.WriteLine("| benchmark | headline | floor | benchmark path | compared on | benchmark path: floor → value | SynthFace direct: floor → value | faces train / test | wall s |");
        Console.WriteLine("|---|---|--:|--:|---|--:|--:|--:|--:|");
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
                var onBenchmark = Mean(seed => new EvaluateConfig(scratch, kind.Task, "finetune", shots, seed, 0, 0, steps, batch, lr,
                    Benchmark: format, BenchmarkContent: benchmark.Content, BenchmarkKind: format), seeds, backbone, DatasetCatalog.Open([data]));
                var wall = clock.Elapsed.TotalSeconds / seeds;
                // SynthFace directly: the same task with as many training and test faces (no validation held out of them).
                var trainFaces = benchmark.Manifest.Splits.GetValueOrDefault(BenchmarkSplits.Train);
                var testFaces = Math.Max(benchmark.Manifest.Splits.GetValueOrDefault(BenchmarkSplits.Test), kind.Folds.Count > 0 ? trainFaces / 3 : 0);
                var onSynth = Mean(seed => new EvaluateConfig(scratch, kind.Task, "finetune", shots, seed, trainFaces, testFaces, steps, batch, lr),
                    seeds, backbone, DatasetCatalog.Empty);
                // Compared on the first of the benchmark's metrics SynthFace's task reports too (LFW: ROC AUC, as its ten folds are LFW's own).
                var shared = MetricDefinitions.ForTask(scope).First(m => m != MetricDefinitions.TrainLoss && onSynth.ContainsKey(m.Name));
                string Show(MetricDefinition m, IReadOnlyDictionary<string, double> values, string prefix = "") =>
                    values.TryGetValue(prefix + m.Name, out var v) && !double.IsNaN(v) ? (v * m.DisplayScale).ToString("F2", CultureInfo.InvariantCulture) + m.DisplayUnit : "—";
                var images = $"{onBenchmark["train_images"]:0} / {onBenchmark["test_images"]:0}";
                Console.WriteLine($"| {format} | {metric.Name} | {Show(metric, onBenchmark, MetricDefinitions.FloorPrefix)} | {Show(metric, onBenchmark)} | {shared.Name} | " +
                                  $"{Show(shared, onBenchmark, MetricDefinitions.FloorPrefix)} → {Show(shared, onBenchmark)} | {Show(shared, onSynth, MetricDefinitions.FloorPrefix)} → {Show(shared, onSynth)} | {images} | {wall:F1} |");
            }
        }
        finally
        {
            if (!args.Contains("--dir"))
                Directory.Delete(root, recursive: true);
        }

        return 0;
    }

    /// <summary>Every metric of the job, mean over the seeds.</summary>
    private static Dictionary<string, double> Mean(Func<int, EvaluateConfig> config, int seeds, BackboneSpec backbone, DatasetCatalog catalog)
    {
        var runs = new List<IReadOnlyDictionary<string, double>>();
        for (var seed = 0; seed < seeds; seed++)
        {
            var job = config(seed);
            using var model = TorchRuntime.Seeded(seed, () => BackboneRegistry.Create(backbone));
            runs.Add(TaskRunner.Run(job, model, new RunContext { JobId = job.Id, Threads = Environment.ProcessorCount, Datasets = catalog }, out _));
        }

        return runs.SelectMany(r => r.Keys).Distinct().ToDictionary(k => k, k => runs.Where(r => r.ContainsKey(k)).Average(r => r[k]));
    }
}
