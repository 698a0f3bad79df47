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
        if (step < warmup)
            return (step + 1.0) / warmup;
        var progress = (double)(step - warmup) / Math.Max(1, totalSteps - warmup);
        return 0.5 * (1 + Math.Cos(Math.PI * Math.Min(1, progress)));
    }
}
