using FaceRep.Core.Experiments;
using FaceRep.Training.Backbones;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceRep.Training.Methods;

/// <summary>
/// Supervised pre-training by identity classification, the paper's supervised baseline:
/// a softmax classifier on the pooled features, or an ArcFace additive angular margin
/// (Deng et al. 2019). Needs identity labels (curated or video data). Options: <c>head</c>
/// softmax | arcface (arcface), <c>scale</c> 16 (64 in ArcFace, for far more identities),
/// <c>margin</c> 0.3 (0.5 in ArcFace).
/// </summary>
internal sealed class SupervisedMethod : PretrainMethod<SupervisedMethod.Settings>
{
    public override string Name => "supervised";

    protected override bool NeedsIdentities => true;

    protected override bool TakesViewOptions => false;

    protected override Settings ReadSettings(OptionReader options) => new(
        options.Choice("head", "arcface", "softmax", "arcface"),
        options.Number("scale", 16, 0, 1024, exclusiveMin: true),
        options.Number("margin", 0.3, 0, 1.5));

    protected override ViewPlan Views(Settings settings, PretrainConfig config) => new(ViewStyle.Light, 1);

    protected override PretrainObjective CreateObjective(ResNet backbone, Settings settings, PretrainConfig config, PretrainData data, long totalSteps)
    {
        var classes = PretrainSession.IdentityIndex(data).Count;
        return settings.Head == "softmax"
            ? new Softmax(nn.Linear(backbone.FeatureDim, classes))
            : new ArcFace(new Parameter(nn.init.xavier_uniform_(empty(classes, backbone.FeatureDim, device: JobDevices.Cpu))), settings);
    }

    internal sealed record Settings(string Head, double Scale, double Margin);

    private sealed class Softmax(Linear classifier) : PretrainObjective
    {
        public override IEnumerable<Parameter> Parameters => classifier.parameters();

        public override void Train() => classifier.train();

        public override void MoveTo(Device device) => JobDevices.Move(classifier, device);

        public override Tensor Loss(Func<Tensor, Tensor> encode, PretrainBatch batch) =>
            Losses.SoftmaxCrossEntropy(classifier.call(encode(batch.Views[0])), batch.Identities!);

        protected override void Dispose(bool disposing) => classifier.Dispose();
    }

    private sealed class ArcFace(Parameter classWeights, Settings settings) : PretrainObjective
    {
        public override IEnumerable<Parameter> Parameters => [classWeights];

        public override void Train()
        {
        }

        public override void MoveTo(Device device) => JobDevices.Move(ref classWeights, device);

        public override Tensor Loss(Func<Tensor, Tensor> encode, PretrainBatch batch) =>
            Losses.ArcFace(encode(batch.Views[0]), classWeights, batch.Identities!, settings.Scale, settings.Margin);

        protected override void Dispose(bool disposing) => classWeights.Dispose();
    }
}
