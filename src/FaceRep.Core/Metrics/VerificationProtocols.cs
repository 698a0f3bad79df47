namespace FaceRep.Core.Metrics;

/// <summary>
/// The recognition benchmarks' protocols as insightface evaluates them: LFW's ten folds with a
/// threshold chosen on nine, and IJB-B's template features and TAR at FAR read off the ROC curve.
/// </summary>
public static class VerificationProtocols
{
    /// <summary>insightface's threshold grid for squared distances of unit vectors: 0, 0.01, …, 3.99.</summary>
    public static IReadOnlyList<double> LfwThresholds { get; } = Enumerable.Range(0, 400).Select(i => i * 0.01).ToArray();

    /// <summary>
    /// LFW's ten-fold protocol as insightface's <c>calculate_roc</c>: each pair's squared Euclidean
    /// distance between L2-normalised embeddings; the folds are contiguous runs of pairs in the
    /// pairs file's order (scikit-learn's KFold without shuffling); for each fold the threshold of
    /// the grid most accurate on the other folds (the first of equals) is applied to it, a pair
    /// being called the same when its distance is below the threshold.
    /// </summary>
    /// <param name="first">The first image's embedding of each pair, <paramref name="dimensions"/> values per pair.</param>
    /// <param name="second">The second image's embedding, in the same layout.</param>
    /// <param name="dimensions">Values per embedding.</param>
    /// <param name="same">Whether each pair shows one person.</param>
    /// <param name="folds">Folds (10 for LFW).</param>
    /// <exception cref="ArgumentException">The lengths disagree, a value is not finite, an embedding is zero, or there are fewer pairs than folds.</exception>
    public static LfwAccuracy TenFold(ReadOnlySpan<float> first, ReadOnlySpan<float> second, int dimensions, ReadOnlySpan<bool> same, int folds = 10)
    {
        MetricInput.SameLengthNotEmpty(first.Length, second.Length);
        MetricInput.Finite(first);
        MetricInput.Finite(second);
        if (dimensions <= 0 || first.Length % dimensions != 0 || first.Length / dimensions != same.Length)
            throw new ArgumentException($"{first.Length} values are not {same.Length} embeddings of {dimensions}", nameof(dimensions));
        var n = same.Length;
        if (folds < 2 || n < folds)
            throw new ArgumentException($"{n} pairs cannot make {folds} folds", nameof(folds));

        var distances = new double[n];
        for (var i = 0; i < n; i++)
        {
            var a = Unit(first.Slice(i * dimensions, dimensions), i);
            var b = Unit(second.Slice(i * dimensions, dimensions), i);
            double d = 0;
            for (var k = 0; k < dimensions; k++)
                d += (a[k] - b[k]) * (a[k] - b[k]);
            distances[i] = d;
        }

        return TenFold(distances, same, folds);
    }

    /// <summary><see cref="TenFold(ReadOnlySpan{float}, ReadOnlySpan{float}, int, ReadOnlySpan{bool}, int)"/> from the pairs' squared distances.</summary>
    /// <param name="distances">Each pair's squared distance between unit embeddings (0 to 4).</param>
    /// <param name="same">Whether each pair shows one person.</param>
    /// <param name="folds">Folds.</param>
    public static LfwAccuracy TenFold(ReadOnlySpan<double> distances, ReadOnlySpan<bool> same, int folds = 10)
    {
        MetricInput.SameLengthNotEmpty(distances.Length, same.Length);
        MetricInput.Finite(distances);
        var n = same.Length;
        if (folds < 2 || n < folds)
            throw new ArgumentException($"{n} pairs cannot make {folds} folds", nameof(folds));

        // KFold: the first n % folds folds hold one pair more.
        var bounds = new int[folds + 1];
        for (var f = 0; f < folds; f++)
            bounds[f + 1] = bounds[f] + (n / folds) + (f < n % folds ? 1 : 0);

        var accuracies = new double[folds];
        var thresholds = new double[folds];
        var grid = LfwThresholds;
        for (var f = 0; f < folds; f++)
        {
            var best = -1;
            var bestCorrect = -1;
            for (var t = 0; t < grid.Count; t++)
            {
                var correct = 0;
                for (var i = 0; i < n; i++)
                {
                    if (i >= bounds[f] && i < bounds[f + 1])
                        continue;
                    if ((distances[i] < grid[t]) == same[i])
                        correct++;
                }

                if (correct > bestCorrect)
                    (best, bestCorrect) = (t, correct);
            }

            var right = 0;
            for (var i = bounds[f]; i < bounds[f + 1]; i++)
            {
                if ((distances[i] < grid[best]) == same[i])
                    right++;
            }

            thresholds[f] = grid[best];
            accuracies[f] = (double)right / (bounds[f + 1] - bounds[f]);
        }

        var mean = accuracies.Average();
        // numpy's std: the population standard deviation.
        var std = Math.Sqrt(accuracies.Sum(a => (a - mean) * (a - mean)) / folds);
        return new LfwAccuracy(mean, std, accuracies, thresholds);
    }

    /// <summary>
    /// IJB-B template features as insightface's <c>image2template_feature</c>: within a template,
    /// the images of one media (a video's frames) are averaged, the media features summed, and the
    /// sum L2-normalised. Images are optionally weighted first (insightface multiplies each by its
    /// detector score). Templates come out in ascending order of id.
    /// </summary>
    /// <param name="features">Each image's feature, <paramref name="dimensions"/> values per image.</param>
    /// <param name="dimensions">Values per feature.</param>
    /// <param name="templates">Each image's template id.</param>
    /// <param name="medias">Each image's media id.</param>
    /// <param name="weights">Each image's weight, or empty for none.</param>
    /// <returns>The template ids, ascending, and their unit features concatenated.</returns>
    public static (int[] Templates, float[] Features) TemplateFeatures(ReadOnlySpan<float> features, int dimensions, ReadOnlySpan<int> templates, ReadOnlySpan<int> medias, ReadOnlySpan<double> weights)
    {
        MetricInput.Finite(features);
        if (dimensions <= 0 || features.Length != templates.Length * dimensions || templates.Length != medias.Length || templates.Length == 0)
            throw new ArgumentException($"{features.Length} feature values, {templates.Length} template ids and {medias.Length} media ids do not describe the same images of {dimensions} values", nameof(features));
        if (!weights.IsEmpty && weights.Length != templates.Length)
            throw new ArgumentException($"{weights.Length} weights for {templates.Length} images", nameof(weights));

        var byTemplate = new SortedDictionary<int, SortedDictionary<int, List<int>>>();
        for (var i = 0; i < templates.Length; i++)
        {
            if (!byTemplate.TryGetValue(templates[i], out var media))
                byTemplate[templates[i]] = media = [];
            if (!media.TryGetValue(medias[i], out var images))
                media[medias[i]] = images = [];
            images.Add(i);
        }

        var ids = byTemplate.Keys.ToArray();
        var result = new float[ids.Length * dimensions];
        var sum = new double[dimensions];
        var mean = new double[dimensions];
        for (var t = 0; t < ids.Length; t++)
        {
            Array.Clear(sum);
            foreach (var images in byTemplate[ids[t]].Values)
            {
                Array.Clear(mean);
                foreach (var i in images)
                {
                    var w = weights.IsEmpty ? 1.0 : weights[i];
                    for (var k = 0; k < dimensions; k++)
                        mean[k] += w * features[(i * dimensions) + k];
                }

                for (var k = 0; k < dimensions; k++)
                    sum[k] += mean[k] / images.Count;
            }

            var norm = Math.Sqrt(sum.Sum(v => v * v));
            // scikit-learn's normalize leaves a zero vector as it is.
            for (var k = 0; k < dimensions; k++)
                result[(t * dimensions) + k] = (float)(norm > 0 ? sum[k] / norm : 0);
        }

        return (ids, result);
    }

    /// <summary>
    /// TAR at each FAR as insightface's IJB evaluation reads it off scikit-learn's ROC curve
    /// (<c>roc_curve</c> with its default dropping of collinear points): the ROC point whose false
    /// positive rate is nearest the target, ties going to the larger rate. The point may lie above
    /// the target; <see cref="VerificationMetrics.TarAtFar(ReadOnlySpan{float}, ReadOnlySpan{bool}, double)"/>
    /// never exceeds it.
    /// </summary>
    /// <param name="scores">Each pair's score (higher: more alike).</param>
    /// <param name="same">Whether each pair is genuine.</param>
    /// <param name="fars">Target false positive rates.</param>
    public static double[] TarAtFarsFromRoc(ReadOnlySpan<float> scores, ReadOnlySpan<bool> same, IReadOnlyList<double> fars)
    {
        var (fpr, tpr) = RocCurve(scores, same);
        var result = new double[fars.Count];
        for (var j = 0; j < fars.Count; j++)
        {
            // insightface flips the curve and takes the first minimum of |fpr − x|: of equally near
            // points, the one with the largest index in scikit-learn's order.
            var best = -1;
            var bestGap = double.PositiveInfinity;
            for (var i = fpr.Length - 1; i >= 0; i--)
            {
                var gap = Math.Abs(fpr[i] - fars[j]);
                if (gap < bestGap)
                    (best, bestGap) = (i, gap);
            }

            result[j] = tpr[best];
        }

        return result;
    }

    /// <summary>
    /// scikit-learn's <c>roc_curve(y, scores)</c> with <c>drop_intermediate=True</c>: one point per
    /// distinct score (descending), collinear points dropped, and (0, 0) prepended.
    /// </summary>
    /// <param name="scores">Each pair's score.</param>
    /// <param name="same">Whether each pair is genuine.</param>
    /// <returns>False and true positive rates, in scikit-learn's order.</returns>
    public static (double[] Fpr, double[] Tpr) RocCurve(ReadOnlySpan<float> scores, ReadOnlySpan<bool> same)
    {
        MetricInput.SameLengthNotEmpty(scores.Length, same.Length);
        MetricInput.Finite(scores);
        var order = Enumerable.Range(0, scores.Length).ToArray();
        var keys = scores.ToArray();
        // Descending by score; a stable sort keeps equal scores together whatever their order.
        var sorted = order.OrderByDescending(i => keys[i]).ToArray();
        var tps = new List<double>();
        var fps = new List<double>();
        double tp = 0, fp = 0;
        for (var k = 0; k < sorted.Length; k++)
        {
            if (same[sorted[k]])
                tp++;
            else
                fp++;
            if (k == sorted.Length - 1 || keys[sorted[k + 1]] != keys[sorted[k]])
            {
                tps.Add(tp);
                fps.Add(fp);
            }
        }

        if (tp == 0 || fp == 0)
            throw new ArgumentException("the pairs are all genuine or all impostors; a ROC curve needs both", nameof(same));

        // drop_intermediate: keep the ends and every point where the curve bends.
        var keep = new List<int> { 0 };
        for (var i = 1; i < tps.Count - 1; i++)
        {
            var bendsFps = fps[i - 1] - (2 * fps[i]) + fps[i + 1];
            var bendsTps = tps[i - 1] - (2 * tps[i]) + tps[i + 1];
            if (bendsFps != 0 || bendsTps != 0)
                keep.Add(i);
        }

        if (tps.Count > 1)
            keep.Add(tps.Count - 1);
        var fpr = new double[keep.Count + 1];
        var tpr = new double[keep.Count + 1];
        for (var i = 0; i < keep.Count; i++)
        {
            fpr[i + 1] = fps[keep[i]] / fp;
            tpr[i + 1] = tps[keep[i]] / tp;
        }

        return (fpr, tpr);
    }

    private static double[] Unit(ReadOnlySpan<float> v, int pair)
    {
        double norm = 0;
        foreach (var x in v)
            norm += (double)x * x;
        norm = Math.Sqrt(norm);
        if (!(norm > 0))
            throw new ArgumentException($"pair {pair} has an all-zero embedding; it has no direction to compare");
        var u = new double[v.Length];
        for (var k = 0; k < v.Length; k++)
            u[k] = v[k] / norm;
        return u;
    }
}

/// <summary>LFW's ten-fold accuracy: mean and (population) standard deviation over the folds, each fold's accuracy and the threshold it used.</summary>
public sealed record LfwAccuracy(double Mean, double Std, IReadOnlyList<double> PerFold, IReadOnlyList<double> Thresholds);
