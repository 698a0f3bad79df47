namespace FaceRep.Core.Statistics;

/// <summary>
/// Percentile bootstrap confidence interval of the mean of a small sample (typically one metric
/// over seeds). Each resample draws n values with replacement and takes their mean; the bounds
/// are the (1 − level)/2 and (1 + level)/2 quantiles of the resample means, with linear
/// interpolation between order statistics (the "type 7" rule, numpy.percentile's default).
/// Resampling uses xoshiro256** seeded by SplitMix64, so an interval is a pure function of
/// (sample, resamples, level, seed) on every runtime.
/// </summary>
/// <remarks>
/// With very few values the percentile bootstrap under-covers (it cannot be wider than the
/// sample's range and treats the sample as the population); report n next to the interval and
/// prefer <see cref="StudentT.MeanInterval"/> when normality of the mean is a fair assumption.
/// </remarks>
public static class BootstrapCi
{
    /// <summary>Resamples drawn when none is given: 10,000.</summary>
    public const int DefaultResamples = 10_000;

    /// <summary>Seed used when none is given, so reports are reproducible by default.</summary>
    public const ulong DefaultSeed = 0x5EED_FACE_2024UL;

    /// <summary>
    /// Percentile bootstrap interval of the mean. An empty sample gives NaN bounds; one value x
    /// gives [x, x] (every resample is x).
    /// </summary>
    /// <param name="sample">The values; all must be finite.</param>
    /// <param name="resamples">Number of bootstrap resamples, ≥ 1.</param>
    /// <param name="level">Confidence level in (0, 1).</param>
    /// <param name="seed">Generator seed; the same seed gives the same interval.</param>
    /// <exception cref="ArgumentException">A value is NaN or infinite.</exception>
    /// <exception cref="ArgumentOutOfRangeException">resamples &lt; 1 or level not in (0, 1).</exception>
    public static ConfidenceInterval OfMean(
        IReadOnlyList<double> sample,
        int resamples = DefaultResamples,
        double level = ConfidenceInterval.DefaultLevel,
        ulong seed = DefaultSeed)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 1);
        ConfidenceInterval.CheckLevel(level);
        ConfidenceInterval.CheckFinite(sample, nameof(sample));

        var n = sample.Count;
        if (n == 0)
        {
            return new ConfidenceInterval(double.NaN, double.NaN, level, resamples);
        }

        if (n == 1)
        {
            return new ConfidenceInterval(sample[0], sample[0], level, resamples);
        }

        var rng = new Xoshiro256StarStar(seed);
        var means = new double[resamples];
        for (var r = 0; r < resamples; r++)
        {
            var sum = 0.0;
            for (var i = 0; i < n; i++)
            {
                sum += sample[rng.NextInt(n)];
            }

            means[r] = sum / n;
        }

        Array.Sort(means);
        var alpha = 1 - level;
        return new ConfidenceInterval(Percentile(means, alpha / 2), Percentile(means, 1 - (alpha / 2)), level, resamples);
    }

    /// <summary>Quantile p of ascending values with linear interpolation at h = (count − 1)·p ("type 7").</summary>
    internal static double Percentile(double[] sorted, double p)
    {
        var h = (sorted.Length - 1) * p;
        var below = (int)Math.Floor(h);
        if (below >= sorted.Length - 1)
        {
            return sorted[^1];
        }

        var fraction = h - below;
        return sorted[below] + (fraction * (sorted[below + 1] - sorted[below]));
    }
}
