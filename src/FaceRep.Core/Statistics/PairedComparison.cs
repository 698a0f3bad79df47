namespace FaceRep.Core.Statistics;

/// <summary>Which degenerate case, if any, decided a <see cref="PairedComparison"/>'s tests.</summary>
public enum PairedDegeneracy
{
    /// <summary>At least two pairs with differences that vary: the tests ran normally.</summary>
    None,

    /// <summary>Fewer than two pairs: statistics that need a spread and both p-values are NaN.</summary>
    InsufficientPairs,

    /// <summary>Every difference is exactly zero: no evidence of a difference, both p-values are 1.</summary>
    AllDifferencesZero,

    /// <summary>
    /// Every difference is the same non-zero value: t and d_z are ±∞, but a spread of zero is not
    /// evidence of infinite precision (two seeds that happen to agree, a deterministic effect):
    /// the p-value is the rank test's, 2^(1−n) exactly for n ≤ 20 (all ranks tie, all signs agree),
    /// never 0.
    /// </summary>
    ZeroVariance,
}

/// <summary>
/// Comparison of matched pairs (a_i, b_i), for example two pre-training sources over the same
/// (task, protocol, shots, seed) cells, through their differences d_i = a_i − b_i (positive means
/// a is larger; whether larger is better depends on the metric's direction).
/// </summary>
/// <remarks>
/// The paired t-test is t = mean(d) / (sd(d)/√n) with n − 1 degrees of freedom and a two-sided
/// p-value from Student's t (scipy.stats.ttest_rel). The rank test is
/// <see cref="WilcoxonSignedRank"/>. Degenerate cases, decided by exact floating-point equality,
/// are listed in <see cref="PairedDegeneracy"/>: n &lt; 2 → NaN p-values; all differences zero →
/// mean 0, sd 0, d_z 0, t 0, p 1; identical non-zero differences → d_z and t ±∞ and the p-value
/// the rank test's (never 0). A verdict needs at least <see cref="MinimumPairsForVerdict"/> pairs.
/// </remarks>
/// <param name="Count">Number of pairs, n.</param>
/// <param name="MeanDifference">Mean of the differences (NaN when there are no pairs).</param>
/// <param name="StdDevDifference">Sample standard deviation of the differences (n − 1; 0 for one pair, NaN for none).</param>
/// <param name="EffectSize">Cohen's d_z = mean difference / sd of differences.</param>
/// <param name="TStatistic">Paired t statistic, mean / (sd / √n).</param>
/// <param name="DegreesOfFreedom">n − 1 (0 when there are no pairs).</param>
/// <param name="TPValue">Two-sided p-value of the paired t-test (the rank test's when the differences do not vary).</param>
/// <param name="Wilcoxon">The Wilcoxon signed-rank test of the same differences.</param>
/// <param name="Degeneracy">Which degenerate-case rule applied, if any.</param>
public sealed record PairedComparison(
    int Count,
    double MeanDifference,
    double StdDevDifference,
    double EffectSize,
    double TStatistic,
    int DegreesOfFreedom,
    double TPValue,
    WilcoxonSignedRank Wilcoxon,
    PairedDegeneracy Degeneracy)
{
    /// <summary>The fewest matched pairs a verdict may rest on.</summary>
    public const int MinimumPairsForVerdict = 3;

    /// <summary>
    /// Whether a verdict may rest on this comparison: at least <see cref="MinimumPairsForVerdict"/>
    /// pairs. (Two pairs give a t statistic with one degree of freedom, whose p-value swings on
    /// a single seed; the statistics are still computed for them.)
    /// </summary>
    public bool IsSufficient => Count >= MinimumPairsForVerdict && Degeneracy != PairedDegeneracy.InsufficientPairs;

    /// <summary>Compares a_i with b_i for matched lists (a[i] and b[i] belong to the same cell).</summary>
    /// <param name="a">First source's values.</param>
    /// <param name="b">Second source's values, in the same cell order.</param>
    /// <param name="wilcoxonMethod">How to obtain the rank-test p-value.</param>
    /// <exception cref="ArgumentException">The lists differ in length, or a value is NaN or infinite.</exception>
    public static PairedComparison Of(IReadOnlyList<double> a, IReadOnlyList<double> b, WilcoxonMethod wilcoxonMethod = WilcoxonMethod.Auto)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Count != b.Count)
        {
            throw new ArgumentException(FormattableString.Invariant($"Paired samples differ in length: {a.Count} and {b.Count}."), nameof(b));
        }

        ConfidenceInterval.CheckFinite(a, nameof(a));
        ConfidenceInterval.CheckFinite(b, nameof(b));
        var differences = new double[a.Count];
        for (var i = 0; i < differences.Length; i++)
        {
            differences[i] = a[i] - b[i];
        }

        return OfDifferences(differences, wilcoxonMethod);
    }

    /// <summary>Compares matched pairs given as tuples.</summary>
    /// <param name="pairs">The (a_i, b_i) pairs.</param>
    /// <param name="wilcoxonMethod">How to obtain the rank-test p-value.</param>
    /// <exception cref="ArgumentException">A value is NaN or infinite.</exception>
    public static PairedComparison Of(IEnumerable<(double A, double B)> pairs, WilcoxonMethod wilcoxonMethod = WilcoxonMethod.Auto)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var list = pairs.ToList();
        return Of(list.ConvertAll(p => p.A), list.ConvertAll(p => p.B), wilcoxonMethod);
    }

    /// <summary>Compares pairs given by their differences d_i = a_i − b_i.</summary>
    /// <param name="differences">The differences; all must be finite.</param>
    /// <param name="wilcoxonMethod">How to obtain the rank-test p-value.</param>
    /// <exception cref="ArgumentException">A difference is NaN or infinite.</exception>
    public static PairedComparison OfDifferences(IReadOnlyList<double> differences, WilcoxonMethod wilcoxonMethod = WilcoxonMethod.Auto)
    {
        ArgumentNullException.ThrowIfNull(differences);
        ConfidenceInterval.CheckFinite(differences, nameof(differences));

        var summary = Summary.Of(differences);
        var n = summary.Count;
        var wilcoxon = WilcoxonSignedRank.Of(differences, wilcoxonMethod);
        var df = Math.Max(n - 1, 0);
        if (n < 2)
        {
            return new PairedComparison(n, summary.Mean, summary.StdDev, double.NaN, double.NaN, df, double.NaN, wilcoxon, PairedDegeneracy.InsufficientPairs);
        }

        if (differences.All(d => d == 0))
        {
            return new PairedComparison(n, 0, 0, 0, 0, df, 1, wilcoxon, PairedDegeneracy.AllDifferencesZero);
        }

        if (differences.All(d => d == differences[0]))
        {
            // Identical non-zero differences: the mean is that value and the spread exactly zero.
            // The t-test's p would be 0; the rank test's sign agreement is what the data support.
            var infinite = differences[0] > 0 ? double.PositiveInfinity : double.NegativeInfinity;
            return new PairedComparison(n, differences[0], 0, infinite, infinite, df, wilcoxon.PValue, wilcoxon, PairedDegeneracy.ZeroVariance);
        }

        var t = summary.Mean / (summary.StdDev / Math.Sqrt(n));
        return new PairedComparison(
            n, summary.Mean, summary.StdDev, summary.Mean / summary.StdDev, t, df, StudentT.TwoSidedP(t, df), wilcoxon, PairedDegeneracy.None);
    }
}
