using FaceRep.Core.Experiments;
using FaceRep.Core.Specs;
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

    [Fact]
    public void Cuda_devices_are_refused_with_a_reason_on_this_build()
    {
        var config = new PretrainConfig("simclr", "synth-curated", new BackboneSpec("resnet18", 0.125, 32), 1, 32, 16, 1e-3, 0.2);
        var context = new RunContext { JobId = config.Id, Devices = ["cuda:0"] };

        var e = Assert.Throws<JobFailedException>(() => PretrainMethods.Get("simclr").Train(config, context));

        Assert.Contains("cuda:0", e.Message, StringComparison.Ordinal);
    }
}
