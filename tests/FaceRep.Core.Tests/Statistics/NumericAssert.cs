namespace FaceRep.Core.Tests.Statistics;

/// <summary>Relative-tolerance comparison for reference values that span many orders of magnitude.</summary>
internal static class NumericAssert
{
    public static void Relative(double expected, double actual, double relativeTolerance)
    {
        var error = Math.Abs(actual - expected) / Math.Abs(expected);
        Assert.True(
            error <= relativeTolerance,
            FormattableString.Invariant($"Expected {expected:R}, got {actual:R}: relative error {error:E3} exceeds {relativeTolerance:E1}."));
    }
}
