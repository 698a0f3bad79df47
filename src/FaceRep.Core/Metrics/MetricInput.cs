using System.Runtime.CompilerServices;

namespace FaceRep.Core.Metrics;

/// <summary>
/// Checks shared by the metric functions. Each failure is an <see cref="ArgumentException"/>
/// that names the offending argument and says what is wrong with it, so that a bad evaluation
/// fails loudly instead of reporting a NaN or a silently truncated score.
/// </summary>
internal static class MetricInput
{
    /// <summary>Throws unless both arguments hold the same, non-zero number of values.</summary>
    public static void SameLengthNotEmpty(
        int predictedLength,
        int truthLength,
        [CallerArgumentExpression(nameof(predictedLength))] string predictedName = "",
        [CallerArgumentExpression(nameof(truthLength))] string truthName = "")
    {
        if (predictedLength != truthLength)
            throw new ArgumentException($"{Stem(predictedName)} has {predictedLength} values but {Stem(truthName)} has {truthLength}; the counts must match", Stem(predictedName));
        if (truthLength == 0)
            throw new ArgumentException("no values to evaluate: the inputs are empty", Stem(predictedName));
    }

    /// <summary>Throws if <paramref name="values"/> holds a NaN or an infinity, naming the first.</summary>
    public static void Finite(ReadOnlySpan<float> values, [CallerArgumentExpression(nameof(values))] string name = "")
    {
        for (var i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
                throw new ArgumentException($"{name}[{i}] is {values[i]}; metrics need finite values", name);
        }
    }

    /// <summary>Throws if <paramref name="values"/> holds a NaN or an infinity, naming the first.</summary>
    public static void Finite(ReadOnlySpan<double> values, [CallerArgumentExpression(nameof(values))] string name = "")
    {
        for (var i = 0; i < values.Length; i++)
        {
            if (!double.IsFinite(values[i]))
                throw new ArgumentException($"{name}[{i}] is {values[i]}; metrics need finite values", name);
        }
    }

    /// <summary>Throws unless <paramref name="value"/> is finite and greater than zero.</summary>
    public static void Positive(double value, [CallerArgumentExpression(nameof(value))] string name = "")
    {
        if (!(value > 0) || !double.IsFinite(value))
            throw new ArgumentException($"{name} is {value}; it must be a finite number greater than zero", name);
    }

    /// <summary>Throws unless a value count splits into whole faces of <paramref name="points"/> points of <paramref name="dimensions"/> coordinates.</summary>
    public static int Faces(int predictedLength, int truthLength, int points, int dimensions)
    {
        if (points <= 0)
            throw new ArgumentException($"points is {points}; a face needs at least one point", nameof(points));
        SameLengthNotEmpty(predictedLength, truthLength, "predicted", "truth");
        var stride = dimensions * points;
        if (truthLength % stride != 0)
            throw new ArgumentException($"truth has {truthLength} values, not a whole number of {points}-point faces of {stride} values each", "truth");
        return truthLength / stride;
    }

    // "predicted.Length" names the argument "predicted".
    private static string Stem(string expression)
    {
        var dot = expression.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? expression : expression[..dot];
    }
}
