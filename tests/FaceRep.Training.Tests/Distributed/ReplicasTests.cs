using FaceRep.Core.Experiments;
using FaceRep.Core.Specs;
using FaceRep.Training.Backbones;
using FaceRep.Training.Distributed;
using FaceRep.Training.Methods;
using FaceRep.Training.Optimisers;
using FaceRep.Training.Runs;
using TorchSharp;
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
    private static (float[] Output, float[] Gradients, float[] Running) ResNetStep(int devices, bool sync, int batch = 12)
    {
        var spec = new BackboneSpec("resnet18", 0.125, 32);
        using var master = TorchRuntime.Seeded(7, () => BackboneRegistry.Create(spec));
        using var inputs = TorchRuntime.Seeded(8, () => randn(batch, 3, 32, 32).mul(2).add(0.5));
        using var targets = TorchRuntime.Seeded(9, () => randn(batch, master.FeatureDim));
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
        // Unequal shares (4, 3, 3): the merge weighs each by its count.
        var ten = ResNetStep(1, sync: false, batch: 10);
        var tenOverThree = ResNetStep(3, sync: true, batch: 10);

        foreach (var (name, whole, split) in new[] { ("2 devices", one, two), ("3 devices", one, three), ("10 images over 3 devices", ten, tenOverThree) })
        {
            var one_ = whole;
            Assert.True(MaxDifference(one_.Output, split.Output) < 1e-4, $"{name}: outputs differ by {MaxDifference(one_.Output, split.Output)}");
            Assert.True(MaxDifference(one_.Gradients, split.Gradients) < 1e-3, $"{name}: gradients differ by {MaxDifference(one_.Gradients, split.Gradients)}");
            Assert.True(MaxDifference(one_.Running, split.Running) < 1e-4, $"{name}: running statistics differ by {MaxDifference(one_.Running, split.Running)}");
        }

        // The control: each chunk normalised on its own is another computation, which the comparison sees.
        Assert.True(MaxDifference(one.Output, unsynchronised.Output) > 1e-2, $"per-chunk batch norm differs by only {MaxDifference(one.Output, unsynchronised.Output)}");
    }

    /// <summary>Two batch-norm layers; a copy made to fail throws between them, once.</summary>
    private sealed class TwoNorms : Module<Tensor, Tensor>
    {
#pragma warning disable IDE1006
        private readonly Linear fc;
        private readonly Layers.BatchNormLayer bn1;
        private readonly Layers.BatchNormLayer bn2;
#pragma warning restore IDE1006

        public TwoNorms(bool failOnce)
            : base(nameof(TwoNorms))
        {
            fc = Linear(6, 6);
            bn1 = new Layers.BatchNormLayer(6);
            bn2 = new Layers.BatchNormLayer(6);
            FailOnce = failOnce;
            RegisterComponents();
        }

        public bool FailOnce { get; set; }

        public override Tensor forward(Tensor input)
        {
            var x = bn1.call(fc.call(input));
            if (FailOnce)
            {
                FailOnce = false;
                throw new InvalidOperationException("this replica fails between its batch norms");
            }

            return bn2.call(x);
        }
    }

    [Fact]
    public async Task A_replica_that_fails_between_synchronised_layers_fails_the_step_and_releases_the_others()
    {
        using var master = TorchRuntime.Seeded(1, () => new TwoNorms(failOnce: false));
        using var replicas = new Replicas<TwoNorms>(master, [CPU, CPU, CPU], () => new TwoNorms(failOnce: true), syncBatchNorm: true);
        replicas.Train();
        using var input = TorchRuntime.Seeded(2, () => randn(9, 6));

        // The others wait at the second layer for the failed one: they are released, and the failure is the one reported.
        var failed = Task.Run(() => replicas.Forward(input));
        var finished = await Task.WhenAny(failed, Task.Delay(TimeSpan.FromMinutes(5)));
        Assert.Same(failed, finished);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => failed);
        Assert.Contains("fails between its batch norms", e.Message, StringComparison.Ordinal);

        // The group is made anew, and the next batch goes through, normalised as the whole batch is.
        using var output = replicas.Forward(input);
        using var expected = TorchRuntime.Seeded(1, () => new TwoNorms(failOnce: false));
        expected.train();
        using var whole = expected.call(input);
        Assert.True(whole.allclose(output, rtol: 1e-4, atol: 1e-5));
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
    public void A_cuda_device_trains_where_libtorch_sees_one_and_is_refused_with_a_reason_where_it_does_not()
    {
        var config = new PretrainConfig("simclr", "synth-curated", new BackboneSpec("resnet18", 0.125, 32), 1, 32, 16, 1e-3, 0.2);
        var context = new RunContext { JobId = config.Id, Devices = ["cuda:0"] };

        if (TorchRuntime.CudaDevices() > 0)
        {
            using var backbone = PretrainMethods.Get("simclr").Train(config, context);
            Assert.All(backbone.parameters(), p => Assert.Equal(DeviceType.CUDA, p.device_type));
        }
        else
        {
            var e = Assert.Throws<JobFailedException>(() => PretrainMethods.Get("simclr").Train(config, context));
            Assert.Contains("cuda:0", e.Message, StringComparison.Ordinal);
            Assert.Contains("libtorch sees none", e.Message, StringComparison.Ordinal);
        }
    }
}
