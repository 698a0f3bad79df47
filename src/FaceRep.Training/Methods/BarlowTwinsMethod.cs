using FaceRep.Core.Experiments;
using FaceRep.Training.Backbones;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceRep.Training.Methods;

/// <summary>
/// Barlow Twins (Zbontar et al. 2021): the cross-correlation of two views' standardised
/// projections is driven to the identity. Options (paper in brackets): <c>projection_dim</c>
/// 256 [8192], <c>hidden</c> 256 [8192], <c>lambda</c> 0.0051 [0.0051], three projector layers.
/// </summary>
internal sealed class BarlowTwinsMethod : PretrainMethod<BarlowTwinsMethod.Settings>
{
    public override string Name => "barlow";

    protected override int MinBatch => 4;

    protected override Settings ReadSettings(OptionReader options) => new(
        options.Integer("projection_dim", 256, 2, 65_536),
        options.Integer("hidden", 256, 2, 65_536),
        options.Number("lambda", 0.0051, 0, 10));

    protected override ViewPlan Views(Settings settings, PretrainConfig config) => new(ViewStyle.Contrastive, 2);

    protected override PretrainObjective CreateObjective(ResNet backbone, Settings settings, PretrainConfig config, PretrainData data, long totalSteps) =>
        new Objective(new ProjectionHead(backbone.FeatureDim, settings.Hidden, settings.ProjectionDim, layers: 3), settings.Lambda);

    internal sealed record Settings(int ProjectionDim, int Hidden, double Lambda);

    private sealed class Objective(ProjectionHead projector, double lambda) : PretrainObjective
    {
        public override IEnumerable<Parameter> Parameters => projector.parameters();

        public override void Train() => projector.train();

        public override void MoveTo(Device device) => JobDevices.Move(projector, device);

        public override Tensor Loss(Func<Tensor, Tensor> encode, PretrainBatch batch)
        {
            // Views pass separately: Barlow Twins standardises each view's batch on its own.
            var z1 = projector.call(encode(batch.Views[0]));
            var z2 = projector.call(encode(batch.Views[1]));
            return Losses.BarlowTwins(z1, z2, lambda);
        }

        protected override void Dispose(bool disposing) => projector.Dispose();
    }
}
