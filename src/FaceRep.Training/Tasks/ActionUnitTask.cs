using FaceRep.Core.Metrics;
using FaceRep.Data;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FaceRep.Training.Tasks;

/// <summary>
/// Action-unit intensity: all 16 AUs regressed from pooled features (targets scaled from 0–5
/// to 0–1, MSE), few-shot subsets drawn by subject (no subject in both the subset and the
/// rest, as AU datasets are split), measured per AU and on average by ICC(3,1), PCC and MAE.
/// On DISFA the head regresses its twelve action units, and the benchmark measures them.
/// </summary>
public sealed class ActionUnitTask : EvaluationTask
{
    /// <inheritdoc />
    public override string Name => "au";

    private readonly IReadOnlyList<int> _units;

    /// <summary>The task on SynthFace's 16 action units.</summary>
    public ActionUnitTask()
        : this(SynthFaceLabels.ActionUnits)
    {
    }

    private ActionUnitTask(IReadOnlyList<int> units) => _units = units;

    /// <inheritdoc />
    public override int LabelWidth => _units.Count;

    /// <summary>The action units regressed, in output order.</summary>
    public IReadOnlyList<int> ActionUnits => _units;

    /// <inheritdoc />
    public override EvaluationTask For(Data.Benchmarks.BenchmarkKind benchmark) =>
        benchmark is Data.Benchmarks.Disfa ? new ActionUnitTask(Data.Benchmarks.Disfa.ActionUnits) : this;

    /// <inheritdoc />
    public override void Label(FaceSample sample, Span<float> label)
    {
        if (_units.Count != SynthFaceLabels.ActionUnits.Count)
            throw new InvalidOperationException("SynthFace samples carry SynthFace's 16 action units");
        sample.ActionUnits.CopyTo(label);
    }

    /// <inheritdoc />
    public override void Label(Data.Benchmarks.BenchmarkItem item, float scale, Span<float> label)
    {
        if (item.Values.Length != _units.Count)
            throw new Core.Experiments.JobFailedException(Core.Experiments.FailureKind.Deterministic,
                $"{item.Source} has {item.Values.Length} action-unit intensities; the benchmark scores {_units.Count}");
        item.Values.CopyTo(label);
    }

    /// <inheritdoc />
    public override int[] FewShotSubset(TaskData train, double shots, int seed) =>
        FewShot.SubjectExclusive(train.Identities, shots, seed, Name);

    /// <inheritdoc />
    public override TaskHead CreateHead(long[] featureShape, TaskData train, IReadOnlyList<int> subset)
    {
        var targets = train.LabelsOf(subset);
        for (var i = 0; i < targets.Length; i++)
            targets[i] /= SynthFaceLabels.MaxIntensity;
        return new Head(new RegressionHead(featureShape[0], LabelWidth, targets), _units);
    }

    private sealed class Head(RegressionHead regression, IReadOnlyList<int> actionUnits) : TaskHead
    {
        private Tensor _scale = tensor(SynthFaceLabels.MaxIntensity, device: JobDevices.Cpu).DetachFromDisposeScope();

        public override IEnumerable<Parameter> Parameters => regression.Parameters;

        public override void SetTraining(bool training) => regression.SetTraining(training);

        public override void MoveTo(Device device)
        {
            regression.MoveTo(device);
            JobDevices.Move(ref _scale, device);
        }

        public override Tensor Forward(Tensor features) => regression.Forward(features);

        public override Tensor Loss(Tensor output, Tensor labels) => functional.mse_loss(output, labels.div(_scale));

        public override Tensor Decode(Tensor output) => output.mul(_scale);

        public override IReadOnlyDictionary<string, double> Metrics(float[] predictions, TaskData test)
        {
            var units = actionUnits.Count;
            var icc = RegressionMetrics.MeanOverColumns(predictions, test.Labels, units, RegressionMetrics.Icc31, out var perUnit);
            var metrics = new Dictionary<string, double>(StringComparer.Ordinal)
            {
                ["icc"] = icc,
                ["pcc"] = RegressionMetrics.MeanOverColumns(predictions, test.Labels, units, RegressionMetrics.Pearson, out _),
                ["mae"] = RegressionMetrics.MeanOverColumns(predictions, test.Labels, units, RegressionMetrics.Mae, out _),
            };
            for (var u = 0; u < units; u++)
                metrics[MetricDefinitions.IccForActionUnit(actionUnits[u]).Name] = perUnit[u];
            return metrics;
        }

        protected override void Dispose(bool disposing)
        {
            regression.Dispose();
            _scale.Dispose();
        }
    }
}
