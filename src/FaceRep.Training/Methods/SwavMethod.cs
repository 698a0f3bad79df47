using FaceRep.Core.Experiments;
using FaceRep.Training.Backbones;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceRep.Training.Methods;

/// <summary>
/// SwAV (Caron et al. 2020), as the paper's released pre-training code runs it: multi-crop views;
/// each crop's normalised projection is scored against L2-normalised prototypes; codes of the
/// two large crops come from Sinkhorn–Knopp (equal partition of the batch over prototypes); every
/// other crop predicts them (swapped prediction). Prototypes are frozen for the first iterations;
/// an optional queue of past embeddings enlarges the batch Sinkhorn partitions.
/// Options (paper values in brackets): <c>prototypes</c> 100 [3000], <c>projection_dim</c> 64 [128],
/// <c>hidden</c> max(64, features) [2048], <c>epsilon</c> 0.05 [0.05], <c>sinkhorn_iterations</c> 3 [3],
/// <c>freeze_prototypes</c> iterations, default a tenth of the run up to 313 [313],
/// <c>large_crops</c> 2 [2], <c>small_crops</c> 4 [6], <c>small_input</c> input·96/224 rounded to 8 [96],
/// <c>large_scale_min</c> 0.14, <c>small_scale_min</c> 0.05, <c>small_scale_max</c> 0.14,
/// <c>queue</c> 0 [0: none], <c>queue_start_epoch</c> 1. Temperature is the spec's <c>temperature</c> [0.1].
/// </summary>
internal sealed class SwavMethod : PretrainMethod<SwavMethod.Settings>
{
    public override string Name => "swav";

    protected override bool TakesCropMin => false;

    protected override Settings ReadSettings(OptionReader options)
    {
        var input = options.Config.Backbone.Input;
        var defaultSmall = Math.Max(16, (int)Math.Round(input * 96.0 / 224 / 8) * 8);
        var total = (long)Math.Max(1, options.Config.Images / Math.Max(1, options.Config.Batch)) * Math.Max(1, options.Config.Epochs);
        var settings = new Settings(
            options.Integer("prototypes", 100, 2, 1_000_000),
            options.Integer("projection_dim", 64, 2, 65_536),
            options.Integer("hidden", 0, 0, 65_536),
            options.Number("epsilon", 0.05, 0, 10, exclusiveMin: true),
            options.Integer("sinkhorn_iterations", 3, 1, 1000),
            options.Integer("freeze_prototypes", (int)Math.Min(313, total / 10), 0, int.MaxValue),
            options.Integer("large_crops", 2, 2, 16),
            options.Integer("small_crops", 4, 0, 64),
            options.Integer("small_input", defaultSmall, 16, input),
            options.Number("large_scale_min", 0.14, 0, 1, exclusiveMin: true),
            options.Number("small_scale_min", 0.05, 0, 1, exclusiveMin: true),
            options.Number("small_scale_max", 0.14, 0, 1, exclusiveMin: true),
            options.Integer("queue", 0, 0, 1 << 20),
            options.Integer("queue_start_epoch", 1, 0, 100_000));
        if (settings.SmallScaleMin > settings.SmallScaleMax)
            options.Problem($"swav options small_scale_min {settings.SmallScaleMin} and small_scale_max {settings.SmallScaleMax}: the minimum exceeds the maximum");
        if (settings.Queue > 0 && settings.Queue % options.Config.Batch != 0)
            options.Problem($"swav option queue: {settings.Queue} is not a multiple of the batch of {options.Config.Batch}");
        return settings;
    }

    protected override ViewPlan Views(Settings s, PretrainConfig config) =>
        new(ViewStyle.MultiCrop, s.LargeCrops, s.SmallCrops, s.SmallInput, (s.LargeScaleMin, 1), (s.SmallScaleMin, s.SmallScaleMax));

    protected override PretrainObjective CreateObjective(ResNet backbone, Settings settings, PretrainConfig config, PretrainData data, long totalSteps)
    {
        var hidden = settings.Hidden > 0 ? settings.Hidden : Math.Max(64, backbone.FeatureDim);
        var projector = new ProjectionHead(backbone.FeatureDim, hidden, settings.ProjectionDim);
        var prototypes = nn.Linear(settings.ProjectionDim, settings.Prototypes, hasBias: false);
        var stepsPerEpoch = Math.Max(1, config.Images / config.Batch);
        return new Objective(settings, config.Temperature, projector, prototypes, (long)settings.QueueStartEpoch * stepsPerEpoch);
    }

    internal sealed record Settings(
        int Prototypes, int ProjectionDim, int Hidden, double Epsilon, int SinkhornIterations, int FreezePrototypes,
        int LargeCrops, int SmallCrops, int SmallInput, double LargeScaleMin, double SmallScaleMin, double SmallScaleMax,
        int Queue, int QueueStartEpoch);

    private sealed class Objective : PretrainObjective
    {
        private readonly Settings _settings;
        private readonly double _temperature;
        private readonly ProjectionHead _projector;
        private readonly Linear _prototypes;
        private readonly long _queueStart;
        private Tensor? _queue;
        private long _queued;

        public Objective(Settings settings, double temperature, ProjectionHead projector, Linear prototypes, long queueStart)
        {
            _settings = settings;
            _temperature = temperature;
            _projector = projector;
            _prototypes = prototypes;
            _queueStart = queueStart;
            // One queue per assignment crop, as SwAV's: (large crops, queue, projection dim).
            _queue = settings.Queue > 0 ? zeros(settings.LargeCrops, settings.Queue, settings.ProjectionDim, device: JobDevices.Cpu).DetachFromDisposeScope() : null;
            NormalisePrototypes();
        }

        public override IEnumerable<Parameter> Parameters => _projector.parameters().Concat(_prototypes.parameters());

        public override void Train()
        {
            _projector.train();
            _prototypes.train();
        }

        public override void MoveTo(Device device)
        {
            JobDevices.Move(_projector, device);
            JobDevices.Move(_prototypes, device);
            if (_queue is { } queue)
            {
                JobDevices.Move(ref queue, device);
                _queue = queue;
            }
        }

        public override Tensor Loss(Func<Tensor, Tensor> encode, PretrainBatch batch)
        {
            var n = batch.Views[0].shape[0];
            var large = Embed(encode, batch.Views.Take(_settings.LargeCrops));
            var embeddings = _settings.SmallCrops > 0
                ? cat([large, Embed(encode, batch.Views.Skip(_settings.LargeCrops))], 0)
                : large;
            var scores = _prototypes.call(embeddings).chunk(_settings.LargeCrops + _settings.SmallCrops);
            var codes = new Tensor[_settings.LargeCrops];
            using (no_grad())
            {
                for (var i = 0; i < _settings.LargeCrops; i++)
                {
                    var crop = scores[i].detach();
                    if (_queue is not null && batch.Step >= _queueStart && _queued >= _settings.Queue)
                    {
                        // Partition the queue and the batch together, keep the batch's codes.
                        var queued = _prototypes.call(_queue[i]);
                        codes[i] = Losses.Sinkhorn(cat([queued, crop], 0), _settings.Epsilon, _settings.SinkhornIterations).narrow(0, _settings.Queue, n);
                    }
                    else
                    {
                        codes[i] = Losses.Sinkhorn(crop, _settings.Epsilon, _settings.SinkhornIterations);
                    }
                }

                if (_queue is not null)
                    Enqueue(embeddings.detach(), n);
            }

            return Losses.SwappedPrediction(codes, scores, _temperature);
        }

        public override void BeforeUpdate(long step)
        {
            // Frozen prototypes: the first iterations train only the encoder, as SwAV's freeze_prototypes_niters.
            if (step < _settings.FreezePrototypes)
                _prototypes.weight!.grad?.zero_();
        }

        public override void AfterUpdate(ResNet backbone, long step, long totalSteps) => NormalisePrototypes();

        private Tensor Embed(Func<Tensor, Tensor> encode, IEnumerable<Tensor> crops) =>
            nn.functional.normalize(_projector.call(encode(cat(crops.ToArray(), 0))), dim: 1);

        private void Enqueue(Tensor embeddings, long n)
        {
            // Shift the queue by one batch and put the newest large-crop embeddings in front.
            for (var i = 0; i < _settings.LargeCrops; i++)
            {
                var q = _queue![i];
                q.narrow(0, n, _settings.Queue - n).copy_(q.narrow(0, 0, _settings.Queue - n).clone());
                q.narrow(0, 0, n).copy_(embeddings.narrow(0, i * n, n));
            }

            _queued = Math.Min(_settings.Queue, _queued + n);
        }

        private void NormalisePrototypes()
        {
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            var w = _prototypes.weight!;
            w.copy_(nn.functional.normalize(w, dim: 1));
        }

        protected override void Dispose(bool disposing)
        {
            _projector.Dispose();
            _prototypes.Dispose();
            _queue?.Dispose();
        }
    }
}
