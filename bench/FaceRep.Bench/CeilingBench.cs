using System.Diagnostics;
using System.Globalization;
using FaceRep.Core.Experiments;
using FaceRep.Core.Metrics;
using FaceRep.Core.Specs;
using FaceRep.Training;
using FaceRep.Training.Backbones;
using FaceRep.Training.Runs;
using FaceRep.Training.Tasks;

namespace FaceRep.Bench;

/// <summary>
/// Floors and ceilings per task: for each task, what the labels alone give (the constant
/// predictor), what a linear probe on the untrained backbone gives, what fine-tuning from scratch
/// gives at the demo's budget, and the ceiling reference: fine-tuning from scratch on all the
/// task's training labels with a long budget. Every number is an evaluation as the grid runs it
/// (<see cref="TaskRunner"/>), scratch backbone seeded by the seed, mean over the seeds.
/// Options: --tasks a,b  --input PX  --width W  --seeds N  --steps N (the ceiling's; default 2000)
/// --short N (the demo's budget; default 250)  --task-train N (default 1000)  --task-test N (300)  --batch N (24)  --lr X (0.003).
/// </summary>
public static class CeilingBench
{
    public static int Run(string[] args)
    {
        var option = new BenchOptions(args);
        var tasks = option.Text("--tasks", string.Join(",", KnownNames.Tasks)).Split(',');
        var backbone = new BackboneSpec("resnet18", option.Number("--width", 0.25), option.Int("--input", 32));
        var seeds = option.Int("--seeds", 3);
        var (steps, shortSteps) = (option.Int("--steps", 2000), option.Int("--short", 250));
        var (taskTrain, taskTest, batch) = (option.Int("--task-train", 1000), option.Int("--task-test", 300), option.Int("--batch", 24));
        var lr = option.Number("--lr", 0.003);
        TorchRuntime.UseThreads(Environment.ProcessorCount);
        var scratch = new PretrainConfig("scratch", null, backbone, 0, 0, 0, 0, 0);

        Console.WriteLine($"## Floors and ceilings: resnet18 width {backbone.Width} at {backbone.Input} px, {taskTrain} training and {taskTest} test images per task, " +
                          $"batch {batch}, lr {lr}, mean over {seeds} seed(s)");
        Console.WriteLine();
        Console.WriteLine($"| task | metric | floor: labels alone | untrained, linear ({shortSteps} steps) | scratch, fine-tuned {shortSteps} steps | ceiling: scratch, fine-tuned {steps} steps, all labels | ceiling wall s |");
        Console.WriteLine("|---|---|--:|--:|--:|--:|--:|");
        foreach (var task in tasks)
        {
            var metric = MetricDefinitions.ForTask(task)[0];
            double Mean(string protocol, int budget, out double floor, out double seconds)
            {
                var values = new List<double>();
                var floors = new List<double>();
                var clock = Stopwatch.StartNew();
                for (var seed = 0; seed < seeds; seed++)
                {
                    var config = new EvaluateConfig(scratch, task, protocol, 1.0, seed, taskTrain, taskTest, budget, batch, lr);
                    using var model = TorchRuntime.Seeded(seed, () => BackboneRegistry.Create(backbone));
                    var metrics = TaskRunner.Run(config, model, new RunContext { JobId = config.Id, Threads = Environment.ProcessorCount }, out _);
                    values.Add(metrics[metric.Name]);
                    if (metrics.TryGetValue(MetricDefinitions.FloorPrefix + metric.Name, out var f))
                        floors.Add(f);
                }

                seconds = clock.Elapsed.TotalSeconds / seeds;
                floor = floors.Count > 0 ? floors.Average() : double.NaN;
                return values.Average();
            }

            var linear = Mean("linear", shortSteps, out var floorValue, out _);
            var demo = Mean("finetune", shortSteps, out _, out _);
            var ceiling = Mean("finetune", steps, out _, out var wall);
            string Show(double v) => double.IsNaN(v) ? "—" : (v * metric.DisplayScale).ToString("F2", CultureInfo.InvariantCulture);
            Console.WriteLine($"| {task} | {metric.Name}{(metric.DisplayUnit.Length > 0 ? $" ({metric.DisplayUnit})" : "")} | {Show(floorValue)} | {Show(linear)} | {Show(demo)} | {Show(ceiling)} | {wall:F1} |");
        }

        return 0;
    }
}
