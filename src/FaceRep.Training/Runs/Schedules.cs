namespace FaceRep.Training.Runs;

/// <summary>Learning-rate schedules.</summary>
public static class Schedules
{
    /// <summary>
    /// The multiplier of the peak learning rate at a (0-based) step: linear warm-up over the
    /// first <paramref name="warmupFraction"/> of the steps, then cosine decay to 0.
    /// </summary>
    public static double Factor(int step, int totalSteps, double warmupFraction)
    {
        var warmup = Math.Max(1, (int)Math.Round(totalSteps * warmupFraction));
        return WarmupCosine(step, totalSteps, warmup, 0, 1, 0);
    }

    /// <summary>
    /// Linear warm-up from <paramref name="start"/> over <paramref name="warmupSteps"/> steps (reaching
    /// <paramref name="peak"/> at the last warm-up step), then cosine decay from the peak to
    /// <paramref name="final"/> at the last step, as SwAV's released schedule (4.8 → 0.0048 after a
    /// warm-up from 0.3). Steps past the end stay at <paramref name="final"/>.
    /// </summary>
    public static double WarmupCosine(long step, long totalSteps, long warmupSteps, double start, double peak, double final)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        if (step < warmupSteps)
            return start + ((peak - start) * (step + 1.0) / warmupSteps);
        var progress = (double)(step - warmupSteps) / Math.Max(1, totalSteps - warmupSteps);
        return final + ((peak - final) * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(1, progress))));
    }
}
