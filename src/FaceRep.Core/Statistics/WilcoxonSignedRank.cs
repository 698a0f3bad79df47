namespace FaceRep.Core.Statistics;

/// <summary>How the Wilcoxon signed-rank p-value is obtained.</summary>
public enum WilcoxonMethod
{
    /// <summary>Exact when there are at most <see cref="WilcoxonSignedRank.ExactLimit"/> non-zero differences, normal approximation otherwise.</summary>
    Auto,

    /// <summary>The exact permutation distribution of the positive rank sum over all 2^n sign assignments (work grows as n³; meant for n up to a few hundred).</summary>
    Exact,

    /// <summary>Normal approximation with the tie correction to the variance and no continuity correction.</summary>
    NormalApproximation,
}

/// <summary>
/// Wilcoxon signed-rank test of paired differences against a distribution symmetric about zero,
/// two-sided.
/// </summary>
/// <remarks>
/// <para>Zeros: differences exactly equal to zero are dropped before ranking (Wilcoxon's original
/// rule, scipy's zero_method="wilcox"); n below is the number of non-zero differences.</para>
/// <para>Ties: equal |differences| (exact floating-point equality) share their average rank.</para>
/// <para>Exact p: the distribution of the positive rank sum W⁺ over all 2^n equally likely sign
/// assignments of the actual (average) ranks, counted by dynamic programming over doubled ranks,
/// which are integers. This is exact with ties too (conditional on the tie pattern); p =
/// min(1, 2·P(W⁺ ≤ min(W⁺obs, W⁻obs))). Without ties or zeros it equals
/// scipy.stats.wilcoxon(method="exact"); scipy falls back to the normal approximation when
/// there are zeros and ignores ties in its exact mode, so it differs in those cases.</para>
/// <para>Normal approximation: z = (min(W⁺, W⁻) − n(n+1)/4) / σ with
/// σ² = [n(n+1)(2n+1) − ½ Σ t(t² − 1)] / 24 over tie groups of size t, no continuity correction,
/// p = 2·(1 − Φ(|z|)); this equals scipy.stats.wilcoxon(method="approx") with its defaults.</para>
/// <para>Degenerate cases: fewer than two differences → p = NaN (insufficient data); all
/// differences zero → p = 1 (no evidence of any difference).</para>
/// </remarks>
/// <param name="NonZeroCount">Differences that are not exactly zero (the n of the test).</param>
/// <param name="ZeroCount">Differences exactly zero, dropped before ranking.</param>
/// <param name="RankSumPositive">W⁺, the sum of the ranks of the positive differences.</param>
/// <param name="RankSumNegative">W⁻, the sum of the ranks of the negative differences.</param>
/// <param name="Statistic">min(W⁺, W⁻), the two-sided statistic.</param>
/// <param name="ZStatistic">The standardised statistic of the normal approximation (≤ 0); NaN when the exact distribution was used.</param>
/// <param name="PValue">Two-sided p-value; NaN when there are fewer than two differences.</param>
/// <param name="Method">The method that produced the p-value: <see cref="WilcoxonMethod.Exact"/> or <see cref="WilcoxonMethod.NormalApproximation"/>; null when a degenerate-case rule set it.</param>
public sealed record WilcoxonSignedRank(
    int NonZeroCount,
    int ZeroCount,
    double RankSumPositive,
    double RankSumNegative,
    double Statistic,
    double ZStatistic,
    double PValue,
    WilcoxonMethod? Method)
{
    /// <summary>Largest number of non-zero differences for which <see cref="WilcoxonMethod.Auto"/> uses the exact distribution: 20.</summary>
    public const int ExactLimit = 20;

    /// <summary>Tests differences d_i = a_i − b_i (positive means a is larger).</summary>
    /// <param name="differences">The paired differences; all must be finite.</param>
    /// <param name="method">Exact, normal approximation, or automatic choice by <see cref="ExactLimit"/>.</param>
    /// <exception cref="ArgumentException">A difference is NaN or infinite.</exception>
    public static WilcoxonSignedRank Of(IReadOnlyList<double> differences, WilcoxonMethod method = WilcoxonMethod.Auto)
    {
        ArgumentNullException.ThrowIfNull(differences);
        ConfidenceInterval.CheckFinite(differences, nameof(differences));

        var nonZero = differences.Where(d => d != 0).ToArray();
        var n = nonZero.Length;
        var zeros = differences.Count - n;
        if (differences.Count < 2)
        {
            return new WilcoxonSignedRank(n, zeros, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, null);
        }

        if (n == 0)
        {
            return new WilcoxonSignedRank(0, zeros, 0, 0, 0, double.NaN, 1, null);
        }

        // Rank |d| ascending with average ranks for ties; keep doubled ranks, which are integers.
        var order = Enumerable.Range(0, n).OrderBy(i => Math.Abs(nonZero[i])).ToArray();
        var doubledRanks = new int[n];
        double tieTerm = 0; // Σ t(t² − 1) over tie groups
        for (var start = 0; start < n;)
        {
            var end = start;
            while (end + 1 < n && Math.Abs(nonZero[order[end + 1]]) == Math.Abs(nonZero[order[start]]))
            {
                end++;
            }

            // Positions start..end (0-based) hold ranks start+1..end+1; their average doubled is start + end + 2.
            for (var k = start; k <= end; k++)
            {
                doubledRanks[order[k]] = start + end + 2;
            }

            double t = end - start + 1;
            tieTerm += t * ((t * t) - 1);
            start = end + 1;
        }

        long doubledPositive = 0, doubledNegative = 0;
        for (var i = 0; i < n; i++)
        {
            if (nonZero[i] > 0)
            {
                doubledPositive += doubledRanks[i];
            }
            else
            {
                doubledNegative += doubledRanks[i];
            }
        }

        var wPlus = doubledPositive / 2.0;
        var wMinus = doubledNegative / 2.0;
        var statistic = Math.Min(wPlus, wMinus);
        var useExact = method == WilcoxonMethod.Exact || (method == WilcoxonMethod.Auto && n <= ExactLimit);
        if (useExact)
        {
            var p = ExactTwoSidedP(doubledRanks, Math.Min(doubledPositive, doubledNegative));
            return new WilcoxonSignedRank(n, zeros, wPlus, wMinus, statistic, double.NaN, p, WilcoxonMethod.Exact);
        }

        double nn = n;
        var mean = nn * (nn + 1) / 4;
        var variance = ((nn * (nn + 1) * ((2 * nn) + 1)) - (tieTerm / 2)) / 24;
        var z = (statistic - mean) / Math.Sqrt(variance);
        return new WilcoxonSignedRank(n, zeros, wPlus, wMinus, statistic, z, SpecialFunctions.NormalTwoSidedP(z), WilcoxonMethod.NormalApproximation);
    }

    /// <summary>
    /// min(1, 2·P(W ≤ observed)) where W (in doubled-rank units) is the sum of a uniformly random
    /// subset of doubledRanks: counts of subsets by sum, built one rank at a time.
    /// </summary>
    private static double ExactTwoSidedP(int[] doubledRanks, long observedDoubled)
    {
        var total = doubledRanks.Sum();
        var counts = new double[total + 1]; // counts[s] = number of sign assignments with doubled W⁺ = s (exact up to 2^53)
        counts[0] = 1;
        var reach = 0;
        foreach (var r in doubledRanks)
        {
            for (var s = reach; s >= 0; s--)
            {
                if (counts[s] != 0)
                {
                    counts[s + r] += counts[s];
                }
            }

            reach += r;
        }

        double below = 0;
        for (var s = 0; s <= observedDoubled; s++)
        {
            below += counts[s];
        }

        return Math.Min(1, 2 * below / Math.Pow(2, doubledRanks.Length));
    }
}
