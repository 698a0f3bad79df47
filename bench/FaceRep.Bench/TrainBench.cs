using System.Diagnostics;
using System.Globalization;
using FaceRep.Core.Experiments;
using FaceRep.Core.Specs;
using FaceRep.Data;
using FaceRep.Training;
using FaceRep.Training.Methods;
using FaceRep.Training.Runs;
using static TorchSharp.torch;

namespace FaceRep.Bench;

/// <summary>
/// Training throughput of full-width ResNet-18 at 64×64, batch 32 images, libtorch on 2 threads,
/// for SimCLR (2 views) and SwAV multi-crop (2 × 64×64 + 4 × 24×24): a step on pre-made views
/// (<see cref="PretrainSession.Step"/>) and the whole path a job takes (SynthFace rendering,
/// <see cref="ViewPipeline"/> augmentation, the same step), the float32 matmul ceiling, the
/// analytic training FLOPs, and the same step in Debian's PyTorch (bench/python/train_step.py).
/// </summary>
internal static class TrainBench
{
    private const int Batch = 32;
    private const int Input = 64;
    private const int Threads = 2;
    private const int Images = 1024;
    private const int Epochs = 10;

    /// <summary>SwAV's default prototype freeze for this run length: min(313, a tenth of the steps).</summary>
    internal const int Freeze = Images / Batch * Epochs / 10;

    /// <summary>Options of the <c>train</c> mode.</summary>
    /// <param name="Warmup">Untimed steps before any timing.</param>
    /// <param name="Rounds">Alternations of a step-only block and a full-path block.</param>
    /// <param name="Steps">Timed steps per block.</param>
    /// <param name="Python">Run the PyTorch reference after the C# figures.</param>
    /// <param name="Methods">Methods to time.</param>
    /// <param name="MaxLoad">Other processes' CPU use (cores) above which a block of timings is redone.</param>
    public sealed record Settings(int Warmup, int Rounds, int Steps, bool Python, IReadOnlyList<string> Methods, double MaxLoad)
    {
        public static Settings Parse(IReadOnlyList<string> args)
        {
            var settings = new Settings(3, 3, 5, true, ["simclr", "swav"], 0.10);
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
                    _ => throw new ArgumentException($"unknown train option '{args[i]}'; use --warmup N, --rounds N, --steps N, --methods simclr,swav, --max-load CORES, --no-python"),
                };
            }

            LoadMeter.Threshold = settings.MaxLoad;
            return settings;
        }
    }

    public static void Run(Settings settings)
    {
        TorchRuntime.UseThreads(Threads);
        Console.WriteLine($"## Training throughput: ResNet-18 width 1.0, {Input}x{Input}, batch {Batch} images, libtorch {Threads} threads");
        Console.WriteLine($"load before: {LoadMeter.LoadAverage()}");
        using var python = settings.Python ? PythonReference.Start(Threads, Batch, Input, settings.Warmup, Freeze, settings.MaxLoad, matmul: true) : null;
        var ceiling = MatmulCeiling();

        var results = new List<StepResult>();
        foreach (var method in settings.Methods)
            results.Add(TimeMethod(method, settings, python));

        Console.WriteLine();
        Console.WriteLine("| runtime | method | views/step | GFLOP/step | ms/step median (min–max, n) | images/s | views/s | GFLOP/s | MFU | other load (cores) |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in results)
        {
            Console.WriteLine(Row($"C# TorchSharp {typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString(3)}", r.Method, r.Views, r.Flop, r.Step, ceiling, r.StepLoad));
            if (r.Python is { } p)
                Console.WriteLine(Row(python!.Runtime, r.Method, r.Views, r.Flop, p.Step, ceiling, p.Load));
        }

        Console.WriteLine();
        Console.WriteLine("| method | step-only ms (median) | full path ms (median) | overhead (medians) | overhead (block totals, median of rounds) | augmentation alone, ms/batch | render images | one epoch incl. rendering | other load (cores) |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var r in results)
        {
            var stepMs = r.Step.Median;
            var fullMs = r.Full.Median;
            var perEpoch = Images / Batch;
            var epochOverhead = ((r.RenderMs / perEpoch) + fullMs - stepMs) / stepMs;
            Console.WriteLine(
                $"| {r.Method} | {stepMs:F0} | {fullMs:F0} | {Percent((fullMs - stepMs) / stepMs)} | {Percent(r.BlockOverhead)} | {r.AugmentMs:F1} | " +
                $"{Images} in {r.RenderMs:F0} ms ({r.RenderMs / Images:F2} ms/image) | {Percent(epochOverhead)} | {r.FullLoad:F2} |");
        }

        Console.WriteLine($"load after: {LoadMeter.LoadAverage()}");
    }

    private static string Row(string runtime, string method, int views, double flop, Spread step, Ceiling ceiling, double otherLoad)
    {
        var seconds = step.Median / 1000;
        var gflops = flop / seconds / 1e9;
        return $"| {runtime} | {method} | {views} | {flop / 1e9:F1} | {step.Median:F0} ({step.Min:F0}–{step.Max:F0}, {step.Count}) | " +
            $"{Batch / seconds:F1} | {views / seconds:F1} | {gflops:F1} | {Percent(gflops / ceiling.Gflops)} | {otherLoad:F2} |";
    }

    private static string Percent(double fraction) => $"{fraction * 100:F1} %";

    private sealed record StepResult(string Method, int Views, double Flop, Spread Step, Spread Full, double BlockOverhead, double RenderMs, double AugmentMs, double StepLoad, double FullLoad, PythonResult? Python);

    private sealed record PythonResult(Spread Step, double Load);

    private sealed record Ceiling(double Gflops, string What);

    private static Ceiling MatmulCeiling()
    {
        Ceiling? best = null;
        foreach (var n in new[] { 1024, 2048 })
        {
            using var scope = NewDisposeScope();
            var a = randn(n, n);
            var b = randn(n, n);
            for (var i = 0; i < 3; i++)
                a.mm(b).Dispose();
            var run = Block("matmul", 10, () => () =>
            {
                using var c = a.mm(b);
            });
            var times = Spread.Of(run.Steps);
            var flop = 2.0 * n * n * n;
            Console.WriteLine($"float32 matmul ceiling, torch.mm {n}x{n}, {Threads} threads: median {flop / times.Median / 1e6:F1} GFLOP/s " +
                $"(min–max {flop / times.Max / 1e6:F1}–{flop / times.Min / 1e6:F1}, n={times.Count}), other load {run.OtherLoad:F2} cores");
            var gflops = flop / times.Median / 1e6;
            if (best is null || gflops > best.Gflops)
                best = new Ceiling(gflops, $"torch.mm {n}x{n}");
        }

        // The same GEMM as a 1x1 convolution, the path (oneDNN) convolutions take.
        {
            const int n = 1024;
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var x = randn(1, n, 32, 32);
            var w = randn(n, n, 1, 1);
            for (var i = 0; i < 3; i++)
                nn.functional.conv2d(x, w).Dispose();
            var times = Spread.Of(Block("conv", 10, () => () =>
            {
                using var y = nn.functional.conv2d(x, w);
            }).Steps);
            var flop = 2.0 * n * n * 32 * 32;
            Console.WriteLine($"same GEMM as a 1x1 conv2d (oneDNN), {n} channels, 32x32: median {flop / times.Median / 1e6:F1} GFLOP/s (min–max {flop / times.Max / 1e6:F1}–{flop / times.Min / 1e6:F1})");
        }

        Console.WriteLine($"ceiling used for MFU: {best!.What}, {best.Gflops:F1} GFLOP/s");
        return best;
    }

    private static StepResult TimeMethod(string name, Settings settings, PythonReference? python)
    {
        var temperature = name == "swav" ? 0.1 : 0.2;
        var config = new PretrainConfig(name, SynthFaceCatalog.Curated, new BackboneSpec("resnet18", 1.0, Input), Epochs, Images, Batch, 1e-3, temperature);
        var method = (ITrainingMethod)PretrainMethods.Get(name);
        var context = new RunContext { JobId = $"bench-{name}", Threads = Threads };

        // SynthFace rendering, as PretrainMethod.Train does first (Parallel.For over all cores).
        var render = Stopwatch.StartNew();
        var data = PretrainData.Load(config);
        var renderMs = render.Elapsed.TotalMilliseconds;

        using var session = method.Open(config, context, data);
        var plan = session.Plan;
        var views = plan.Count * Batch;
        var flop = TrainingFlop(plan);
        Console.WriteLine($"{name}: {plan.Large} views at {Input}x{Input}" + (plan.Small > 0 ? $" + {plan.Small} at {plan.SmallResolution}x{plan.SmallResolution}" : "") +
            $" per image, {views} views per step, {flop / 1e9:F2} GFLOP per training step (analytic)");

        // Pre-made views: two batches from the pipeline, copied so they outlive it.
        var premade = new List<ViewBatch>();
        using (var source = new ViewPipeline(data, plan, Batch, 1))
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
            alone ??= new ViewPipeline(data, plan, Batch, Epochs);
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
        var blockOverheads = new List<double>();
        var pythonTimes = new List<double>();
        double stepLoad = 0, fullLoad = 0, pythonLoad = 0;
        for (var round = 0; round < settings.Rounds; round++)
        {
            var stepBlock = Block("step-only", settings.Steps, () =>
            {
                var b = premade[(int)(step % 2)];
                return () => Check(name, session.Step(b, step++));
            });

            // The full path: a fresh pipeline (its first batch is produced inside the block, as at
            // the start of a run) feeding the same session.
            ViewPipeline? pipeline = null;
            var fullBlock = Block("full-path", settings.Steps, () =>
            {
                pipeline ??= new ViewPipeline(data, plan, Batch, Epochs);
                var p = pipeline;
                return () => Check(name, session.Step(p.Next(), step++));
            }, () =>
            {
                pipeline?.Dispose();
                pipeline = null;
            });

            // PyTorch's block of the same step, between ours (its process waits on the pipe while ours run).
            if (python is not null)
            {
                var answer = python.Ask($"step {name} {settings.Steps}");
                if (Math.Abs(answer.GetProperty("flop").GetDouble() - flop) > 1e-6 * flop)
                    Console.WriteLine($"# warning: PyTorch's hook count {answer.GetProperty("flop").GetDouble() / 1e9:F3} GFLOP differs from the analytic {flop / 1e9:F3} GFLOP");
                pythonTimes.AddRange(answer.GetProperty("times_ms").EnumerateArray().Select(t => t.GetDouble()));
                pythonLoad += answer.GetProperty("other_load").GetDouble() / settings.Rounds;
                Console.WriteLine($"{name} round {round + 1}: PyTorch block {answer.GetProperty("times_ms").EnumerateArray().Sum(t => t.GetDouble()):F0} ms " +
                    $"(other load {answer.GetProperty("other_load").GetDouble():F2} cores, {answer.GetProperty("attempts").GetInt32() - 1} blocks redone)");
            }

            stepTimes.AddRange(stepBlock.Steps);
            fullTimes.AddRange(fullBlock.Steps);
            stepLoad += stepBlock.OtherLoad / settings.Rounds;
            fullLoad += fullBlock.OtherLoad / settings.Rounds;
            blockOverheads.Add((fullBlock.TotalMs - stepBlock.TotalMs) / stepBlock.TotalMs);
            Console.WriteLine($"{name} round {round + 1}: step-only block {stepBlock.TotalMs:F0} ms, full-path block {fullBlock.TotalMs:F0} ms " +
                $"({settings.Steps} steps each; other load {stepBlock.OtherLoad:F2} / {fullBlock.OtherLoad:F2} cores, {stepBlock.Attempts + fullBlock.Attempts - 2} blocks redone)");
        }

        var stepSpread = Spread.Of(stepTimes);
        var fullSpread = Spread.Of(fullTimes);
        Console.WriteLine($"{name}: step-only median {stepSpread.Median:F0} ms (min–max {stepSpread.Min:F0}–{stepSpread.Max:F0}, n={stepSpread.Count}); " +
            $"full path median {fullSpread.Median:F0} ms (min–max {fullSpread.Min:F0}–{fullSpread.Max:F0}, n={fullSpread.Count})");
        return new StepResult(name, views, flop, stepSpread, fullSpread, Spread.Of(blockOverheads).Median, renderMs, augmentMs.Median, stepLoad, fullLoad,
            pythonTimes.Count > 0 ? new PythonResult(Spread.Of(pythonTimes), pythonLoad) : null);
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
    internal static double TrainingFlop(ViewPlan plan)
    {
        double HeadMacs() => (512.0 * 512) + (512.0 * 64) + (plan.Style == ViewStyle.MultiCrop ? 64.0 * 100 : 0);
        double forward = 0;
        for (var v = 0; v < plan.Count; v++)
            forward += Batch * (ResNet18Macs(plan.ResolutionOf(v, Input)) + HeadMacs());
        return 3 * 2 * forward;
    }

    /// <summary>Multiply-accumulates of torchvision's ResNet-18 (no classifier) for one r×r image.</summary>
    internal static double ResNet18Macs(int r)
    {
        static long Out(long h, int k, int s, int p) => ((h + (2 * p) - k) / s) + 1;
        var h = Out(r, 7, 2, 3);
        double macs = 64.0 * 3 * 49 * h * h;
        h = Out(h, 3, 2, 1);   // max pool
        long channels = 64;
        foreach (var (planes, stride) in new[] { (64L, 1), (128L, 2), (256L, 2), (512L, 2) })
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
