using FaceRep.Core.Metrics;
using FaceRep.Data;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FaceRep.Training.Tasks;

/// <summary>
/// 3D face alignment: the 68 points in 3D regressed from the flattened last feature map
/// (coordinates in units of the image size, centred), trained with L1 loss, measured by NME
/// normalised by the ground truth's 2D box size, in 3D and in x, y (as AFLW2000-3D is reported).
/// </summary>
public sealed class Landmark3DTask : EvaluationTask
{
    private const int PointCount = 68;

    /// <inheritdoc />
    public override string Name => "landmarks3d";

    /// <inheritdoc />
    public override int LabelWidth => 3 * PointCount;

    /// <inheritdoc />
    public override PointLabels PointLabels => PointLabels.ThreeD;

    /// <summary>
    /// On a benchmark scored on the 3D landmarks' x and y (AFLW2000-3D, as 3DDFA scores it, trained on 300W-LP,
    /// which has no depth), a 2D landmark head of its points; on one with depth, this head.
    /// </summary>
    public override EvaluationTask For(Data.Benchmarks.BenchmarkKind benchmark) =>
        benchmark.Dimensions == 2 ? new LandmarkTask(benchmark.Points) : this;

    /// <inheritdoc />
    public override HeadInput Input => HeadInput.Map;

    /// <inheritdoc />
    public override void Label(FaceSample sample, Span<float> label) => sample.Landmarks3D.CopyTo(label);

    /// <inheritdoc />
    public override TaskHead CreateHead(long[] featureShape, TaskData train, IReadOnlyList<int> subset)
    {
        var targets = train.LabelsOf(subset);
        Normalise(targets, train.Resolution);
        return new Head(new RegressionHead(featureShape.Aggregate(1L, (a, b) => a * b), LabelWidth, targets), train.Resolution);
    }

    /// <summary>Image pixels to the head's space: x, y centred on the image; all three in units of the image size.</summary>
    private static void Normalise(Span<float> values, int resolution)
    {
        for (var i = 0; i < values.Length; i++)
            values[i] = (values[i] / resolution) - (i % 3 == 2 ? 0 : 0.5f);
    }

    private sealed class Head(RegressionHead regression, int resolution) : TaskHead
    {
        private Tensor _scale = tensor(Enumerable.Repeat(1f / resolution, 3 * PointCount).ToArray(), device: JobDevices.Cpu).DetachFromDisposeScope();
        private Tensor _offset = tensor(Enumerable.Range(0, 3 * PointCount).Select(i => i % 3 == 2 ? 0f : 0.5f).ToArray(), device: JobDevices.Cpu).DetachFromDisposeScope();

        public override IEnumerable<Parameter> Parameters => regression.Parameters;

        public override void SetTraining(bool training) => regression.SetTraining(training);

        public override void MoveTo(Device device)
        {
            regression.MoveTo(device);
            JobDevices.Move(ref _scale, device);
            JobDevices.Move(ref _offset, device);
        }

        public override Tensor Forward(Tensor features) => regression.Forward(features);

        public override Tensor Loss(Tensor output, Tensor labels) =>
            functional.l1_loss(output, labels.mul(_scale).sub(_offset));

        public override Tensor Decode(Tensor output) => output.add(_offset, HeldScalars.One).div(_scale);

        public override IReadOnlyDictionary<string, double> Metrics(float[] predictions, TaskData test) =>
            new Dictionary<string, double>(StringComparer.Ordinal)
            {
                ["nme3d_box"] = Landmark3DMetrics.MeanNme3D(predictions, test.Labels, PointCount),
                ["nme2d_box"] = Landmark3DMetrics.MeanNme2D(predictions, test.Labels, PointCount),
            };

        protected override void Dispose(bool disposing)
        {
            regression.Dispose();
            _scale.Dispose();
            _offset.Dispose();
        }
    }
}
