using FaceRep.Core.Experiments;
using FaceRep.Training.Backbones;
using FaceRep.Training.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceRep.Training.Methods;

/// <summary>
/// MoCo v2 (Chen et al. 2020): a query encoder trained by InfoNCE against keys from a momentum
/// encoder and a queue of past keys; MLP head; the key batch is shuffled across two
/// batch-norm groups (shuffle BN) so batch statistics cannot leak which key matches. Options:
/// <c>queue</c> (1024; 65536 in the paper), <c>encoder_momentum</c> (0.99; 0.999 in the paper, for
/// far longer runs), <c>projection_dim</c> (64; 128), <c>hidden</c> (max(64, features)).
/// The contrastive temperature is the spec's <c>temperature</c>.
/// </summary>
internal sealed class MocoMethod : PretrainMethod<MocoMethod.Settings>
{
    public override string Name => "moco";

    protected override int MinBatch => 4;

    protected override Settings ReadSettings(OptionReader options)
    {
        var settings = new Settings(
            options.Integer("queue", 1024, 1, 1 << 20),
            options.Number("encoder_momentum", 0.99, 0, 1),
            options.Integer("projection_dim", 64, 2, 65_536),
            options.Integer("hidden", 0, 0, 65_536));
        if (settings.Queue < options.Config.Batch)
            options.Problem($"moco option queue: {settings.Queue} is smaller than the batch of {options.Config.Batch}; the queue must hold at least one batch of keys");
        return settings;
    }

    protected override ViewPlan Views(Settings settings, PretrainConfig config) => new(ViewStyle.Contrastive, 2);

    protected override PretrainObjective CreateObjective(ResNet backbone, Settings settings, PretrainConfig config, PretrainData data, long totalSteps)
    {
        var hidden = settings.Hidden > 0 ? settings.Hidden : Math.Max(64, backbone.FeatureDim);
        var projector = new ProjectionHead(backbone.FeatureDim, hidden, settings.ProjectionDim);
        var keyBackbone = BackboneRegistry.Create(config.Backbone);
        var keyProjector = new ProjectionHead(backbone.FeatureDim, hidden, settings.ProjectionDim);
        Ema.CopyInto(backbone, keyBackbone);
        Ema.CopyInto(projector, keyProjector);
        Tensor queue;
        using (NewDisposeScope())
            queue = nn.functional.normalize(randn(settings.Queue, settings.ProjectionDim, device: JobDevices.Cpu), dim: 1).MoveToOuterDisposeScope();
        return new Objective(settings, config.Temperature, projector, keyBackbone, keyProjector, queue.DetachFromDisposeScope());
    }

    internal sealed record Settings(int Queue, double EncoderMomentum, int ProjectionDim, int Hidden);

    private sealed class Objective(Settings settings, double temperature, ProjectionHead projector, ResNet keyBackbone, ProjectionHead keyProjector, Tensor queue)
        : PretrainObjective
    {
        private long _pointer;

        public override IEnumerable<Parameter> Parameters => projector.parameters();

        public override void Train()
        {
            projector.train();
            keyBackbone.train();
            keyProjector.train();
        }

        public override void MoveTo(Device device)
        {
            JobDevices.Move(projector, device);
            JobDevices.Move(keyBackbone, device);
            JobDevices.Move(keyProjector, device);
            JobDevices.Move(ref queue, device);
        }

        public override Tensor Loss(Func<Tensor, Tensor> encode, PretrainBatch batch)
        {
            var q = projector.call(encode(batch.Views[0]));
            var k = Keys(batch.Views[1], batch.Rng);
            var loss = Losses.InfoNce(q, k, queue.clone(), temperature);
            Enqueue(k);
            return loss;
        }

        public override void AfterUpdate(ResNet backbone, long step, long totalSteps)
        {
            Ema.Update(keyBackbone, backbone, settings.EncoderMomentum);
            Ema.Update(keyProjector, projector, settings.EncoderMomentum);
        }

        /// <summary>Normalised keys, computed in two shuffled batch-norm groups and put back in order.</summary>
        private Tensor Keys(Tensor x, Random rng)
        {
            using var _ = no_grad();
            var n = x.shape[0];
            var order = Enumerable.Range(0, (int)n).Select(i => (long)i).ToArray();
            rng.Shuffle(order);
            var inverse = new long[n];
            for (var i = 0; i < n; i++)
                inverse[order[i]] = i;
            var shuffled = x.index_select(0, tensor(order, device: x.device));
            var groups = shuffled.chunk(2).Select(g => keyProjector.call(keyBackbone.call(g))).ToArray();
            var keys = cat(groups, 0).index_select(0, tensor(inverse, device: x.device));
            return nn.functional.normalize(keys, dim: 1);
        }

        private void Enqueue(Tensor keys)
        {
            using var _ = no_grad();
            var n = keys.shape[0];
            var size = queue.shape[0];
            var first = Math.Min(n, size - _pointer);
            queue.narrow(0, _pointer, first).copy_(keys.narrow(0, 0, first));
            if (first < n)
                queue.narrow(0, 0, n - first).copy_(keys.narrow(0, first, n - first));
            _pointer = (_pointer + n) % size;
        }

        protected override void Dispose(bool disposing)
        {
            projector.Dispose();
            keyBackbone.Dispose();
            keyProjector.Dispose();
            queue.Dispose();
        }
    }
}
