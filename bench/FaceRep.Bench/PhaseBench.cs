using System.Diagnostics;
using FaceRep.Core.Specs;
using FaceRep.Training;
using FaceRep.Training.Backbones;
using FaceRep.Training.Methods;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceRep.Bench;

/// <summary>
/// Where a training step's time goes: the SimCLR and SwAV steps of <see cref="TrainBench"/>
/// rebuilt here from the same public parts (backbone, projector, losses, AdamW) so each phase can
/// be timed on its own, next to the same phases in PyTorch; then the optimiser and batch norm
/// against alternatives, and the augmentation's own cost.
/// </summary>
internal static class PhaseBench
{
    private const int SmallInput = 24;
    private const int SmallCrops = 4;

    public static void Run(TrainBench.Settings settings)
    {
        TorchRuntime.UseThreads(settings.Threads);
        Console.WriteLine($"## Training step phases: {settings.Shape}, ms (median of {settings.Rounds * settings.Steps})");
        Console.WriteLine($"load before: {LoadMeter.LoadAverage()}");
        TrainBench.ApplyMalloc(settings);
        using var python = settings.Python ? PythonReference.Start(settings, matmul: false,
            environment: settings.TunedMalloc ? new Dictionary<string, string> { ["GLIBC_TUNABLES"] = Malloc.Tunables } : null) : null;
        var csharp = new Dictionary<string, Dictionary<string, double>>();
        var pytorch = new Dictionary<string, Dictionary<string, double>>();
        foreach (var method in settings.Methods)
        {
            csharp[method] = Phases(method, settings);
            if (python is not null)
            {
                pytorch[method] = python.Ask($"phases {method} {settings.Rounds * settings.Steps}").GetProperty("phases")
                    .EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
            }
        }

        foreach (var method in settings.Methods)
        {
            Console.WriteLine();
            Console.WriteLine($"| {method} phase | C# ms | PyTorch ms |");
            Console.WriteLine("|---|---|---|");
            var theirs = pytorch.GetValueOrDefault(method) ?? [];
            foreach (var phase in csharp[method].Keys.Union(theirs.Keys))
            {
                var ours = csharp[method].TryGetValue(phase, out var a) ? $"{a:F1}" : "–";
                var other = theirs.TryGetValue(phase, out var b) ? $"{b:F1}" : "–";
                Console.WriteLine($"| {phase} | {ours} | {other} |");
            }
        }

        Console.WriteLine();
        MemoryFormats(settings, python);
        Console.WriteLine();
        Optimisers(settings);
        Console.WriteLine();
        BatchNorms(settings);
        Console.WriteLine($"load after: {LoadMeter.LoadAverage()}");
    }

    /// <summary>Median time of each phase of the step, in milliseconds; "step" is the sum.</summary>
    private static Dictionary<string, double> Phases(string method, TrainBench.Settings settings)
    {
        var swav = method == "swav";
        using var backbone = TorchRuntime.Seeded(0, () => BackboneRegistry.Create(new BackboneSpec("resnet18", settings.Width, settings.Input)));
        using var projector = TorchRuntime.Seeded(1, () => new ProjectionHead(backbone.FeatureDim, Math.Max(64, backbone.FeatureDim), 64));
        using var prototypes = TorchRuntime.Seeded(1, () => nn.Linear(64, 100, hasBias: false));
        var parameters = backbone.parameters().Concat(projector.parameters());
        if (swav)
            parameters = parameters.Concat(prototypes.parameters());
        using var optimizer = new FaceRep.Training.Optimisers.AdamW(parameters, 1e-3, weightDecay: 1e-4);
        backbone.train();
        projector.train();

        var (batch, input) = (settings.Batch, settings.Input);
        int[] sizes = swav ? [input, input, .. Enumerable.Repeat(SmallInput, SmallCrops)] : [input, input];
        var random = new Random(2);
        var pixels = sizes.Select(r => Enumerable.Range(0, batch * 3 * r * r).Select(_ => random.NextSingle()).ToArray()).ToArray();
        using var inverseTemperature = 10.0.ToScalar();

        var phases = new Dictionary<string, List<double>>();
        var clock = 0L;
        void Mark(string phase)
        {
            var now = Stopwatch.GetTimestamp();
            if (!phases.TryGetValue(phase, out var list))
                phases[phase] = list = [];
            list.Add(Stopwatch.GetElapsedTime(clock, now).TotalMilliseconds);
            clock = Stopwatch.GetTimestamp();
        }

        void Step()
        {
            clock = Stopwatch.GetTimestamp();
            using var scope = NewDisposeScope();
            var views = sizes.Select((r, v) => Pixels.Normalised(pixels[v], [batch, 3, r, r])).ToArray();
            Mark("input tensors");
            Tensor loss;
            if (!swav)
            {
                var features = backbone.call(cat(views, 0));
                Mark("backbone forward (large views)");
                var z = projector.call(features).chunk(2);
                loss = Losses.NtXent(z[0], z[1], 0.2);
                Mark("head + loss forward");
            }
            else
            {
                var large = backbone.call(cat(views[..2], 0));
                Mark("backbone forward (large views)");
                var small = backbone.call(cat(views[2..], 0));
                Mark("backbone forward (small views)");
                // The projector runs per crop size, as SwavMethod's (batch norm statistics per group).
                var embeddings = cat([nn.functional.normalize(projector.call(large), dim: 1), nn.functional.normalize(projector.call(small), dim: 1)], 0);
                var scores = prototypes.call(embeddings).chunk(sizes.Length);
                Tensor[] codes;
                using (no_grad())
                    codes = [Losses.Sinkhorn(scores[0].detach(), 0.05, 3), Losses.Sinkhorn(scores[1].detach(), 0.05, 3)];
                loss = Losses.SwappedPrediction(codes, scores, 0.1);
                Mark("head + loss forward");
            }

            optimizer.ZeroGrad();
            Mark("zero grad");
            loss.backward();
            Mark("backward");
            optimizer.Step();
            Mark("optimizer (AdamW)");
            if (swav)
            {
                using var noGrad = no_grad();
                var w = prototypes.weight!;
                w.copy_(nn.functional.normalize(w, dim: 1));
                Mark("normalise prototypes");
            }

            var value = loss.item<float>();
            Mark("loss.item");
            if (!float.IsFinite(value))
                throw new InvalidOperationException($"{method} loss became {value}");
        }

        for (var i = 0; i < settings.Warmup; i++)
            Step();
        phases.Clear();
        for (var round = 0; round < settings.Rounds; round++)
            TrainBench.Block($"{method} phases", settings.Steps, () => Step);

        var medians = phases.ToDictionary(kv => kv.Key, kv => Spread.Of(kv.Value).Median);
        var steps = phases.First().Value.Count;
        medians["step"] = Spread.Of(Enumerable.Range(0, steps).Select(i => phases.Values.Sum(list => list[i])).ToArray()).Median;
        return medians;
    }

    /// <summary>
    /// One AdamW update of ResNet-18 + projector (11.5 M parameters in 65 tensors): our
    /// per-parameter AdamW, TorchSharp's own, and the same arithmetic on one flat tensor — the
    /// lower bound a multi-tensor (foreach) or fused update approaches.
    /// </summary>
    private static void Optimisers(TrainBench.Settings settings)
    {
        using var backbone = TorchRuntime.Seeded(0, () => BackboneRegistry.Create(new BackboneSpec("resnet18", settings.Width, settings.Input)));
        using var projector = TorchRuntime.Seeded(1, () => new ProjectionHead(backbone.FeatureDim, Math.Max(64, backbone.FeatureDim), 64));
        var parameters = backbone.parameters().Concat(projector.parameters()).ToArray();
        using (no_grad())
        {
            foreach (var p in parameters)
                p.grad = randn_like(p).DetachFromDisposeScope();
        }

        var count = parameters.Sum(p => p.numel());
        Console.WriteLine($"| optimiser update, {count / 1e6:F2} M parameters in {parameters.Length} tensors | ms (median, min–max) |");
        Console.WriteLine("|---|---|");

        using var ours = new FaceRep.Training.Optimisers.AdamW(parameters, 1e-3, weightDecay: 1e-4);
        using var theirs = optim.AdamW(parameters, 1e-3, weight_decay: 1e-4);

        // The same update on one flat tensor of all the parameters: p·(1−lr·wd); m, v moments; p −= lr/b1 · m / (√v/√b2 + ε).
        using var flat = zeros(count);
        using var grad = randn(count);
        using var m = zeros(count);
        using var v = zeros(count);
        using var decay = (1 - 1e-7).ToScalar();
        using var beta1 = 0.9.ToScalar();
        using var oneMinusBeta1 = 0.1.ToScalar();
        using var beta2 = 0.999.ToScalar();
        using var oneMinusBeta2 = 0.001.ToScalar();
        using var eps = 1e-8.ToScalar();
        using var sqrtBias2 = 0.5.ToScalar();
        using var stepSize = (-1e-3).ToScalar();
        using var one = 1.0.ToScalar();
        Compare(settings,
        [
            ("FaceRep AdamW (per parameter, 6 ops each)", ours.Step),
            ("TorchSharp optim.AdamW (per parameter)", () => theirs.step()),
            ("same arithmetic on one flat tensor (multi-tensor lower bound)", () =>
            {
                using var _ = no_grad();
                using var scope = NewDisposeScope();
                flat.mul_(decay);
                m.mul_(beta1).add_(grad, alpha: oneMinusBeta1);
                v.mul_(beta2).addcmul_(grad, grad, value: oneMinusBeta2);
                var denominator = v.sqrt().div_(sqrtBias2).add_(eps, one);
                flat.addcdiv_(m, denominator, value: stepSize);
            }),
        ]);
    }

    /// <summary>
    /// Backbone forward + backward at 64×64, batch 64 (the SimCLR step's backbone), in PyTorch's
    /// default NCHW layout and channels-last (NHWC strides, which oneDNN convolutions prefer):
    /// the input alone, and the input and every convolution weight. TorchSharp has no memory-format
    /// argument, so channels-last is made as permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2).
    /// </summary>
    private static void MemoryFormats(TrainBench.Settings settings, PythonReference? python)
    {
        var (batch, input) = (settings.Batch, settings.Input);
        var spec = new BackboneSpec("resnet18", settings.Width, input);
        using var nchw = TorchRuntime.Seeded(0, () => BackboneRegistry.Create(spec));
        using var channelsLast = TorchRuntime.Seeded(0, () => BackboneRegistry.Create(spec));
        using (no_grad())
        {
            foreach (var (_, module) in channelsLast.named_modules())
            {
                if (module is Conv2d conv)
                    conv.weight = new Parameter(ChannelsLast(conv.weight!));
            }
        }

        nchw.train();
        channelsLast.train();
        using var x = TorchRuntime.Seeded(3, () => randn(2 * batch, 3, input, input));
        using var xLast = ChannelsLast(x);
        using (var probe = nn.functional.conv2d(xLast, ChannelsLast(randn(64, 3, 7, 7)), strides: [2, 2], padding: [3, 3]))
            Console.WriteLine($"(a channels-last convolution's output strides: {string.Join(", ", probe.stride())})");
        Action Run(ResNet backbone, Tensor input) => () =>
        {
            using var scope = NewDisposeScope();
            backbone.call(input).sum().backward();
        };
        Console.WriteLine($"| backbone forward + backward, {2 * batch} x 3 x {input} x {input} | ms (median, min–max) |");
        Console.WriteLine("|---|---|");
        Compare(settings,
        [
            ("NCHW (as trained today)", Run(nchw, x)),
            ("channels-last input", Run(nchw, xLast)),
            ("channels-last input and conv weights", Run(channelsLast, xLast)),
        ]);
        if (python is not null)
        {
            foreach (var row in python.Ask($"formats x {Math.Max(settings.Steps, 10) * settings.Rounds}").GetProperty("formats").EnumerateObject())
                Console.WriteLine($"| PyTorch: {row.Name} | {row.Value.GetDouble():F1} |");
        }
    }

    private static Tensor ChannelsLast(Tensor t) => t.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);

    /// <summary>Forward + backward of every batch norm of ResNet-18 at 64×64, batch 64: ours against TorchSharp's.</summary>
    private static void BatchNorms(TrainBench.Settings settings)
    {
        // (channels, side) of the 20 batch norms at a 64x64 input.
        var shapes = new List<(long C, long S)> { (64, 32) };
        shapes.AddRange(Enumerable.Repeat((64L, 16L), 4));
        shapes.AddRange(Enumerable.Repeat((128L, 8L), 5));
        shapes.AddRange(Enumerable.Repeat((256L, 4L), 5));
        shapes.AddRange(Enumerable.Repeat((512L, 2L), 5));
        var inputs = shapes.Select(s => randn(2 * settings.Batch, s.C, s.S, s.S).requires_grad_().DetachFromDisposeScope()).ToArray();
        var ours = shapes.Select(s => (nn.Module<Tensor, Tensor>)new FaceRep.Training.Layers.BatchNormLayer(s.C)).ToArray();
        var theirs = shapes.Select(s => (nn.Module<Tensor, Tensor>)nn.BatchNorm2d(s.C)).ToArray();
        Console.WriteLine("| all 20 batch norms of ResNet-18 at 64x64, batch 64, forward + backward | ms (median, min–max) |");
        Console.WriteLine("|---|---|");
        foreach (var layer in ours.Concat(theirs))
            layer.train();
        Action Run(nn.Module<Tensor, Tensor>[] layers) => () =>
        {
            using var scope = NewDisposeScope();
            for (var i = 0; i < layers.Length; i++)
                layers[i].call(inputs[i]).sum().backward();
        };
        Compare(settings, [("FaceRep BatchNormLayer", Run(ours)), ("TorchSharp nn.BatchNorm2d", Run(theirs))]);

        foreach (var x in inputs)
            x.Dispose();
        foreach (var layer in ours.Concat(theirs))
            layer.Dispose();
    }

    /// <summary>Times the candidates in interleaved blocks (so drift and order affect each alike) and prints a row each.</summary>
    private static void Compare(TrainBench.Settings settings, IReadOnlyList<(string What, Action Action)> candidates)
    {
        foreach (var (_, action) in candidates)
        {
            for (var i = 0; i < settings.Warmup; i++)
                action();
        }

        var times = candidates.Select(_ => new List<double>()).ToArray();
        for (var round = 0; round < settings.Rounds; round++)
        {
            for (var c = 0; c < candidates.Count; c++)
            {
                var action = candidates[c].Action;
                times[c].AddRange(TrainBench.Block(candidates[c].What, Math.Max(settings.Steps, 10), () => action).Steps);
            }
        }

        for (var c = 0; c < candidates.Count; c++)
        {
            var s = Spread.Of(times[c]);
            Console.WriteLine($"| {candidates[c].What} | {s.Median:F1} ({s.Min:F1}–{s.Max:F1}) |");
        }
    }
}
