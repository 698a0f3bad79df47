namespace FaceRep.Core.Statistics;

/// <summary>A two-sided confidence interval.</summary>
/// <param name="Lower">Lower bound (NaN when the sample is too small).</param>
/// <param name="Upper">Upper bound (NaN when the sample is too small).</param>
/// <param name="Level">Nominal coverage, for example 0.95.</param>
/// <param name="Resamples">Bootstrap resamples behind the interval; 0 for an analytic (t) interval.</param>
public sealed record ConfidenceInterval(double Lower, double Upper, double Level, int Resamples)
{
    /// <summary>The default confidence level, 95%.</summary>
    public const double DefaultLevel = 0.95;

    /// <summary>Upper − Lower (NaN when the bounds are).</summary>
    public double Width => Upper - Lower;

    /// <summary>Whether value lies in [Lower, Upper] (false when the bounds are NaN).</summary>
    /// <param name="value">The value to test.</param>
    public bool Contains(double value) => value >= Lower && value <= Upper;

    internal static void CheckLevel(double level)
    {
        if (!(level > 0 && level < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(level), level, "The confidence level must lie strictly between 0 and 1.");
        }
    }

    internal static void CheckFinite(IReadOnlyList<double> values, string parameterName)
    {
        for (var i = 0; i < values.Count; i++)
        {
            if (!double.IsFinite(values[i]))
            {
                throw new ArgumentException(FormattableString.Invariant($"Value {i} is {values[i]}; only finite values can be summarised."), parameterName);
            }
        }
    }
}
