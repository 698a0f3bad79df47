using FaceRep.Core.Metrics;

namespace FaceRep.Core.Tests.Metrics;

public sealed class VerificationMetricsTests
{
    private static (float[] Scores, bool[] Same) Pairs(float[] same, float[] different) =>
        (same.Concat(different).ToArray(), same.Select(_ => true).Concat(different.Select(_ => false)).ToArray());

    // Ten different pairs scoring 1..10; four same pairs scoring 5.5, 8.5, 9.5, 15.
    private static readonly (float[] Scores, bool[] Same) Ladder =
        Pairs([5.5f, 8.5f, 9.5f, 15], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);

    [Fact]
    public void Tar_at_far_matches_hand_picked_thresholds()
    {
        var (scores, same) = Ladder;

        // FAR 0.1 of 10 -> 1 false accept allowed: accept above 9 (only the 10 of the different pairs);
        // same pairs above 9: 9.5, 15 -> TAR 2/4.
        Assert.Equal(0.5, VerificationMetrics.TarAtFar(scores, same, 0.1, out var far), 12);
        Assert.Equal(0.1, far, 12);
        // FAR 0.2 -> 2 allowed: accept above 8 -> 8.5, 9.5, 15 -> 3/4.
        Assert.Equal(0.75, VerificationMetrics.TarAtFar(scores, same, 0.2, out far), 12);
        Assert.Equal(0.2, far, 12);
        // FAR 0.15 -> floor(1.5) = 1 allowed: as for 0.1.
        Assert.Equal(0.5, VerificationMetrics.TarAtFar(scores, same, 0.15), 12);
        // FAR 1 accepts everything.
        Assert.Equal(1, VerificationMetrics.TarAtFar(scores, same, 1, out far));
        Assert.Equal(1, far);
    }

    [Fact]
    public void Too_few_different_pairs_for_the_far_give_the_tar_at_zero_false_accepts()
    {
        var (scores, same) = Ladder;

        // 1e-3 needs 1000 different pairs; with 10, no false accept fits: accept above 10 -> only 15 -> 1/4.
        Assert.Equal(0.25, VerificationMetrics.TarAtFar(scores, same, 1e-3, out var far), 12);
        Assert.Equal(0, far);
        Assert.Equal(0.25, VerificationMetrics.TarAtFar(scores, same, 0), 12);
    }

    [Fact]
    public void A_threshold_does_not_split_tied_different_pairs()
    {
        // Different pairs 1, 2, 3, 3, 3; same pairs 3, 3, 4.
        // FAR 0.2 of 5 -> 1 allowed. Any threshold accepting a 3 accepts all three 3s, so accept above 3:
        // same pairs above 3: only 4 -> TAR 1/3, with no false accept.
        var (scores, same) = Pairs([3, 3, 4], [1, 2, 3, 3, 3]);

        Assert.Equal(1.0 / 3.0, VerificationMetrics.TarAtFar(scores, same, 0.2, out var far), 12);
        Assert.Equal(0, far);
        // FAR 0.6 -> 3 allowed: accept above 2 -> all same pairs, 3 false accepts (3/5).
        Assert.Equal(1, VerificationMetrics.TarAtFar(scores, same, 0.6, out far), 12);
        Assert.Equal(0.6, far, 12);
    }

    [Fact]
    public void A_far_times_count_just_below_a_whole_number_still_counts_as_whole()
    {
        // 0.29 * 100 evaluates to 28.999999999999996 in doubles; 29 false accepts must be allowed.
        // Different pairs 1..100; accept above the 30th highest (71): the same pair at 71.5 is accepted.
        var (scores, same) = Pairs([71.5f], Enumerable.Range(1, 100).Select(i => (float)i).ToArray());

        Assert.Equal(1, VerificationMetrics.TarAtFar(scores, same, 0.29, out var far));
        Assert.Equal(0.29, far, 12);
    }

    [Fact]
    public void Best_accuracy_matches_a_hand_sweep()
    {
        // Sorted: 1 diff, 2 diff, 3 same, 4 diff, 5 same, 6 same.
        // Accept >= 1: 3/6; >= 2: 4/6; >= 3: 5/6; >= 4: 4/6; >= 5: 5/6; >= 6: 4/6; none: 3/6.
        // Best 5/6, first reached at threshold 3.
        var (scores, same) = Pairs([3, 5, 6], [1, 2, 4]);

        Assert.Equal(5.0 / 6.0, VerificationMetrics.BestAccuracy(scores, same, out var threshold), 12);
        Assert.Equal(3, threshold);
    }

    [Fact]
    public void Best_accuracy_cannot_split_ties_and_may_reject_everything()
    {
        // 1 diff, 2 same, 2 diff, 3 same. >= 1: 2/4; >= 2: 3/4; >= 3: 3/4; none: 2/4.
        // (4/4 would need to accept the same 2 and reject the different 2.)
        var (scores, same) = Pairs([2, 3], [1, 2]);
        Assert.Equal(0.75, VerificationMetrics.BestAccuracy(scores, same, out var threshold), 12);
        Assert.Equal(2, threshold);

        // Same 1; different 2, 3. >= 1: 1/3; >= 2: 0; >= 3: 1/3; none: 2/3.
        (scores, same) = Pairs([1], [2, 3]);
        Assert.Equal(2.0 / 3.0, VerificationMetrics.BestAccuracy(scores, same, out threshold), 12);
        Assert.Equal(double.PositiveInfinity, threshold);

        // Perfect separation at 3.
        (scores, same) = Pairs([3, 4], [1, 2]);
        Assert.Equal(1, VerificationMetrics.BestAccuracy(scores, same, out threshold));
        Assert.Equal(3, threshold);
    }

    [Fact]
    public void Roc_auc_counts_winning_pairs_with_ties_as_half()
    {
        // Same 3, 5, 6 against different 1, 2, 4: 3 beats 2, 5 beats 3, 6 beats 3 -> 8 of 9.
        var (scores, same) = Pairs([3, 5, 6], [1, 2, 4]);
        Assert.Equal(8.0 / 9.0, VerificationMetrics.RocAuc(scores, same), 12);

        // Same 2, 3 against different 1, 2: 2 beats 1 and ties 2 (1.5); 3 beats both (2) -> 3.5 of 4.
        (scores, same) = Pairs([2, 3], [1, 2]);
        Assert.Equal(0.875, VerificationMetrics.RocAuc(scores, same), 12);

        (scores, same) = Pairs([7, 7], [7, 7, 7]);
        Assert.Equal(0.5, VerificationMetrics.RocAuc(scores, same), 12);
        (scores, same) = Pairs([3, 4], [1, 2]);
        Assert.Equal(1, VerificationMetrics.RocAuc(scores, same));
        (scores, same) = Pairs([1, 2], [3, 4]);
        Assert.Equal(0, VerificationMetrics.RocAuc(scores, same));
    }

    [Fact]
    public void Roc_auc_agrees_with_counting_every_pair()
    {
        var random = new Random(7);
        // Coarse scores so that many tie.
        var scores = Enumerable.Range(0, 400).Select(_ => random.Next(20) / 4f).ToArray();
        var same = scores.Select(s => random.NextDouble() < 0.3 + (s / 10)).ToArray();
        double wins = 0;
        long pairs = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            for (var j = 0; j < scores.Length; j++)
            {
                if (!same[i] || same[j])
                    continue;
                pairs++;
                wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
            }
        }

        Assert.Equal(wins / pairs, VerificationMetrics.RocAuc(scores, same), 12);
    }

    [Fact]
    public void Bad_input_is_rejected_with_the_reason()
    {
        var (scores, same) = Ladder;

        Assert.Contains("counts must match", Assert.Throws<ArgumentException>(() => VerificationMetrics.RocAuc(scores, same[1..])).Message, StringComparison.Ordinal);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => VerificationMetrics.BestAccuracy([], [], out _)).Message, StringComparison.Ordinal);
        Assert.Contains("all 2 pairs are same", Assert.Throws<ArgumentException>(() => VerificationMetrics.RocAuc([1, 2], [true, true])).Message, StringComparison.Ordinal);
        Assert.Contains("different", Assert.Throws<ArgumentException>(() => VerificationMetrics.TarAtFar([1, 2], [false, false], 0.1)).Message, StringComparison.Ordinal);

        var nan = (float[])scores.Clone();
        nan[4] = float.NaN;
        var ex = Assert.Throws<ArgumentException>(() => VerificationMetrics.TarAtFar(nan, same, 0.1));
        Assert.Equal("scores", ex.ParamName);
        Assert.Contains("[4]", ex.Message, StringComparison.Ordinal);

        Assert.Equal("far", Assert.Throws<ArgumentException>(() => VerificationMetrics.TarAtFar(scores, same, 1.5)).ParamName);
        Assert.Throws<ArgumentException>(() => VerificationMetrics.TarAtFar(scores, same, -1e-3));
        Assert.Throws<ArgumentException>(() => VerificationMetrics.TarAtFar(scores, same, double.NaN));
    }
}
