using System.Diagnostics;
using FaceRep.Core.Experiments;
using FaceRep.Core.Specs;
using FaceRep.Data;
using FaceRep.Training;
using FaceRep.Training.Backbones;
using FaceRep.Training.Runs;
using FaceRep.Training.Tasks;

namespace FaceRep.Bench;

/// <summary>
/// Where an evaluation job's time goes, per task, at the demo's size (ResNet-18 width 0.25,
/// 32 px, batch 24, 1,000 training and 300 test and validation images, one libtorch thread as
/// each of the demo's slots runs): rendering the task's splits, and the whole job
/// (<see cref="TaskRunner.Run"/>) with one step and with the demo's steps, so the per-step cost
/// and the fixed cost (data, prediction, floors) separate.
/// Options: --tasks a,b  --steps N (250)  --repeats N (3)  --threads N (1)  --width W  --input PX  --batch N.
/// </summary>
public static class EvalBench
{
    public static int Run(string[] args)
    {
        var option = new BenchOptions(args);
        var tasks = option.Text("--tasks", string.Join(",", KnownNames.Tasks)).Split(',');
        var steps = option.Int("--steps", 250);
        var repeats = option.Int("--repeats", 3);
        var threads = option.Int("--threads", 1);
        var backbone = new BackboneSpec("resnet18", option.Number("--width", 0.25), option.Int("--input", 32));
        var batch = option.Int("--batch", 24);
        TorchRuntime.UseThreads(threads);
        var scratch = new PretrainConfig("scratch", null, backbone, 0, 0, 0, 0, 0);
        Console.WriteLine($"## Evaluation job phases: resnet18 width {backbone.Width} at {backbone.Input} px, batch {batch}, {threads} libtorch thread(s), " +
                          $"fine-tuning, all labels, median of {repeats}, seconds");
        Console.WriteLine();
        Console.WriteLine($"| task | render splits (1000 + 300 + 300) | job, 1 step | job, {steps} steps | per step, ms | fixed share of the {steps}-step job |");
        Console.WriteLine("|---|--:|--:|--:|--:|--:|");
        foreach (var task in tasks)
        {
            double Median(Func<double> measure) => Enumerable.Range(0, repeats).Select(_ => measure()).Order().ElementAt(repeats / 2);
            var render = Median(() =>
            {
                var clock = Stopwatch.StartNew();
                var splits = SynthFaceCatalog.OpenTask(task, 1000, 300, 300, backbone.Input, TaskRunner.DataSeed);
                var t = TaskRunner.Get(task);
                _ = TaskData.Load(splits.Train, Enumerable.Range(0, splits.Train.Count).ToArray(), t);
                _ = TaskData.Load(splits.Test, Enumerable.Range(0, splits.Test.Count).ToArray(), t);
                _ = TaskData.Load(splits.Validation, Enumerable.Range(0, splits.Validation.Count).ToArray(), t);
                return clock.Elapsed.TotalSeconds;
            });
            double Job(int n) => Median(() =>
            {
                var config = new EvaluateConfig(scratch, task, "finetune", 1.0, 0, 1000, 300, n, batch, 0.003);
                using var model = TorchRuntime.Seeded(0, () => BackboneRegistry.Create(backbone));
                var clock = Stopwatch.StartNew();
                TaskRunner.Run(config, model, new RunContext { JobId = config.Id, Threads = threads }, out _);
                return clock.Elapsed.TotalSeconds;
            });
            var empty = Job(1);
            var full = Job(steps);
            Console.WriteLine($"| {task} | {render:F2} | {empty:F2} | {full:F2} | {(full - empty) / (steps - 1) * 1000:F1} | {empty / full * 100:F0} % |");
        }

        return 0;
    }
}
