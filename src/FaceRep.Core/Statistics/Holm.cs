namespace FaceRep.Core.Statistics;

/// <summary>
/// Holm–Bonferroni step-down correction for a family of hypotheses. With the m p-values sorted
/// ascending, p_(1) ≤ … ≤ p_(m), the adjusted values are
/// p̃_(i) = min(1, max_{j ≤ i} (m − j + 1)·p_(j)), which are monotone in i, and hypothesis i is
/// rejected at level α exactly when p̃_i ≤ α (the same decisions as the step-down procedure);
/// this matches statsmodels' multipletests(method="holm").
/// </summary>
/// <remarks>
/// NaN p-values (for example comparisons with too few pairs) are treated as absent: they do not
/// count towards m, their adjusted value is NaN and they are never rejected. Ties keep their
/// input order when sorting, which gives tied p-values equal adjusted values.
/// </remarks>
public static class Holm
{
    /// <summary>Holm-adjusted p-values, in the order of the input.</summary>
    /// <param name="pValues">The family's raw p-values, each in [0, 1] or NaN.</param>
    /// <exception cref="ArgumentOutOfRangeException">A p-value is outside [0, 1].</exception>
    public static double[] Adjust(IReadOnlyList<double> pValues)
    {
        ArgumentNullException.ThrowIfNull(pValues);
        var adjusted = new double[pValues.Count];
        var present = new List<int>(pValues.Count);
        for (var i = 0; i < pValues.Count; i++)
        {
            var p = pValues[i];
            if (double.IsNaN(p))
            {
                adjusted[i] = double.NaN;
                continue;
            }

            if (!(p >= 0 && p <= 1))
            {
                throw new ArgumentOutOfRangeException(nameof(pValues), p, FormattableString.Invariant($"p-value {i} is {p}; p-values must lie in [0, 1]."));
            }

            present.Add(i);
        }

        var m = present.Count;
        var order = present.OrderBy(i => pValues[i]).ToArray(); // stable
        var running = 0.0;
        for (var rank = 0; rank < m; rank++)
        {
            var i = order[rank];
            running = Math.Max(running, Math.Min(1, (m - rank) * pValues[i]));
            adjusted[i] = running;
        }

        return adjusted;
    }

    /// <summary>Which hypotheses Holm's procedure rejects at family-wise error rate alpha, in input order.</summary>
    /// <param name="pValues">The family's raw p-values, each in [0, 1] or NaN (never rejected).</param>
    /// <param name="alpha">Family-wise error rate; 0.05 by default.</param>
    /// <exception cref="ArgumentOutOfRangeException">A p-value is outside [0, 1] or alpha is not in (0, 1).</exception>
    public static bool[] Rejected(IReadOnlyList<double> pValues, double alpha = 0.05)
    {
        if (!(alpha > 0 && alpha < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must lie strictly between 0 and 1.");
        }

        return Array.ConvertAll(Adjust(pValues), p => p <= alpha);
    }
}
