using FaceRep.Core.Metrics;
using FaceRep.Data;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FaceRep.Training.Tasks;

/// <summary>
/// Emotion: 8-class expression classification plus valence and arousal regression from pooled
/// features (cross-entropy + MSE), few-shot subsets stratified by class, measured by accuracy,
/// macro-F1, and valence/arousal CCC and RMSE (AffectNet's protocol).
/// </summary>
public sealed class EmotionTask : EvaluationTask
{
    private const int Classes = 8;

    /// <inheritdoc />
    public override string Name => "emotion";

    /// <summary>Class, valence, arousal.</summary>
    public override int LabelWidth => 3;

    /// <inheritdoc />
    public override void Label(FaceSample sample, Span<float> label)
    {
        label[0] = sample.Emotion;
        label[1] = sample.Valence;
        label[2] = sample.Arousal;
    }

    /// <inheritdoc />
    public override void Label(Data.Benchmarks.BenchmarkItem item, float scale, Span<float> label)
    {
        if (item.Class is < 0 or >= Classes || item.Values.Length != 2)
            throw new Core.Experiments.JobFailedException(Core.Experiments.FailureKind.Deterministic, $"{item.Source} has no expression class 0–7 with valence and arousal");
        label[0] = item.Class;
        label[1] = item.Values[0];
        label[2] = item.Values[1];
    }

    /// <inheritdoc />
    public override int[] FewShotSubset(TaskData train, double shots, int seed)
    {
        var classes = new int[train.Count];
        for (var i = 0; i < train.Count; i++)
            classes[i] = (int)train.Label(i)[0];
        return FewShot.Stratified(classes, shots, seed, Name);
    }

    /// <inheritdoc />
    public override TaskHead CreateHead(long[] featureShape, TaskData train, IReadOnlyList<int> subset) =>
        new Head(Linear(featureShape[0], Classes + 2));

    /// <summary>The subset's most frequent class (the lowest of tied ones) and its mean valence and arousal.</summary>
    public override float[] ConstantPrediction(TaskData train, IReadOnlyList<int> subset)
    {
        var mean = base.ConstantPrediction(train, subset);
        var counts = new int[Classes];
        foreach (var i in subset)
            counts[(int)train.Label(i)[0]]++;
        mean[0] = Array.IndexOf(counts, counts.Max());
        return mean;
    }

    private sealed class Head(Linear linear) : TaskHead
    {
        public override IEnumerable<Parameter> Parameters => linear.parameters();

        public override void SetTraining(bool training) => linear.train(training);

        public override void MoveTo(Device device) => JobDevices.Move(linear, device);

        public override Tensor Forward(Tensor features) => linear.call(features);

        public override Tensor Loss(Tensor output, Tensor labels)
        {
            var classes = labels.select(1, 0).to_type(ScalarType.Int64);
            var classification = functional.cross_entropy(output.narrow(1, 0, Classes), classes);
            var regression = functional.mse_loss(output.narrow(1, Classes, 2), labels.narrow(1, 1, 2));
            return classification.add(regression, HeldScalars.One);
        }

        public override Tensor Decode(Tensor output)
        {
            var predicted = output.narrow(1, 0, Classes).argmax(1, keepdim: true).to_type(ScalarType.Float32);
            return cat([predicted, output.narrow(1, Classes, 2)], 1);
        }

        public override IReadOnlyDictionary<string, double> Metrics(float[] predictions, TaskData test)
        {
            var n = test.Count;
            int[] predicted = new int[n], truth = new int[n];
            float[] valence = new float[n], arousal = new float[n], trueValence = new float[n], trueArousal = new float[n];
            for (var i = 0; i < n; i++)
            {
                predicted[i] = (int)predictions[3 * i];
                valence[i] = predictions[(3 * i) + 1];
                arousal[i] = predictions[(3 * i) + 2];
                var label = test.Label(i);
                truth[i] = (int)label[0];
                trueValence[i] = label[1];
                trueArousal[i] = label[2];
            }

            return new Dictionary<string, double>(StringComparer.Ordinal)
            {
                ["accuracy"] = ClassificationMetrics.Accuracy(predicted, truth),
                ["macro_f1"] = ClassificationMetrics.MacroF1(predicted, truth, Classes),
                ["valence_ccc"] = RegressionMetrics.Ccc(valence, trueValence),
                ["arousal_ccc"] = RegressionMetrics.Ccc(arousal, trueArousal),
                ["valence_rmse"] = RegressionMetrics.Rmse(valence, trueValence),
                ["arousal_rmse"] = RegressionMetrics.Rmse(arousal, trueArousal),
            };
        }

        protected override void Dispose(bool disposing) => linear.Dispose();
    }
}
