namespace FaceRep.Core.Metrics;

/// <summary>
/// Metrics of face verification over scored pairs. A higher score means "more likely the same
/// identity"; a pair is accepted when its score reaches the threshold. Each function throws
/// <see cref="ArgumentException"/> for scores and labels of different lengths, empty inputs,
/// NaN or infinite scores, and pairs that are all same or all different.
/// </summary>
/// <remarks>
/// Tied scores are never split: one threshold accepts or rejects all pairs with equal scores.
/// </remarks>
public static class VerificationMetrics
{
    /// <summary>
    /// True-accept rate (fraction of same pairs accepted) at the most lenient threshold whose
    /// false-accept rate (fraction of different pairs accepted) is at most <paramref name="far"/>.
    /// </summary>
    /// <remarks>
    /// With N different pairs the achievable false-accept rates are 0, 1/N, 2/N, …, so at most
    /// ⌊far·N⌋ different pairs may be accepted; the threshold is placed just above the different
    /// pair ranked ⌊far·N⌋ + 1 from the top, and any pair tied with it is rejected too. When
    /// there are fewer than 1/<paramref name="far"/> different pairs the FAR resolution is
    /// insufficient: ⌊far·N⌋ = 0, and the result is the TAR at zero false accepts (same pairs
    /// scoring above every different pair), a pessimistic stand-in for the requested point.
    /// Use <see cref="TarAtFar(ReadOnlySpan{float}, ReadOnlySpan{bool}, double, out double)"/>
    /// to see the false-accept rate actually reached.
    /// </remarks>
    /// <param name="scores">One score per pair.</param>
    /// <param name="same">Whether each pair shows the same identity.</param>
    /// <param name="far">Largest tolerated false-accept rate, from 0 to 1 (1e-3 for TAR@FAR=1e-3).</param>
    public static double TarAtFar(ReadOnlySpan<float> scores, ReadOnlySpan<bool> same, double far) =>
        TarAtFar(scores, same, far, out _);

    /// <summary>
    /// <see cref="TarAtFar(ReadOnlySpan{float}, ReadOnlySpan{bool}, double)"/>, also giving the
    /// false-accept rate at the chosen threshold (at most <paramref name="far"/>; 0 when the
    /// different pairs are too few to resolve <paramref name="far"/>).
    /// </summary>
    /// <param name="scores">One score per pair.</param>
    /// <param name="same">Whether each pair shows the same identity.</param>
    /// <param name="far">Largest tolerated false-accept rate, from 0 to 1.</param>
    /// <param name="achievedFar">False-accept rate at the chosen threshold.</param>
    public static double TarAtFar(ReadOnlySpan<float> scores, ReadOnlySpan<bool> same, double far, out double achievedFar)
    {
        var positives = Check(scores, same);
        if (!(far >= 0 && far <= 1))
            throw new ArgumentException($"far is {far}; a false-accept rate must be between 0 and 1", nameof(far));

        var different = new float[scores.Length - positives];
        var d = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            if (!same[i])
                different[d++] = scores[i];
        }

        // far·N can land just below a whole number (0.29 · 100 = 28.999…); the guard keeps it whole.
        var allowed = (int)Math.Min(different.Length, Math.Floor((far * different.Length) + 1e-9));
        if (allowed == different.Length)
        {
            achievedFar = 1;
            return 1;
        }

        // Accept exactly the pairs scoring above the (allowed + 1)-th highest different pair.
        Array.Sort(different);
        var bar = different[different.Length - 1 - allowed];
        int trueAccepts = 0, falseAccepts = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            if (scores[i] > bar)
            {
                if (same[i])
                    trueAccepts++;
                else
                    falseAccepts++;
            }
        }

        achievedFar = (double)falseAccepts / different.Length;
        return (double)trueAccepts / positives;
    }

    /// <summary>
    /// Highest accuracy (fraction of pairs correctly accepted or rejected) over all thresholds,
    /// the verification accuracy of LFW-style protocols when chosen on the pairs themselves.
    /// </summary>
    /// <param name="scores">One score per pair.</param>
    /// <param name="same">Whether each pair shows the same identity.</param>
    /// <param name="threshold">
    /// The threshold reaching it: pairs with score ≥ threshold are accepted. It is one of the
    /// scores, or +∞ when rejecting every pair is best; among equally accurate thresholds, the
    /// lowest.
    /// </param>
    public static double BestAccuracy(ReadOnlySpan<float> scores, ReadOnlySpan<bool> same, out double threshold)
    {
        var positives = Check(scores, same);
        var (sorted, labels) = SortedByScore(scores, same);

        // Threshold at sorted[0] accepts everything: every same pair is right.
        var correct = positives;
        var best = correct;
        threshold = sorted[0];
        var i = 0;
        while (i < sorted.Length)
        {
            // Raise the threshold past the group of pairs tied at sorted[i].
            var score = sorted[i];
            for (; i < sorted.Length && sorted[i] == score; i++)
                correct += labels[i] ? -1 : 1;

            if (correct > best)
            {
                best = correct;
                threshold = i < sorted.Length ? sorted[i] : double.PositiveInfinity;
            }
        }

        return (double)best / sorted.Length;
    }

    /// <summary>
    /// Area under the ROC curve: the probability that a random same pair scores higher than a
    /// random different pair, a tie counting one half (the Mann–Whitney U statistic divided by
    /// the number of same × different pairs). O(n log n).
    /// </summary>
    /// <param name="scores">One score per pair.</param>
    /// <param name="same">Whether each pair shows the same identity.</param>
    public static double RocAuc(ReadOnlySpan<float> scores, ReadOnlySpan<bool> same)
    {
        var positives = Check(scores, same);
        var negatives = scores.Length - positives;
        var (sorted, labels) = SortedByScore(scores, same);

        // Twice U, kept whole: each same pair earns 2 per different pair below it and 1 per tie.
        long twiceU = 0, differentBelow = 0;
        var i = 0;
        while (i < sorted.Length)
        {
            long sameHere = 0, differentHere = 0;
            var score = sorted[i];
            for (; i < sorted.Length && sorted[i] == score; i++)
            {
                if (labels[i])
                    sameHere++;
                else
                    differentHere++;
            }

            twiceU += sameHere * ((2 * differentBelow) + differentHere);
            differentBelow += differentHere;
        }

        return twiceU / (2.0 * positives * negatives);
    }

    private static (float[] Scores, bool[] Same) SortedByScore(ReadOnlySpan<float> scores, ReadOnlySpan<bool> same)
    {
        var sorted = scores.ToArray();
        var labels = same.ToArray();
        Array.Sort(sorted, labels);
        return (sorted, labels);
    }

    // Returns the number of same pairs.
    private static int Check(ReadOnlySpan<float> scores, ReadOnlySpan<bool> same)
    {
        MetricInput.SameLengthNotEmpty(scores.Length, same.Length);
        MetricInput.Finite(scores);
        var positives = 0;
        foreach (var s in same)
        {
            if (s)
                positives++;
        }

        if (positives == 0 || positives == same.Length)
            throw new ArgumentException($"all {same.Length} pairs are {(positives == 0 ? "different" : "same")}; verification metrics need both same and different pairs", nameof(same));
        return positives;
    }
}
