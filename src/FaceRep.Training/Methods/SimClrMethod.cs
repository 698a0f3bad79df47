using FaceRep.Core.Experiments;
using FaceRep.Training.Backbones;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceRep.Training.Methods;

/// <summary>
/// SimCLR (Chen et al. 2020): two augmented views of each image pass through the backbone and
/// an MLP projector; NT-Xent pulls each view toward its twin and away from the other 2N − 2.
/// Options: <c>projection_dim</c> (64), <c>hidden</c> (max(64, backbone features)).
/// </summary>
internal sealed class SimClrMethod : PretrainMethod<SimClrMethod.Settings>
{
    public override string Name => "simclr";

    protected override Settings ReadSettings(OptionReader options) => new(
        options.Integer("projection_dim", 64, 2, 65_536),
        options.Integer("hidden", 0, 0, 65_536));

    protected override ViewPlan Views(Settings settings, PretrainConfig config) => new(ViewStyle.Contrastive, 2);

    protected override PretrainObjective CreateObjective(ResNet backbone, Settings settings, PretrainConfig config, PretrainData data, long totalSteps) =>
        new Objective(new ProjectionHead(backbone.FeatureDim, settings.Hidden > 0 ? settings.Hidden : Math.Max(64, backbone.FeatureDim), settings.ProjectionDim), config.Temperature);

    internal sealed record Settings(int ProjectionDim, int Hidden);

    private sealed class Objective(ProjectionHead projector, double temperature) : PretrainObjective
    {
        public override IEnumerable<Parameter> Parameters => projector.parameters();

        public override void Train() => projector.train();

        public override void MoveTo(Device device) => JobDevices.Move(projector, device);

        public override Tensor Loss(Func<Tensor, Tensor> encode, PretrainBatch batch)
        {
            // Both views in one pass: one larger batch is faster, and batch statistics span both views as in SimCLR.
            var z = projector.call(encode(cat([batch.Views[0], batch.Views[1]], 0))).chunk(2);
            return Losses.NtXent(z[0], z[1], temperature);
        }

        protected override void Dispose(bool disposing) => projector.Dispose();
    }
}
