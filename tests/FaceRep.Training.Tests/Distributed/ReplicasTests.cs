using FaceRep.Core.Experiments;
using FaceRep.Core.Specs;
using FaceRep.Training.Backbones;
using FaceRep.Training.Distributed;
using FaceRep.Training.Methods;
using FaceRep.Training.Optimisers;
using FaceRep.Training.Runs;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FaceRep.Training.Tests.Distributed;

[Collection(TorchCollection.Name)]
public sealed class ReplicasTests
{
    /// <summary>A small convolutional network without batch norm, so splitting the batch cannot change the maths.</summary>
    private sealed class Net : Module<Tensor, Tensor>
    {
#pragma warning disable IDE1006
        private readonly Conv2d conv;
        private readonly Linear fc;
#pragma warning restore IDE1006

        public Net()
            : base(nameof(Net))
        {
            conv = Conv2d(3, 8, kernel_size: 3, stride: 2, padding: 1);
            fc = Linear(8, 4);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) =>
            fc.call(functional.relu(conv.call(input)).mean([2, 3]));
    }

    private static float[] TrainSteps(int devices, int steps)
    {
        var master = TorchRuntime.Seeded(7, () => new Net());
        var inputs = TorchRuntime.Seeded(8, () => randn(12, 3, 16, 16));
        var targets = TorchRuntime.Seeded(9, () => randn(12, 4));
        var list = Enumerable.Repeat(CPU, devices).ToArray();
        using var replicas = new Replicas<Net>(master, list, () => new Net());
        using var optimizer = new Sgd(master.parameters(), 0.1, momentum: 0.9);
        for (var step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            var loss = functional.mse_loss(replicas.Forward(inputs), targets);
            optimizer.ZeroGrad();
            loss.backward();
            replicas.ReduceGradients();
            optimizer.Step();
            replicas.Broadcast();
        }

        var weights = master.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();
        master.Dispose();
        return weights;
    }

    [Fact]
    public void Two_devices_give_the_same_result_as_one_device_with_the_whole_batch()
    {
        var one = TrainSteps(devices: 1, steps: 10);
        var two = TrainSteps(devices: 2, steps: 10);
        var three = TrainSteps(devices: 3, steps: 10);

        Assert.Equal(one.Length, two.Length);
        for (var i = 0; i < one.Length; i++)
        {
            Assert.Equal(one[i], two[i], 5);
            Assert.Equal(one[i], three[i], 5);
        }
    }

    [Fact]
    public void Replicas_start_as_and_stay_copies_of_the_master()
    {
        using var master = TorchRuntime.Seeded(1, () => new Net());
        using var replicas = new Replicas<Net>(master, [CPU, CPU], () => TorchRuntime.Seeded(2, () => new Net()));
        using var input = TorchRuntime.Seeded(3, () => randn(4, 3, 16, 16));
        using var _ = no_grad();

        // The gathered output of two halves equals the master's output on the whole batch.
        using var whole = master.call(input);
        using var split = replicas.Forward(input);

        Assert.True(whole.allclose(split, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void A_pretraining_job_runs_data_parallel_over_two_cpu_devices()
    {
        var config = new PretrainConfig("simclr", "synth-curated", new BackboneSpec("resnet18", 0.125, 32), 1, 32, 16, 1e-3, 0.2);
        var context = new RunContext { JobId = config.Id, Devices = ["cpu", "cpu"] };

        using var backbone = PretrainMethods.Get("simclr").Train(config, context);

        Assert.All(backbone.parameters(), p => Assert.False(p.isnan().any().item<bool>()));
    }

    /// <summary>One step of a tiny ResNet on the whole batch: its output, the master's gradients and running statistics after it.</summary>
    private static (float[] Output, float[] Gradients, float[] Running) ResNetStep(int devices, bool sync)
    {
        var spec = new BackboneSpec("resnet18", 0.125, 32);
        using var master = TorchRuntime.Seeded(7, () => BackboneRegistry.Create(spec));
        using var inputs = TorchRuntime.Seeded(8, () => randn(12, 3, 32, 32).mul(2).add(0.5));
        using var targets = TorchRuntime.Seeded(9, () => randn(12, master.FeatureDim));
        using var replicas = new Replicas<ResNet>(master, Enumerable.Repeat(CPU, devices).ToArray(), () => BackboneRegistry.Create(spec), sync, threads: 1);
        replicas.Train();
        using var scope = NewDisposeScope();
        var output = replicas.Forward(inputs);
        var loss = functional.mse_loss(output, targets);
        loss.backward();
        replicas.ReduceGradients();
        var gradients = master.parameters().SelectMany(p => p.grad!.data<float>().ToArray()).ToArray();
        var running = master.buffers().Where(b => b.is_floating_point()).SelectMany(b => b.data<float>().ToArray()).ToArray();
        return (output.detach().data<float>().ToArray(), gradients, running);
    }

    private static double MaxDifference(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        return a.Zip(b, (x, y) => Math.Abs(x - y) / (1 + Math.Abs(x))).Max();
    }

    [Fact]
    public void Synchronised_batch_norm_over_two_and_three_devices_equals_one_device_on_the_whole_batch()
    {
        var one = ResNetStep(1, sync: false);
        var two = ResNetStep(2, sync: true);
        var three = ResNetStep(3, sync: true);
        var unsynchronised = ResNetStep(2, sync: false);

        foreach (var (name, split) in new[] { ("2 devices", two), ("3 devices", three) })
        {
            Assert.True(MaxDifference(one.Output, split.Output) < 1e-4, $"{name}: outputs differ by {MaxDifference(one.Output, split.Output)}");
            Assert.True(MaxDifference(one.Gradients, split.Gradients) < 1e-3, $"{name}: gradients differ by {MaxDifference(one.Gradients, split.Gradients)}");
            Assert.True(MaxDifference(one.Running, split.Running) < 1e-4, $"{name}: running statistics differ by {MaxDifference(one.Running, split.Running)}");
        }

        // The control: each chunk normalised on its own is another computation, which the comparison sees.
        Assert.True(MaxDifference(one.Output, unsynchronised.Output) > 1e-2, $"per-chunk batch norm differs by only {MaxDifference(one.Output, unsynchronised.Output)}");
    }

    [Fact]
    public void A_replica_that_fails_fails_the_step_without_leaving_the_others_waiting()
    {
        var spec = new BackboneSpec("resnet18", 0.125, 32);
        using var master = TorchRuntime.Seeded(7, () => BackboneRegistry.Create(spec));
        using var replicas = new Replicas<ResNet>(master, [CPU, CPU], () => BackboneRegistry.Create(spec), syncBatchNorm: true);
        replicas.Train();
        // Two images of the wrong channel count: every replica fails at its first convolution.
        using var wrong = zeros(4, 5, 32, 32);
        Assert.ThrowsAny<Exception>(() => replicas.Forward(wrong));

        // The group is made anew, and the next batch goes through.
        using var right = TorchRuntime.Seeded(8, () => randn(4, 3, 32, 32));
        using var output = replicas.Forward(right);
        Assert.Equal([4, master.FeatureDim], output.shape);
    }

    [Fact]
    public void A_pretraining_job_with_synchronised_batch_norm_over_two_devices_trains_as_one_device_does()
    {
        // SGD, whose update is linear in the gradient (Adam's near-sign update would turn float noise into a step's size).
        static MethodOptions Options(bool sync) => new(sync
            ? [KeyValuePair.Create("optimizer", "sgd"), KeyValuePair.Create("sync_batch_norm", "true")]
            : [KeyValuePair.Create("optimizer", "sgd")]);
        var single = new PretrainConfig("simclr", "synth-curated", new BackboneSpec("resnet18", 0.125, 32), 1, 32, 16, 0.05, 0.2, Options(false));
        var synchronised = single with { Devices = 2, Options = Options(true) };
        var perChunk = single with { Devices = 2 };
        float[] Train(PretrainConfig config)
        {
            using var backbone = PretrainMethods.Get("simclr").Train(config, new RunContext { JobId = config.Id, Threads = 2, Devices = [.. Enumerable.Repeat("cpu", config.Devices)] });
            return [.. backbone.parameters().SelectMany(p => p.data<float>().ToArray())];
        }

        var one = Train(single);
        var sync = MaxDifference(one, Train(synchronised));
        var own = MaxDifference(one, Train(perChunk));

        Assert.True(sync < 1e-3, $"synchronised batch norm: weights differ by {sync} (per-chunk batch norm: {own})");
        Assert.True(own > 100 * sync, $"per-chunk batch norm differs by {own}, synchronised by {sync}");
    }

    [Fact]
    public void Synchronised_batch_norm_on_one_device_is_refused_with_a_reason()
    {
        var config = new PretrainConfig("simclr", "synth-curated", new BackboneSpec("resnet18", 0.125, 32), 1, 32, 16, 1e-3, 0.2,
            new MethodOptions([KeyValuePair.Create("sync_batch_norm", "true")]));

        var problems = PretrainMethods.Get("simclr").Validate(config);

        Assert.Contains(problems, p => p.Contains("sync_batch_norm", StringComparison.Ordinal) && p.Contains("devices: 2", StringComparison.Ordinal));
    }

    [Fact]
    public void Cuda_devices_are_refused_with_a_reason_on_this_build()
    {
        var config = new PretrainConfig("simclr", "synth-curated", new BackboneSpec("resnet18", 0.125, 32), 1, 32, 16, 1e-3, 0.2);
        var context = new RunContext { JobId = config.Id, Devices = ["cuda:0"] };

        var e = Assert.Throws<JobFailedException>(() => PretrainMethods.Get("simclr").Train(config, context));

        Assert.Contains("cuda:0", e.Message, StringComparison.Ordinal);
    }
}
