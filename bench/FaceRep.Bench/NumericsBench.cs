using System.Diagnostics;
using System.Globalization;
using FaceRep.Core.Specs;
using FaceRep.Training;
using FaceRep.Training.Backbones;
using FaceRep.Training.Layers;
using FaceRep.Training.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace FaceRep.Bench;

/// <summary>
/// The convolution fault of libtorch 2.10's oneDNN, reproduced, and what the grid's way round it
/// costs. For each backend (oneDNN uncapped, capped at AVX-512 core, AVX2 (the grid's default),
/// SSE4.1, and oneDNN off) a child process, whose native environment carries the cap before
/// libtorch loads, (1) runs a grid of float32 convolutions, forward and backward, straight through
/// <c>functional.conv2d</c> and again through the product's <see cref="ConvLayer"/>, against float64;
/// (2) runs the start-up self-check; (3) times a ResNet-18 forward and backward at several sizes.
/// bench/python/conv_check.py runs the same grid in Debian's PyTorch.
/// </summary>
internal static class NumericsBench
{
    private static readonly (string Name, string? Cap, bool OneDnn)[] Backends =
    [
        ("oneDNN, no cap", "ALL", true),
        ("oneDNN AVX512_CORE", "AVX512_CORE", true),
        ("oneDNN AVX2 (default)", null, true),
        ("oneDNN SSE41", "SSE41", true),
        ("oneDNN off", null, false),
    ];

    private static readonly (double Width, int Input, int Batch)[] Sizes = [(0.125, 32, 16), (0.25, 64, 64), (0.5, 64, 32), (1.0, 64, 32), (1.0, 112, 16)];

    public static int Run(string[] args)
    {
        var scan = !args.Contains("--no-scan");
        Console.WriteLine($"## Convolutions against float64, and ResNet-18 forward+backward ms/step, {Environment.ProcessorCount} cores, libtorch 2 threads");
        Console.WriteLine($"CPU: {CpuModel()}");
        foreach (var (name, cap, oneDnn) in Backends)
        {
            var info = new ProcessStartInfo("dotnet") { UseShellExecute = false };
            info.ArgumentList.Add(typeof(NumericsBench).Assembly.Location);
            info.ArgumentList.Add("numerics-child");
            info.ArgumentList.Add(name);
            info.ArgumentList.Add(oneDnn ? "on" : "off");
            info.ArgumentList.Add(scan ? "scan" : "no-scan");
            info.Environment.Remove("DNNL_MAX_CPU_ISA");
            info.Environment.Remove("ONEDNN_MAX_CPU_ISA");
            if (cap is not null)
                info.Environment["DNNL_MAX_CPU_ISA"] = cap;
            using var child = Process.Start(info) ?? throw new InvalidOperationException("could not start the child");
            child.WaitForExit();
            if (child.ExitCode != 0)
                Console.WriteLine($"{name}: the child exited with {child.ExitCode} (a crash in libtorch counts as a wrong result)");
        }

        return 0;
    }

    /// <summary>One backend, in a process of its own.</summary>
    public static int Child(string[] args)
    {
        var (name, oneDnn, scan) = (args[0], args[1] == "on", args[2] == "scan");
        TorchRuntime.UseThreads(2);
        var state = NumericBackend.Prepare();
        if (!oneDnn)
            NumericBackend.DisableOneDnn();
        var line = $"{name,-22} ";
        if (scan)
        {
            var (rawWrong, total, rawKinds) = Scan(layer: false);
            var (layerWrong, _, layerKinds) = Scan(layer: true);
            line += $"raw conv2d wrong {rawWrong,4}/{total} {rawKinds,-22} ConvLayer wrong {layerWrong,4}/{total} {layerKinds,-22} ";
        }

        var check = NumericSelfCheck.Run();
        line += $"self-check {(check.Passed ? "passes" : "FAILS ")} ";
        Console.Write(line);
        Console.Out.Flush();
        foreach (var (width, input, batch) in Sizes)
            Console.Write($" w{width.ToString(CultureInfo.InvariantCulture)}/{input}px/b{batch} {StepMilliseconds(width, input, batch),6:F1}");
        Console.WriteLine();
        Console.WriteLine($"{"",22}   ({NumericBackend.Current}; {check.Detail})");
        _ = state;
        return 0;
    }

    /// <summary>
    /// Float32 convolutions (forward output, input gradient, weight gradient) against float64 over
    /// channels 3–68, kernels 1, 3, 7, strides 1, 2, 8 and 16 pixels, batch 16. Returns how many
    /// shapes had any result off by more than 1e-4 of its largest value, and which results.
    /// </summary>
    private static (int Wrong, int Total, string Kinds) Scan(bool layer)
    {
        int[] channels = [3, 4, 8, 12, 16, 24, 32, 48, 64, 68];
        var wrong = 0;
        var total = 0;
        var kinds = new SortedSet<string>(StringComparer.Ordinal);
        manual_seed(1);
        var shapes = from ic in channels
                     from oc in channels
                     from k in new[] { 1, 3, 7 }
                     from stride in new[] { 1, 2 }
                     from size in new[] { 8, 16 }
                     where k < 7 || size >= 16
                     select (ic, oc, k, stride, size);
        foreach (var (ic, oc, k, stride, size) in shapes)
        {
            using var scope = NewDisposeScope();
            var x = randn(16, ic, size, size).requires_grad_(true);
            using var conv = ConvLayer.Conv2d(ic, oc, k, stride, k / 2, bias: false);
            using var conv64 = ConvLayer.Conv2d(ic, oc, k, stride, k / 2, bias: false);
            conv64.to(ScalarType.Float64);
            using (no_grad())
                conv64.Weight.copy_(conv.Weight);
            var x64 = x.detach().to(ScalarType.Float64).requires_grad_(true);
            var y = layer ? conv.call(x) : nn.functional.conv2d(x, conv.Weight, strides: [stride, stride], padding: [k / 2, k / 2]);
            var y64 = nn.functional.conv2d(x64, conv64.Weight, strides: [stride, stride], padding: [k / 2, k / 2]);
            var upstream = randn(y.shape);
            (y * upstream).sum().backward();
            (y64 * upstream.to(ScalarType.Float64)).sum().backward();
            total++;
            var off = new List<string>();
            if (Off(y, y64))
                off.Add("output");
            if (Off(x.grad!, x64.grad!))
                off.Add("input-grad");
            if (Off(conv.Weight.grad!, conv64.Weight.grad!))
                off.Add("weight-grad");
            if (off.Count > 0)
            {
                wrong++;
                kinds.UnionWith(off);
            }
        }

        return (wrong, total, kinds.Count == 0 ? "" : $"({string.Join(", ", kinds)})");
    }

    private static bool Off(Tensor actual, Tensor expected)
    {
        var error = (actual.to(ScalarType.Float64) - expected).abs().max().item<double>() / expected.abs().max().item<double>();
        return !(error <= 1e-4);
    }

    private static double StepMilliseconds(double width, int input, int batch)
    {
        using var model = TorchRuntime.Seeded(0, () => BackboneRegistry.Create(new BackboneSpec("resnet18", width, input)));
        using var x = randn(batch, 3, input, input);
        double Step()
        {
            using var scope = NewDisposeScope();
            var watch = Stopwatch.StartNew();
            model.zero_grad();
            var y = model.call(x);
            (y * y).sum().backward();
            return watch.Elapsed.TotalMilliseconds;
        }

        for (var i = 0; i < 3; i++)
            Step();
        var times = Enumerable.Range(0, 15).Select(_ => Step()).Order().ToArray();
        return times[times.Length / 2];
    }

    private static string CpuModel()
    {
        var lines = File.Exists("/proc/cpuinfo") ? File.ReadAllLines("/proc/cpuinfo") : [];
        var model = lines.FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
        var family = lines.FirstOrDefault(l => l.StartsWith("cpu family", StringComparison.Ordinal))?.Split(':', 2)[1].Trim();
        var flags = lines.FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal))?.Split(':', 2)[1].Split(' ') ?? [];
        var isas = new[] { "avx2", "avx512f", "avx512_bf16", "amx_tile" }.Where(flags.Contains);
        return $"{model} (family {family}), {string.Join(" ", isas)}";
    }
}
