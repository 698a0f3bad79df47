using System.Diagnostics;
using System.Globalization;
using FaceRep.Bench;
using FaceRep.Core.Specs;
using FaceRep.Data;
using FaceRep.Training;
using FaceRep.Training.Backbones;
using FaceRep.Training.Methods;
using static TorchSharp.torch;

// FaceRep.Grid benchmarks. Run in Release on an otherwise idle machine:
//   dotnet run -c Release --project bench/FaceRep.Bench -- [synthface|shards|train|train-phases|train-smoke|grid|results|report|numerics|all] [options]
// train options: --warmup N, --rounds N, --steps N, --methods simclr,swav, --max-load CORES, --no-python (see TrainBench).
// grid options: --sizes 1000,10000,100000, --devices N, --mode embedded|redis|ceiling|all, --silos N (see GridBench).
// report options: --jobs N (default 10,000): report generation for a sweep of N evaluation results (see ReportBench).
// scaling options: --job-ms N (500), --drain 0,10 (DrainSeconds to try), --rounds N (3): a silo joining and one draining (see ScalingBench).
// chaos options: --pretrain N (10), --seeds N (50), --job-ms N (400), --every MIN,MAX (15,30 s), --random-seed N: the chaos run (see ChaosBench).
// results options: --rows N (default 1,000,000), --postgres (also on a throwaway PostgreSQL; see ResultsBench).
// curves options: --methods a,b --dataset NAME --images N --epochs N --batch N --input PX --width W --lr X: online k-NN from the untrained backbone (see CurvesBench).
// loader options: --source DIR --sizes 112,224 --batch N --epochs N --no-python: imports and the pre-training loader against torchvision (see LoaderBench).
// benchmarks options: --formats a,b --count N --shots X --steps N --seeds N: SynthFace through each benchmark's layout (see BenchmarkExportsBench).
// numerics: the oneDNN convolution fault and what avoiding it costs, per backend (see NumericsBench).
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
// Trains as the product does: oneDNN's ISA cap is set before anything runs (see NumericBackend).
FaceRep.Training.Numerics.NumericBackend.CapIsa();
var what = args.Length > 0 ? args[0] : "all";
if (what == "numerics-child")
    return NumericsBench.Child(args.Skip(1).ToArray());
if (what == "numerics")
    return NumericsBench.Run(args.Skip(1).ToArray());
if (what == "grid-one")
{
    return await GridBench.RunOneAsync(args[1], int.Parse(args[2], CultureInfo.InvariantCulture),
        int.Parse(args[3], CultureInfo.InvariantCulture), int.Parse(args[4], CultureInfo.InvariantCulture));
}

if (what == "curves")
    return CurvesBench.Run(args.Skip(1).ToArray());

if (what == "ceiling")
    return CeilingBench.Run(args.Skip(1).ToArray());

if (what == "eval")
    return EvalBench.Run(args.Skip(1).ToArray());

if (what == "loader")
    return LoaderBench.Run(args.Skip(1).ToArray());

if (what == "benchmarks")
    return BenchmarkExportsBench.Run(args.Skip(1).ToArray());

if (what is not ("synthface" or "shards" or "train" or "train-phases" or "train-smoke" or "grid" or "results" or "report" or "scaling" or "chaos" or "all"))
{
    Console.Error.WriteLine($"unknown benchmark '{what}'; use synthface, shards, train, train-phases, train-smoke, grid, results, report, scaling, chaos, curves, ceiling, eval, loader, benchmarks, numerics or all");
    return 2;
}

if (what == "results")
    return await FaceRep.Bench.ResultsBench.RunAsync(args.Skip(1).ToArray());

if (what == "scaling")
    return await FaceRep.Bench.ScalingBench.RunAsync(args.Skip(1).ToArray());

if (what == "chaos")
    return await FaceRep.Bench.ChaosBench.RunAsync(args.Skip(1).ToArray());

if (what == "report")
    return await FaceRep.Bench.ReportBench.RunAsync(args.Skip(1).ToArray());

if (what == "grid")
    return await GridBench.RunAsync(GridBench.Settings.Parse(args.Skip(1).ToArray()));

Console.WriteLine($"# FaceRep.Bench on {Environment.ProcessorCount} cores, .NET {Environment.Version}, {TorchRuntime.Describe()}");
if (what is "synthface" or "all")
    SynthFace();
if (what is "shards" or "all")
    Shards();
if (what is "train-smoke" or "all")
    TrainSmoke();
if (what is "train" or "all")
    TrainBench.Run(TrainBench.Settings.Parse(args.Skip(1).ToArray()));
if (what is "train-phases")
    PhaseBench.Run(TrainBench.Settings.Parse(args.Skip(1).ToArray()));
return 0;

static void SynthFace()
{
    Console.WriteLine("## SynthFace generation, 64x64, images/s");
    foreach (var (name, flavour) in new[] { ("curated", SynthFlavour.Curated), ("uncurated", SynthFlavour.Uncurated), ("video", SynthFlavour.Video) })
    {
        var dataset = new SynthFaceDataset(name, new SynthFaceOptions(flavour, 1_000_000, 64));
        for (var i = 0; i < 500; i++)
            dataset.Get(i);   // warm the JIT
        const int n = 20_000;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < n; i++)
            dataset.Get(1000 + i);
        var single = n / clock.Elapsed.TotalSeconds;

        var indices = Enumerable.Range(50_000, n).ToArray();
        var pixels = new float[n * 3 * 64 * 64];
        clock.Restart();
        Batches.Fill(dataset, indices, pixels, []);
        var parallel = n / clock.Elapsed.TotalSeconds;
        Console.WriteLine($"{name,-10} one thread {single,8:F0}   all cores (Batches.Fill) {parallel,8:F0}");
    }
}

static void Shards()
{
    Console.WriteLine("## Shards: write and load a cached dataset, 64x64, images/s");
    var dir = Path.Combine(Path.GetTempPath(), $"facerep-bench-shards-{Guid.NewGuid():N}");
    try
    {
        const int n = 8192;
        var source = SynthFaceCatalog.OpenPretrain(SynthFaceCatalog.Curated, n, 64, 0);
        var clock = Stopwatch.StartNew();
        var manifest = FaceRep.Data.Shards.ShardStore.Write(source, dir, "bench", shardSize: 1024);
        var write = n / clock.Elapsed.TotalSeconds;
        var bytes = manifest.Shards.Sum(s => s.Bytes);
        clock.Restart();
        var opened = FaceRep.Data.Shards.ShardStore.Open(dir);
        var open = n / clock.Elapsed.TotalSeconds;
        clock.Restart();
        var pixels = new float[n * 3 * 64 * 64];
        Batches.Fill(opened, Enumerable.Range(0, n).ToArray(), pixels, []);
        var fill = n / clock.Elapsed.TotalSeconds;
        Console.WriteLine($"write (generate + encode + checksum) {write,8:F0}   open (read + verify + decode) {open,8:F0}   fill batches {fill,8:F0}   {bytes / (double)n / 1024:F1} KiB/image");
    }
    finally
    {
        Directory.Delete(dir, recursive: true);
    }
}

static void TrainSmoke()
{
    Console.WriteLine("## Training steps, smoke backbone (resnet18, width 0.25, 64x64), ms/step");
    foreach (var threads in new[] { 1, 2 })
    {
        TorchRuntime.UseThreads(threads);
        var spec = new BackboneSpec("resnet18", 0.25, 64);
        using var backbone = TorchRuntime.Seeded(0, () => BackboneRegistry.Create(spec));
        using var projector = TorchRuntime.Seeded(1, () => new ProjectionHead(backbone.FeatureDim, 128, 64));
        using var optimizer = new FaceRep.Training.Optimisers.AdamW(backbone.parameters().Concat(projector.parameters()), 1e-3);
        var x1 = TorchRuntime.Seeded(2, () => randn(64, 3, 64, 64));
        var x2 = TorchRuntime.Seeded(3, () => randn(64, 3, 64, 64));

        double Step()
        {
            var clock = Stopwatch.StartNew();
            using var scope = NewDisposeScope();
            var loss = Losses.NtXent(projector.call(backbone.call(x1)), projector.call(backbone.call(x2)), 0.2);
            optimizer.ZeroGrad();
            loss.backward();
            optimizer.Step();
            return clock.Elapsed.TotalMilliseconds;
        }

        for (var i = 0; i < 3; i++)
            Step();
        var times = Enumerable.Range(0, 10).Select(_ => Step()).Order().ToList();
        var median = times[times.Count / 2];
        Console.WriteLine($"simclr batch 64 (128 views), {threads} thread(s): median {median:F1} ms/step, {128 / median * 1000:F0} views/s");
    }
}
