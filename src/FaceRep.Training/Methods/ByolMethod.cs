using FaceRep.Core.Experiments;
using FaceRep.Training.Backbones;
using FaceRep.Training.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceRep.Training.Methods;

/// <summary>
/// BYOL (Grill et al. 2020): an online network (backbone, projector, predictor) predicts the
/// projection a target network gives the other view; the target is an EMA of the online network
/// whose momentum rises from <c>target_momentum</c> to 1 on a cosine schedule; the loss is
/// symmetrised. Options (paper in brackets): <c>target_momentum</c> 0.99 [0.996],
/// <c>projection_dim</c> 64 [256], <c>hidden</c> max(128, 2·features) [4096].
/// </summary>
internal sealed class ByolMethod : PretrainMethod<ByolMethod.Settings>
{
    public override string Name => "byol";

    protected override Settings ReadSettings(OptionReader options) => new(
        options.Number("target_momentum", 0.99, 0, 1),
        options.Integer("projection_dim", 64, 2, 65_536),
        options.Integer("hidden", 0, 0, 65_536));

    protected override ViewPlan Views(Settings settings, PretrainConfig config) => new(ViewStyle.Contrastive, 2);

    protected override PretrainObjective CreateObjective(ResNet backbone, Settings settings, PretrainConfig config, PretrainData data, long totalSteps)
    {
        var hidden = settings.Hidden > 0 ? settings.Hidden : Math.Max(128, 2 * backbone.FeatureDim);
        var projector = new ProjectionHead(backbone.FeatureDim, hidden, settings.ProjectionDim);
        var predictor = new ProjectionHead(settings.ProjectionDim, hidden, settings.ProjectionDim);
        var targetBackbone = BackboneRegistry.Create(config.Backbone);
        var targetProjector = new ProjectionHead(backbone.FeatureDim, hidden, settings.ProjectionDim);
        Ema.CopyInto(backbone, targetBackbone);
        Ema.CopyInto(projector, targetProjector);
        return new Objective(settings, projector, predictor, targetBackbone, targetProjector);
    }

    /// <summary>BYOL's target momentum at a step: 1 − (1 − base)·(cos(π·step/total) + 1)/2.</summary>
    internal static double TargetMomentum(double baseMomentum, long step, long totalSteps) =>
        1 - ((1 - baseMomentum) * (Math.Cos(Math.PI * step / Math.Max(1, totalSteps)) + 1) / 2);

    internal sealed record Settings(double TargetMomentum, int ProjectionDim, int Hidden);

    private sealed class Objective(Settings settings, ProjectionHead projector, ProjectionHead predictor, ResNet targetBackbone, ProjectionHead targetProjector)
        : PretrainObjective
    {
        public override IEnumerable<Parameter> Parameters => projector.parameters().Concat(predictor.parameters());

        public override void Train()
        {
            projector.train();
            predictor.train();
            targetBackbone.train();
            targetProjector.train();
        }

        public override void MoveTo(Device device)
        {
            JobDevices.Move(projector, device);
            JobDevices.Move(predictor, device);
            JobDevices.Move(targetBackbone, device);
            JobDevices.Move(targetProjector, device);
        }

        public override Tensor Loss(Func<Tensor, Tensor> encode, PretrainBatch batch)
        {
            var both = cat([batch.Views[0], batch.Views[1]], 0);
            var p = predictor.call(projector.call(encode(both))).chunk(2);
            Tensor[] z;
            using (no_grad())
                z = targetProjector.call(targetBackbone.call(both)).chunk(2);
            // Symmetrised: each view's prediction of the other view's target projection.
            return Losses.Byol(p[0], z[1]).add_(Losses.Byol(p[1], z[0]), HeldScalars.One);
        }

        public override void AfterUpdate(ResNet backbone, long step, long totalSteps)
        {
            var m = TargetMomentum(settings.TargetMomentum, step, totalSteps);
            Ema.Update(targetBackbone, backbone, m);
            Ema.Update(targetProjector, projector, m);
        }

        protected override void Dispose(bool disposing)
        {
            projector.Dispose();
            predictor.Dispose();
            targetBackbone.Dispose();
            targetProjector.Dispose();
        }
    }
}
