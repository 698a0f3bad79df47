using FaceRep.Core.Metrics;
using FaceRep.Data;
using FaceRep.Training.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FaceRep.Training.Tasks;

/// <summary>
/// 2D landmark localisation with a heatmap head: transposed convolutions upsample the last
/// feature map to a quarter of the input size, one heatmap per point, decoded by soft-argmax
/// (sub-pixel) and trained with L1 loss on the decoded coordinates in units of the image size
/// (integral regression: learns in a few hundred steps where MSE toward Gaussian targets needs
/// thousands). Measured by NME under the inter-ocular, box-diagonal and box-size
/// normalisations, failure rate at 0.1 and AUC@0.1.
/// </summary>
public sealed class LandmarkTask(int points = LandmarkTask.PointCount) : EvaluationTask
{
    /// <summary>Points per face on SynthFace (the 68-point layout).</summary>
    public const int PointCount = 68;

    /// <summary>Points per face this head predicts.</summary>
    public int Points { get; } = points > 0 ? points : throw new ArgumentOutOfRangeException(nameof(points), points, "a face needs at least one point");

    /// <inheritdoc />
    public override string Name => "landmarks";

    /// <inheritdoc />
    public override int LabelWidth => 2 * Points;

    /// <inheritdoc />
    public override EvaluationTask For(Data.Benchmarks.BenchmarkKind benchmark) =>
        benchmark.Points == Points ? this : new LandmarkTask(benchmark.Points);

    /// <inheritdoc />
    public override PointLabels PointLabels => PointLabels.TwoD;

    /// <inheritdoc />
    public override HeadInput Input => HeadInput.Map;

    /// <inheritdoc />
    public override void Label(FaceSample sample, Span<float> label) => sample.Landmarks.CopyTo(label);

    /// <inheritdoc />
    public override void Label(Data.Benchmarks.BenchmarkItem item, float scale, Span<float> label)
    {
        if (item.Points.Length != LabelWidth)
            throw new Core.Experiments.JobFailedException(Core.Experiments.FailureKind.Deterministic, $"{item.Source} has {item.Points.Length / 2} points; this landmark head predicts {Points}");
        for (var i = 0; i < LabelWidth; i++)
            label[i] = item.Points[i] * scale;
    }

    /// <inheritdoc />
    public override void ToCrop(Span<float> predictions, float scale)
    {
        for (var i = 0; i < predictions.Length; i++)
            predictions[i] /= scale;
    }

    /// <inheritdoc />
    public override TaskHead CreateHead(long[] featureShape, TaskData train, IReadOnlyList<int> subset) =>
        new Head(featureShape, train.Resolution, Points);

    private sealed class Head : TaskHead
    {
        private readonly HeatmapHead _net;
        private readonly int _resolution;
        private Tensor _scale;
        private readonly int _points;

        public Head(long[] featureShape, int resolution, int points)
        {
            _resolution = resolution;
            _points = points;
            _scale = tensor((float)resolution, device: JobDevices.Cpu).DetachFromDisposeScope();
            // SimpleBaseline's 256 deconvolution channels on ResNet-50's 2048 features, scaled with the backbone.
            _net = new HeatmapHead(featureShape[0], featureShape[1], resolution / 4, points, hidden: Math.Max(32, featureShape[0] / 8));
        }

        public override IEnumerable<Parameter> Parameters => _net.parameters();

        public override void SetTraining(bool training) => _net.train(training);

        public override void MoveTo(Device device)
        {
            JobDevices.Move(_net, device);
            JobDevices.Move(ref _scale, device);
        }

        public override Tensor Forward(Tensor features) => _net.call(features);

        public override Tensor Loss(Tensor output, Tensor labels) =>
            functional.l1_loss(Heatmaps.SoftArgmax(output, _resolution).div(_scale), labels.div(_scale));

        public override Tensor Decode(Tensor output) => Heatmaps.SoftArgmax(output, _resolution);

        public override IReadOnlyDictionary<string, double> Metrics(float[] predictions, TaskData test)
        {
            // SynthFace's 68-point layout (a benchmark's faces are scored by its own official metrics).
            var io = LandmarkMetrics.PerFaceNme(predictions, test.Labels, _points, NmeNormalisation.InterOcular);
            return new Dictionary<string, double>(StringComparer.Ordinal)
            {
                [MetricDefinitions.NmeInterOcular.Name] = io.Average(),
                ["nme_diag"] = LandmarkMetrics.MeanNme(predictions, test.Labels, _points, NmeNormalisation.Diagonal),
                ["nme_box"] = LandmarkMetrics.MeanNme(predictions, test.Labels, _points, NmeNormalisation.Box),
                ["fr_10"] = LandmarkMetrics.FailureRate(io, 0.1),
                ["auc_10"] = LandmarkMetrics.AucAt(io, 0.1),
            };
        }

        protected override void Dispose(bool disposing)
        {
            _net.Dispose();
            _scale.Dispose();
        }
    }
}

/// <summary>
/// Upsamples a feature map (C, h, w) to heatmaps (points, H, H) with stride-2 transposed
/// convolutions (each followed by batch norm and ReLU) and a final 1×1 convolution, as
/// SimpleBaseline's head; a final bilinear resize covers sizes that are not h·2^k.
/// </summary>
public sealed class HeatmapHead : Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly Sequential deconv;
    private readonly ConvLayer final;
#pragma warning restore IDE1006
    private readonly long _size;

    /// <summary>Creates the head.</summary>
    public HeatmapHead(long channels, long mapSize, long heatmapSize, int points, long hidden = 64)
        : base(nameof(HeatmapHead))
    {
        _size = heatmapSize;
        var layers = new List<Module<Tensor, Tensor>>();
        var inChannels = channels;
        for (var size = mapSize; size < heatmapSize; size *= 2)
        {
            layers.Add(ConvLayer.ConvTranspose2d(inChannels, hidden, kernelSize: 4, stride: 2, padding: 1, bias: false));
            layers.Add(new BatchNormLayer(hidden));
            layers.Add(ReLU());
            inChannels = hidden;
        }

        deconv = Sequential(layers);
        final = ConvLayer.Conv2d(inChannels, points, kernelSize: 1);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var y = final.call(deconv.call(input));
        if (y.shape[2] != _size)
            y = functional.interpolate(y, [_size, _size], mode: InterpolationMode.Bilinear, align_corners: false);
        return y.MoveToOuterDisposeScope();
    }
}
