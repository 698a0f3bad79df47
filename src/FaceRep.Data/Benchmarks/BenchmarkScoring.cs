using FaceRep.Core.Metrics;

namespace FaceRep.Data.Benchmarks;

/// <summary>The official metrics shared by several benchmarks, on predictions mapped back to the original images.</summary>
public static class BenchmarkScoring
{
    /// <summary>
    /// 2D landmark metrics: each face's prediction is mapped from its crop to the original image and its NME
    /// taken against the annotation with the benchmark's normaliser; the NME over all faces is <c>nme_io</c>,
    /// with <c>fr_10</c> and <c>auc_10</c>; over each subset present, the same names with <c>@subset</c>
    /// (FR and AUC per subset only when <paramref name="failureAndAucPerSubset"/>).
    /// </summary>
    public static IReadOnlyDictionary<string, double> Landmarks(IReadOnlyList<BenchmarkItem> items, ReadOnlySpan<float> predictions, int points,
        LandmarkNormaliser normaliser, IReadOnlyList<string> subsets, bool failureAndAucPerSubset)
    {
        var nme = PerFaceNme(items, predictions, points, normaliser);
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        void Add(string suffix, double[] errors, bool failureAndAuc)
        {
            string Name(MetricDefinition metric) => suffix.Length == 0 ? metric.Name : MetricDefinitions.OnSubset(metric.Name, suffix);
            metrics[Name(MetricDefinitions.NmeInterOcular)] = errors.Average();
            if (!failureAndAuc)
                return;
            metrics[Name(MetricDefinitions.FailureRate10)] = LandmarkMetrics.FailureRate(errors, 0.1);
            metrics[Name(MetricDefinitions.Auc10)] = LandmarkMetrics.AucAt(errors, 0.1);
        }

        Add("", nme, failureAndAuc: true);
        foreach (var subset in subsets)
        {
            var inSubset = nme.Where((_, i) => items[i].Subsets.Contains(subset)).ToArray();
            if (inSubset.Length > 0)
                Add(subset, inSubset, failureAndAucPerSubset);
        }

        return metrics;
    }

    /// <summary>Each face's NME in the original image: its prediction mapped back, its annotation as read.</summary>
    public static double[] PerFaceNme(IReadOnlyList<BenchmarkItem> items, ReadOnlySpan<float> predictions, int points, LandmarkNormaliser normaliser)
    {
        var stride = 2 * points;
        if (predictions.Length != items.Count * stride)
            throw new ArgumentException($"{predictions.Length} predicted values for {items.Count} faces of {points} points", nameof(predictions));
        var predicted = new float[predictions.Length];
        var truth = new float[predictions.Length];
        for (var f = 0; f < items.Count; f++)
        {
            items[f].ToOriginal(predictions.Slice(f * stride, stride), 2).CopyTo(predicted, f * stride);
            items[f].OriginalPoints.AsSpan(0, stride).CopyTo(truth.AsSpan(f * stride));
        }

        var normalise = normaliser is LandmarkNormaliser.Given ? new LandmarkNormaliser.Given([.. items.Select(i => i.Normaliser)]) : normaliser;
        return BenchmarkLandmarkMetrics.PerFaceNme(predicted, truth, points, normalise);
    }
}
