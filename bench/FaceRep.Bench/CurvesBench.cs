using System.Diagnostics;
using System.Globalization;
using FaceRep.Core.Experiments;
using FaceRep.Core.Specs;
using FaceRep.Training;
using FaceRep.Training.Backbones;
using FaceRep.Training.Methods;
using FaceRep.Training.Monitoring;
using FaceRep.Training.Runs;

namespace FaceRep.Bench;

/// <summary>
/// Does pre-training learn identity features? Each method pre-trains on a SynthFace set at a given
/// budget (default: the demo's, 4 epochs × 1,024 curated images at batch 64, ResNet-18 width 0.25
/// at 64 px, lr 0.002) as the product runs it, and its online k-NN identity accuracy (held-out
/// probe) is printed from the untrained backbone to the last step, with the loss and what the
/// k-NN measurements cost.
/// Options: --methods simclr,moco,…  --dataset NAME  --images N  --epochs N  --batch N  --input PX  --width W  --lr X
/// --temperature T  --options name=value,… (the methods' own options, e.g. crop_min=0.5,grayscale=0).
/// </summary>
public static class CurvesBench
{
    public static int Run(string[] args)
    {
        var option = new BenchOptions(args);
        var methods = option.Text("--methods", "supervised,simclr,moco,swav,byol,barlow").Split(',');
        var dataset = option.Text("--dataset", "synth-curated");
        var images = option.Int("--images", 1024);
        var epochs = option.Int("--epochs", 4);
        var batch = option.Int("--batch", 64);
        var input = option.Int("--input", 64);
        var width = option.Number("--width", 0.25);
        var lr = option.Number("--lr", 0.002);
        var temperature = option.Number("--temperature", 0.2);
        // Method options as name=value pairs separated by commas (crop_min=0.5,jitter=0.2,...).
        var options = option.Text("--options", "") is { Length: > 0 } text
            ? new MethodOptions(text.Split(',').Select(pair => pair.Split('=', 2)).Select(kv => KeyValuePair.Create(kv[0], kv[1])))
            : null;
        var backbone = new BackboneSpec("resnet18", width, input);
        TorchRuntime.UseThreads(Environment.ProcessorCount);

        // What one k-NN measurement costs at this size (the probe rendered once, outside the timing).
        var knn = IdentityKnn.For(input);
        using (var untrained = TorchRuntime.Seeded(0, () => BackboneRegistry.Create(backbone)))
        {
            knn.Measure(untrained);
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < 3; i++)
                knn.Measure(untrained);
            Console.WriteLine($"## Online k-NN on {dataset}: {images} images × {epochs} epochs at batch {batch}, resnet18 width {width} at {input} px, lr {lr}, temperature {temperature}{(options is null ? "" : $", options {string.Join(", ", options.Select(o => $"{o.Key}={o.Value}"))}")}");
            Console.WriteLine($"one k-NN measurement ({knn.Queries} queries against {knn.Queries} bank images, {knn.Classes} identities): {clock.Elapsed.TotalSeconds / 3:F2} s");
        }

        Console.WriteLine();
        Console.WriteLine("| method | k-NN untrained | k-NN end | end ÷ untrained | best | loss first → last | images/s (median) | wall s |");
        Console.WriteLine("|---|--:|--:|--:|--:|--:|--:|--:|");
        var details = new List<string>();
        foreach (var method in methods)
        {
            var config = new PretrainConfig(method, dataset, backbone, epochs, images, batch, lr, temperature, options);
            var context = new RunContext { JobId = config.Id, Threads = Environment.ProcessorCount };
            var clock = Stopwatch.StartNew();
            using (PretrainMethods.Get(method).Train(config, context))
            {
            }

            var wall = clock.Elapsed.TotalSeconds;
            var curve = context.Curve;
            var measured = curve.Where(p => p.KnnAccuracy is not null).ToList();
            var losses = curve.Where(p => p.Loss is not null).ToList();
            var rates = curve.Where(p => p.ImagesPerSecond is not null).Select(p => p.ImagesPerSecond!.Value).Order().ToList();
            var start = measured[0].KnnAccuracy!.Value;
            var end = measured[^1].KnnAccuracy!.Value;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {method} | {start:P1} | {end:P1} | {end / start:F2}× | {measured.Max(p => p.KnnAccuracy!.Value):P1} | {losses[0].Loss:G4} → {losses[^1].Loss:G4} | {rates[rates.Count / 2]:F0} | {wall:F1} |"));
            details.Add($"{method}: " + string.Join(" ", measured.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Step}:{p.KnnAccuracy:P1}"))));
        }

        Console.WriteLine();
        Console.WriteLine("k-NN accuracy by step:");
        foreach (var line in details)
            Console.WriteLine("  " + line);
        return 0;
    }
}
