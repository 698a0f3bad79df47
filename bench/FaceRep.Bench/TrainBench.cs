using System.Diagnostics;
using System.Globalization;
using FaceRep.Core.Experiments;
using FaceRep.Core.Specs;
using FaceRep.Data;
using FaceRep.Training;
using FaceRep.Training.Methods;
using FaceRep.Training.Numerics;
using FaceRep.Training.Runs;
using static TorchSharp.torch;

namespace FaceRep.Bench;

/// <summary>
/// Training throughput of ResNet-18 (full width at 64×64, batch 32 images, libtorch on 2 threads,
/// unless told another shape: <c>--width</c>, <c>--input</c>, <c>--batch</c>, <c>--threads</c>), for SimCLR (2 views) and SwAV multi-crop (2 × 64×64 + 4 × 24×24): a step on pre-made views
/// (<see cref="PretrainSession.Step"/>) and the whole path a job takes (SynthFace rendering,
/// <see cref="ViewPipeline"/> augmentation, the same step), the float32 matmul ceiling, the
/// analytic training FLOPs, and the same step in Debian's PyTorch (bench/python/train_step.py).
/// Everything is timed in rounds that interleave C#, PyTorch and the matmul ceiling, because the
/// speed of this shared VM's cores drifts by tens of percent over minutes. PyTorch runs twice
/// when oneDNN is capped here (as the grid caps it on AVX-512 CPUs, see docs/NUMERICS.md): as a
/// lab would run it, and under the same cap, so the same kernels are compared.
/// </summary>
internal static class TrainBench
{
    private const int Images = 1024;
    private const int Epochs = 10;
    private const int MatmulSize = 2048;

    /// <summary>Options of the <c>train</c> and <c>train-phases</c> modes.</summary>
    /// <param name="Warmup">Untimed steps before any timing.</param>
    /// <param name="Rounds">Rounds; each times a C# block, a PyTorch block and the matmul ceiling.</param>
    /// <param name="Steps">Step pairs per C# block (full path and step-only) and steps per PyTorch block.</param>
    /// <param name="Python">Run the PyTorch reference.</param>
    /// <param name="Methods">Methods to time.</param>
    /// <param name="MaxLoad">Other processes' CPU use (cores) above which a block of timings is redone.</param>
    /// <param name="TunedMalloc">Fix glibc's mmap and trim thresholds in this process first (see <see cref="Malloc"/>)
    /// and run a second PyTorch reference with the same settings beside the default one.</param>
    /// <param name="Width">ResNet-18's channel multiplier.</param>
    /// <param name="Input">Side of the large views, pixels.</param>
    /// <param name="Batch">Images per step.</param>
    /// <param name="Threads">libtorch threads, on both sides.</param>
    /// <param name="Dataset">An imported set's directory to stream the C# side's images from, or null for SynthFace held in memory.</param>
    public sealed record Settings(int Warmup, int Rounds, int Steps, bool Python, IReadOnlyList<string> Methods, double MaxLoad, bool TunedMalloc,
        double Width = 1.0, int Input = 64, int Batch = 32, int Threads = 2, string? Dataset = null)
    {
        /// <summary>SwAV's default prototype freeze for this run length: min(313, a tenth of the steps).</summary>
        public int Freeze => Images / Batch * Epochs / 10;

        /// <summary>"ResNet-18 width 0.25, 32x32, batch 64 images, libtorch 1 thread".</summary>
        public string Shape => $"ResNet-18 width {Width.ToString(CultureInfo.InvariantCulture)}, {Input}x{Input}, batch {Batch} images, libtorch {Threads} thread{(Threads == 1 ? "" : "s")}";

        public static Settings Parse(IReadOnlyList<string> args)
        {
            var settings = new Settings(3, 12, 2, true, ["simclr", "swav"], 0.10, false);
            for (var i = 0; i < args.Count; i++)
            {
                settings = args[i] switch
                {
                    "--warmup" => settings with { Warmup = int.Parse(args[++i], CultureInfo.InvariantCulture) },
                    "--rounds" => settings with { Rounds = int.Parse(args[++i], CultureInfo.InvariantCulture) },
                    "--steps" => settings with { Steps = int.Parse(args[++i], CultureInfo.InvariantCulture) },
                    "--no-python" => settings with { Python = false },
                    "--methods" => settings with { Methods = args[++i].Split(',') },
                    "--max-load" => settings with { MaxLoad = double.Parse(args[++i], CultureInfo.InvariantCulture) },
                    "--tuned-malloc" => settings with { TunedMalloc = true },
                    "--width" => settings with { Width = double.Parse(args[++i], CultureInfo.InvariantCulture) },
                    "--input" => settings with { Input = int.Parse(args[++i], CultureInfo.InvariantCulture) },
                    "--batch" => settings with { Batch = int.Parse(args[++i], CultureInfo.InvariantCulture) },
                    "--threads" => settings with { Threads = int.Parse(args[++i], CultureInfo.InvariantCulture) },
                    "--demo-size" => settings with { Width = 0.25, Input = 32, Batch = 64, Threads = 1 },
                    "--dataset" => settings with { Dataset = Path.GetFullPath(args[++i]) },
                    _ => throw new ArgumentException($"unknown train option '{args[i]}'; use --warmup N, --rounds N, --steps N, --methods simclr,swav, --max-load CORES, --tuned-malloc, --no-python, " +
                        "--width W, --input PX, --batch N, --threads N, --demo-size (width 0.25, 32 px, batch 64, 1 thread: the demo's pre-training), " +
                        "--dataset DIR (an imported set, streamed from its shards, instead of SynthFace in memory)"),
                };
            }

            LoadMeter.Threshold = settings.MaxLoad;
            return settings;
        }
    }

    public static void Run(Settings settings)
    {
        TorchRuntime.UseThreads(settings.Threads);
        Console.WriteLine($"## Training throughput: {settings.Shape}");
        Console.WriteLine($"load before: {LoadMeter.LoadAverage()}");
        var malloc = ApplyMalloc(settings);
        var references = StartReferences(settings, malloc);
        try
        {
            var ceiling = new List<double>();
            var conv = MatmulCeiling(ceiling, settings.Threads);
            var results = new List<StepResult>();
            foreach (var method in settings.Methods)
                results.Add(TimeMethod(method, settings, references, ceiling));
            Report(results, Spread.Of(ceiling), conv, malloc, settings);
        }
        finally
        {
            foreach (var reference in references)
                reference.Server.Dispose();
        }

        Console.WriteLine($"load after: {LoadMeter.LoadAverage()}");
    }

    /// <summary>Tunes this process's malloc when asked; returns how it is set, for the tables.</summary>
    internal static string ApplyMalloc(Settings settings)
    {
        if (!settings.TunedMalloc)
        {
            Console.WriteLine("malloc: glibc defaults");
            return "default";
        }

        var tuned = Malloc.Tune();
        Console.WriteLine(tuned ? $"malloc: tuned ({Malloc.Tunables})" : "malloc: could not be tuned (not glibc?); running with defaults");
        return tuned ? "tuned" : "default";
    }

    /// <summary>A PyTorch process; <paramref name="Setting"/> says how it differs from a default one.</summary>
    private sealed record Reference(string Setting, PythonReference Server);

    private static List<Reference> StartReferences(Settings settings, string malloc)
    {
        var references = new List<Reference>();
        if (!settings.Python)
            return references;
        PythonReference? Start(bool matmul, Dictionary<string, string>? environment) =>
            PythonReference.Start(settings, matmul, environment);
        if (Start(matmul: true, environment: null) is { } plain)
            references.Add(new Reference("default", plain));

        // The grid's own cap (docs/NUMERICS.md), so PyTorch runs the kernels the C# side runs.
        var cap = NumericBackend.Current;
        if (cap.OneDnn && System.Runtime.Intrinsics.X86.Avx512F.IsSupported && Start(matmul: false, new Dictionary<string, string> { ["DNNL_MAX_CPU_ISA"] = cap.IsaCap }) is { } capped)
            references.Add(new Reference($"oneDNN capped at {cap.IsaCap}", capped));
        if (malloc == "tuned" && Start(matmul: false, new Dictionary<string, string> { ["GLIBC_TUNABLES"] = Malloc.Tunables }) is { } tuned)
            references.Add(new Reference("malloc tuned", tuned));

        return references;
    }

    /// <summary>
    /// Prints the tables. MFU is over the higher of the two measured ceilings, the matmul (timed in
    /// every round) and the same GEMM as a 1×1 convolution (the path convolutions take, through
    /// oneDNN under its ISA cap): on some hosts a convolution beats the BLAS, and a matmul ceiling
    /// then reads MFU over 100 %.
    /// </summary>
    private static void Report(List<StepResult> results, Spread matmul, double conv, string malloc, Settings settings)
    {
        var ceiling = Math.Max(matmul.Median, conv);
        var runtime = $"C# TorchSharp {typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString(3)}";
        Console.WriteLine();
        Console.WriteLine($"torch.mm {MatmulSize}x{MatmulSize} float32, {settings.Threads} threads, timed in every round: median {matmul.Median:F1} GFLOP/s (min–max {matmul.Min:F1}–{matmul.Max:F1}, n={matmul.Count})");
        Console.WriteLine($"MFU ceiling: the higher of that and the 1x1-convolution GEMM ({conv:F1} GFLOP/s): {ceiling:F1} GFLOP/s. " +
            $"Nominal FMA peak at the reported clock, for scale: {NominalPeak(settings.Threads)}");
        Console.WriteLine();
        Console.WriteLine("| runtime | setting | method | views/step | GFLOP/step | ms/step median (min–max, n) | images/s | views/s | GFLOP/s | MFU | page faults/step | kernel ms/step | other load (cores) |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in results)
        {
            Console.WriteLine(Row(runtime, $"malloc {malloc}, {(NumericBackend.Current.OneDnn ? $"oneDNN capped at {NumericBackend.Current.IsaCap}" : "oneDNN off")}", r.Method, r.Views, r.Flop, r.Step, ceiling, r.Faults, r.KernelMs, r.Load, settings.Batch));
            foreach (var p in r.References)
                Console.WriteLine(Row(p.Runtime, p.Setting, r.Method, r.Views, r.Flop, p.Step, ceiling, p.Faults, p.KernelMs, p.Load, settings.Batch));
        }

        Console.WriteLine();
        Console.WriteLine("| method | compared with | C# step time ÷ PyTorch step time, per round: median (min–max, rounds) |");
        Console.WriteLine("|---|---|---|");
        foreach (var r in results)
        {
            foreach (var p in r.References)
                Console.WriteLine($"| {r.Method} | {p.Runtime}, {p.Setting} | {p.Ratio.Median:F3} ({p.Ratio.Min:F3}–{p.Ratio.Max:F3}, {p.Ratio.Count}) |");
        }

        Console.WriteLine();
        Console.WriteLine("| method | step-only ms (median) | full path ms (median) | overhead: paired differences | overhead: medians | overhead: block totals incl. pipeline start | augmentation alone, ms/batch | render images | one epoch incl. rendering | other load (cores) |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in results)
        {
            var stepMs = r.Step.Median;
            var paired = r.Difference.Median / stepMs;
            var perEpoch = Images / settings.Batch;
            var epochOverhead = paired + (r.RenderMs / perEpoch / stepMs);
            Console.WriteLine(
                $"| {r.Method} | {stepMs:F0} | {r.Full.Median:F0} | {Percent(paired)} (pair differences {r.Difference.Median:F0} ms, min–max {r.Difference.Min:F0}–{r.Difference.Max:F0}, n={r.Difference.Count}) | " +
                $"{Percent((r.Full.Median - stepMs) / stepMs)} | {Percent(r.BlockOverhead)} | {r.AugmentMs:F1} | " +
                $"{Images} in {r.RenderMs:F0} ms ({r.RenderMs / Images:F2} ms/image) | {Percent(epochOverhead)} | {r.Load:F2} |");
        }
    }

    private static string Row(string runtime, string setting, string method, int views, double flop, Spread step, double ceiling, double faults, double kernelMs, double otherLoad, int batch)
    {
        var seconds = step.Median / 1000;
        var gflops = flop / seconds / 1e9;
        return $"| {runtime} | {setting} | {method} | {views} | {flop / 1e9:F1} | {step.Median:F0} ({step.Min:F0}–{step.Max:F0}, {step.Count}) | " +
            $"{batch / seconds:F1} | {views / seconds:F1} | {gflops:F1} | {Percent(gflops / ceiling)} | {faults:F0} | {kernelMs:F0} | {otherLoad:F2} |";
    }

    private static string Percent(double fraction) => $"{fraction * 100:F1} %";

    private sealed record StepResult(string Method, int Views, double Flop, Spread Step, Spread Full, Spread Difference, double BlockOverhead,
        double RenderMs, double AugmentMs, double Faults, double KernelMs, double Load, IReadOnlyList<ReferenceResult> References);

    private sealed record ReferenceResult(string Runtime, string Setting, Spread Step, Spread Ratio, double Faults, double KernelMs, double Load);

    /// <summary>
    /// Prints the matmul figures once (1024 and 2048 through torch.mm, and the same GEMM as a 1×1
    /// convolution, the oneDNN path convolutions take) and adds the 2048 block's GFLOP/s samples to
    /// <paramref name="ceiling"/>.
    /// </summary>
    private static double MatmulCeiling(List<double> ceiling, int threads)
    {
        foreach (var n in new[] { 1024, MatmulSize })
        {
            var samples = new List<double>();
            var other = MatmulBlock(n, 10, samples);
            if (n == MatmulSize)
                ceiling.AddRange(samples);
            var s = Spread.Of(samples);
            Console.WriteLine($"float32 matmul, torch.mm {n}x{n}, {threads} threads: median {s.Median:F1} GFLOP/s (min–max {s.Min:F1}–{s.Max:F1}, n={s.Count}), other load {other:F2} cores");
        }

        const int c = 1024;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = randn(1, c, 32, 32);
        var w = randn(c, c, 1, 1);
        for (var i = 0; i < 3; i++)
            nn.functional.conv2d(x, w).Dispose();
        var times = Spread.Of(Block("conv", 10, () => () =>
        {
            using var y = nn.functional.conv2d(x, w);
        }).Steps);
        var flop = 2.0 * c * c * 32 * 32;
        Console.WriteLine($"same GEMM as a 1x1 conv2d (oneDNN), {c} channels, 32x32: median {flop / times.Median / 1e6:F1} GFLOP/s (min–max {flop / times.Max / 1e6:F1}–{flop / times.Min / 1e6:F1})");
        return flop / times.Median / 1e6;
    }

    /// <summary>
    /// cores × clock × float32 FLOPs per cycle (two FMA units: 32 under AVX2, 64 with AVX-512),
    /// at /proc/cpuinfo's clock. A virtual machine reports its nominal clock, which turbo exceeds.
    /// </summary>
    private static string NominalPeak(int threads)
    {
        var mhz = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("cpu MHz", StringComparison.Ordinal))?.Split(':')[1].Trim()
            : null;
        if (mhz is null || !double.TryParse(mhz, NumberStyles.Float, CultureInfo.InvariantCulture, out var clock))
            return "clock unknown";
        var avx512 = System.Runtime.Intrinsics.X86.Avx512F.IsSupported && NumericBackend.Current.IsaCap.StartsWith("AVX512", StringComparison.OrdinalIgnoreCase);
        var perCycle = avx512 ? 64 : 32;
        return $"{threads} cores × {clock / 1000:F2} GHz × {perCycle} FLOP/cycle = {threads * clock / 1000 * perCycle:F0} GFLOP/s";
    }

    /// <summary>Times <paramref name="count"/> n×n float32 products; adds GFLOP/s samples; returns the other load.</summary>
    private static double MatmulBlock(int n, int count, List<double> gflops)
    {
        using var scope = NewDisposeScope();
        var a = randn(n, n);
        var b = randn(n, n);
        for (var i = 0; i < 2; i++)
            a.mm(b).Dispose();
        var run = Block("matmul", count, () => () =>
        {
            using var c = a.mm(b);
        });
        var flop = 2.0 * n * n * n;
        gflops.AddRange(run.Steps.Select(ms => flop / ms / 1e6));
        return run.OtherLoad;
    }

    private static StepResult TimeMethod(string name, Settings settings, List<Reference> references, List<double> ceiling)
    {
        var temperature = name == "swav" ? 0.1 : 0.2;
        var (batch, input) = (settings.Batch, settings.Input);
        var config = new PretrainConfig(name, SynthFaceCatalog.Curated, new BackboneSpec("resnet18", settings.Width, input), Epochs, Images, batch, 1e-3, temperature);
        var method = (ITrainingMethod)PretrainMethods.Get(name);
        var context = new RunContext { JobId = $"bench-{name}", Threads = settings.Threads };

        // SynthFace rendering, as PretrainMethod.Train does first (Parallel.For over all cores).
        LoadMeter.WaitForQuiet();
        var render = Stopwatch.StartNew();
        var data = settings.Dataset is null
            ? PretrainData.Load(config)
            : PretrainData.Load(config with { Dataset = Path.GetFileName(settings.Dataset), DatasetContent = Data.ImageSets.ImageSet.ReadManifest(settings.Dataset)!.Content },
                Data.ImageSets.DatasetCatalog.Open([Path.GetDirectoryName(settings.Dataset)!]));
        if (settings.Dataset is not null)
            Console.WriteLine($"{name}: streaming {Images} images of {settings.Dataset} from its shards, decoded as read");
        var renderMs = render.Elapsed.TotalMilliseconds;

        using var session = method.Open(config, context, data);
        var plan = session.Plan;
        var views = plan.Count * batch;
        var flop = TrainingFlop(plan, settings.Width, input, batch);
        Console.WriteLine($"{name}: {plan.Large} views at {input}x{input}" + (plan.Small > 0 ? $" + {plan.Small} at {plan.SmallResolution}x{plan.SmallResolution}" : "") +
            $" per image, {views} views per step, {flop / 1e9:F2} GFLOP per training step (analytic)");

        // Pre-made views: two batches from the pipeline, copied so they outlive it.
        var premade = new List<ViewBatch>();
        using (var source = new ViewPipeline(data, plan, batch, 1))
        {
            for (var i = 0; i < 2; i++)
            {
                var b = source.Next();
                premade.Add(new ViewBatch(b.Views.Select(v => (float[])v.Clone()).ToArray(), (int[])b.Indices.Clone()));
            }
        }

        // Augmentation alone: the pipeline asked for batches back to back with no training, so each
        // Next waits for one batch rendered on all cores.
        ViewPipeline? alone = null;
        var augmentation = Block("augmentation", 8, () =>
        {
            alone ??= new ViewPipeline(data, plan, batch, Epochs);
            var p = alone;
            return () => p.Next();
        }, () =>
        {
            alone?.Dispose();
            alone = null;
        });
        var augmentMs = Spread.Of(augmentation.Steps.Skip(1).ToArray());
        Console.WriteLine($"{name}: augmentation alone {augmentMs.Median:F1} ms per batch on all cores (min–max {augmentMs.Min:F1}–{augmentMs.Max:F1})");

        long step = 0;
        for (var i = 0; i < settings.Warmup; i++)
            Check(name, session.Step(premade[(int)(step % 2)], step++));

        var stepTimes = new List<double>();
        var fullTimes = new List<double>();
        var differences = new List<double>();
        var blockOverheads = new List<double>();
        var faults = new List<double>();
        var kernel = new List<double>();
        var theirs = references.Select(_ => new ReferenceTimes()).ToArray();
        double load = 0;
        for (var round = 0; round < settings.Rounds; round++)
        {
            // One block alternates full-path and step-only steps in pairs, ABBA (full, step-only,
            // step-only, full, …), so slow drift in the machine's speed falls on both alike. The
            // full-path steps draw from a pipeline created at the block's start, as at the start of
            // a run: its first step includes the pipeline's start-up. Each Next starts the following
            // batch on the thread pool, which renders it while that full-path step trains; a
            // step-only step between them has no rendering beside it.
            ViewPipeline? pipeline = null;
            var index = 0;
            static bool IsFull(int i) => (i % 4) is 0 or 3;
            var roundFaults = new List<double>();
            var roundKernel = new List<double>();
            var mixed = Block("mixed", 2 * settings.Steps, () =>
            {
                if (IsFull(index++))
                {
                    pipeline ??= new ViewPipeline(data, plan, batch, Epochs, settings.Threads);
                    var p = pipeline;
                    return () => Check(name, session.Step(p.Next(), step++));
                }

                var b = premade[(int)(step % 2)];
                return () =>
                {
                    var before = Malloc.Counters();
                    Check(name, session.Step(b, step++));
                    var after = Malloc.Counters();
                    roundFaults.Add(after.MinorFaults - before.MinorFaults);
                    roundKernel.Add((after.KernelSeconds - before.KernelSeconds) * 1000);
                };
            }, () =>
            {
                pipeline?.Dispose();
                pipeline = null;
                index = 0;
            });

            var full = mixed.Steps.Where((_, i) => IsFull(i)).ToArray();
            var only = mixed.Steps.Where((_, i) => !IsFull(i)).ToArray();
            fullTimes.AddRange(full);
            stepTimes.AddRange(only);
            faults.AddRange(roundFaults.TakeLast(only.Length));
            kernel.AddRange(roundKernel.TakeLast(only.Length));
            for (var pair = 0; pair < settings.Steps; pair++)
                differences.Add(mixed.Steps[(2 * pair) + (IsFull(2 * pair) ? 0 : 1)] - mixed.Steps[(2 * pair) + (IsFull(2 * pair) ? 1 : 0)]);
            blockOverheads.Add((full.Sum() - only.Sum()) / only.Sum());
            load += mixed.OtherLoad / settings.Rounds;
            var line = $"{name} round {round + 1}: C# {full.Length} full-path steps {full.Sum():F0} ms, {only.Length} step-only steps {only.Sum():F0} ms (other load {mixed.OtherLoad:F2}, {mixed.Attempts - 1} redone)";

            // PyTorch's blocks of the same step, between ours (its process waits on the pipe while ours run).
            for (var r = 0; r < references.Count; r++)
            {
                var answer = references[r].Server.Ask($"step {name} {settings.Steps}");
                if (Math.Abs(answer.GetProperty("flop").GetDouble() - flop) > 1e-6 * flop)
                    Console.WriteLine($"# warning: PyTorch's hook count {answer.GetProperty("flop").GetDouble() / 1e9:F3} GFLOP differs from the analytic {flop / 1e9:F3} GFLOP");
                var times = answer.GetProperty("times_ms").EnumerateArray().Select(t => t.GetDouble()).ToArray();
                theirs[r].Times.AddRange(times);
                theirs[r].Faults.AddRange(answer.GetProperty("faults").EnumerateArray().Select(t => t.GetDouble()));
                theirs[r].Kernel.AddRange(answer.GetProperty("kernel_ms").EnumerateArray().Select(t => t.GetDouble()));
                theirs[r].Ratios.Add(only.Average() / times.Average());
                theirs[r].Load += answer.GetProperty("other_load").GetDouble() / settings.Rounds;
                line += $"; PyTorch ({references[r].Setting}) {times.Length} steps {times.Sum():F0} ms (other load {answer.GetProperty("other_load").GetDouble():F2}, {answer.GetProperty("attempts").GetInt32() - 1} redone)";
            }

            // The ceiling, in the same round.
            var gflops = new List<double>();
            MatmulBlock(MatmulSize, 3, gflops);
            ceiling.AddRange(gflops);
            Console.WriteLine($"{line}; matmul {gflops.Average():F0} GFLOP/s");
        }

        var stepSpread = Spread.Of(stepTimes);
        var fullSpread = Spread.Of(fullTimes);
        var difference = Spread.Of(differences);
        Console.WriteLine($"{name}: step-only median {stepSpread.Median:F0} ms (min–max {stepSpread.Min:F0}–{stepSpread.Max:F0}, n={stepSpread.Count}); " +
            $"full path median {fullSpread.Median:F0} ms (min–max {fullSpread.Min:F0}–{fullSpread.Max:F0}, n={fullSpread.Count}); " +
            $"paired full − step-only median {difference.Median:F0} ms (min–max {difference.Min:F0}–{difference.Max:F0})");
        var referenceResults = references.Select((reference, r) => new ReferenceResult(
            reference.Server.Runtime, reference.Setting, Spread.Of(theirs[r].Times), Spread.Of(theirs[r].Ratios),
            Spread.Of(theirs[r].Faults).Median, Spread.Of(theirs[r].Kernel).Median, theirs[r].Load)).ToList();
        return new StepResult(name, views, flop, stepSpread, fullSpread, difference, Spread.Of(blockOverheads).Median, renderMs, augmentMs.Median,
            Spread.Of(faults).Median, Spread.Of(kernel).Median, load, referenceResults);
    }

    private sealed class ReferenceTimes
    {
        public List<double> Times { get; } = [];

        public List<double> Ratios { get; } = [];

        public List<double> Faults { get; } = [];

        public List<double> Kernel { get; } = [];

        public double Load { get; set; }
    }

    internal sealed record BlockResult(List<double> Steps, double TotalMs, double OtherLoad, int Attempts);

    /// <summary>
    /// Times <paramref name="count"/> steps in a row once the machine is quiet; when other processes
    /// used more than <see cref="LoadMeter.Threshold"/> cores during the block, waits and runs the
    /// whole block again (up to 10 attempts, then keeps the last and says so). Each step is what
    /// <paramref name="next"/> returns, so preparing it (say, creating a pipeline) is inside the block.
    /// </summary>
    internal static BlockResult Block(string what, int count, Func<Action> next, Action? reset = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            LoadMeter.WaitForQuiet();
            var steps = new List<double>();
            var meter = LoadMeter.Start();
            var block = Stopwatch.GetTimestamp();
            try
            {
                for (var i = 0; i < count; i++)
                {
                    var start = Stopwatch.GetTimestamp();
                    next()();
                    steps.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
            }
            finally
            {
                reset?.Invoke();
            }

            var total = Stopwatch.GetElapsedTime(block).TotalMilliseconds;
            var other = meter.OtherCores();
            if (other <= LoadMeter.Threshold || attempt == 10)
            {
                if (other > LoadMeter.Threshold)
                    Console.WriteLine($"# {what} block kept after {attempt} attempts with other load {other:F2} cores");
                return new BlockResult(steps, total, other, attempt);
            }
        }
    }

    private static void Check(string method, double loss)
    {
        if (!double.IsFinite(loss))
            throw new InvalidOperationException($"{method} loss became {loss}");
    }

    /// <summary>
    /// Training FLOPs of one step, counted analytically: 2 FLOPs per multiply-accumulate of every
    /// convolution and linear layer in the forward pass (backbone, projector, SwAV's prototypes),
    /// times 3 for forward + backward (input and weight gradients). Batch norm, ReLU, pooling,
    /// the residual adds, the loss, Sinkhorn and the optimiser are not counted.
    /// </summary>
    internal static double TrainingFlop(ViewPlan plan, double width, int input, int batch)
    {
        var features = (double)Channels(512, width);
        var hidden = Math.Max(64, features);
        double HeadMacs() => (features * hidden) + (hidden * 64) + (plan.Style == ViewStyle.MultiCrop ? 64.0 * 100 : 0);
        double forward = 0;
        for (var v = 0; v < plan.Count; v++)
            forward += batch * (ResNet18Macs(plan.ResolutionOf(v, input), width) + HeadMacs());
        return 3 * 2 * forward;
    }

    /// <summary>Channels of a stage at a width multiplier, as FaceRep's ResNet rounds them.</summary>
    private static long Channels(int torchvisionChannels, double width) => Math.Max(4, (long)Math.Round(torchvisionChannels * width));

    /// <summary>Multiply-accumulates of torchvision's ResNet-18 (no classifier) for one r×r image, channels scaled by <paramref name="width"/>.</summary>
    internal static double ResNet18Macs(int r, double width = 1.0)
    {
        static long Out(long h, int k, int s, int p) => ((h + (2 * p) - k) / s) + 1;
        var h = Out(r, 7, 2, 3);
        long channels = Channels(64, width);
        double macs = channels * 3.0 * 49 * h * h;
        h = Out(h, 3, 2, 1);   // max pool
        foreach (var (planes, stride) in new[] { (Channels(64, width), 1), (Channels(128, width), 2), (Channels(256, width), 2), (Channels(512, width), 2) })
        {
            for (var block = 0; block < 2; block++)
            {
                var s = block == 0 ? stride : 1;
                var o = Out(h, 3, s, 1);
                macs += (double)planes * channels * 9 * o * o;
                macs += (double)planes * planes * 9 * o * o;
                if (s != 1 || channels != planes)
                    macs += (double)planes * channels * o * o;   // 1x1 downsample
                channels = planes;
                h = o;
            }
        }

        return macs;
    }
}

/// <summary>Median and range of repeated timings, in milliseconds.</summary>
internal sealed record Spread(double Median, double Min, double Max, int Count)
{
    public static Spread Of(IReadOnlyCollection<double> values)
    {
        var sorted = values.Order().ToArray();
        var n = sorted.Length;
        var median = n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
        return new Spread(median, sorted[0], sorted[^1], n);
    }
}

/// <summary>
/// How busy the machine was with other processes while something was timed: CPU time all cores
/// spent busy (from /proc/stat) minus this process's own CPU time, per second of wall time.
/// </summary>
internal sealed class LoadMeter
{
    private readonly double _busy;
    private readonly double _own;
    private readonly long _start;

    private LoadMeter()
    {
        _busy = BusySeconds();
        _own = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        _start = Stopwatch.GetTimestamp();
    }

    /// <summary>Other processes' CPU use, in cores, above which a timing is redone (<c>--max-load</c>).</summary>
    public static double Threshold { get; set; } = 0.10;

    public static LoadMeter Start() => new();

    /// <summary>
    /// Waits (up to 10 minutes) until other processes have used at most <see cref="Threshold"/>
    /// cores over two consecutive seconds.
    /// </summary>
    public static void WaitForQuiet()
    {
        var deadline = Stopwatch.StartNew();
        var quiet = 0;
        while (quiet < 2 && deadline.Elapsed < TimeSpan.FromMinutes(10))
        {
            var meter = Start();
            Thread.Sleep(1000);
            quiet = meter.OtherCores() <= Threshold ? quiet + 1 : 0;
        }
    }

    /// <summary>Cores' worth of CPU other processes used since the start.</summary>
    public double OtherCores()
    {
        var wall = Stopwatch.GetElapsedTime(_start).TotalSeconds;
        var own = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - _own;
        return Math.Max(0, (BusySeconds() - _busy - own) / wall);
    }

    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? $"loadavg {File.ReadAllText("/proc/loadavg").Trim()}" : "loadavg unavailable";

    private static double BusySeconds()
    {
        if (!File.Exists("/proc/stat"))
            return 0;
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        // user nice system idle iowait irq softirq steal (guest time is already in user).
        var busy = fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + fields[7];
        return busy / 100.0;   // USER_HZ
    }
}
