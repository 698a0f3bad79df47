namespace FaceRep.Core.Statistics;

/// <summary>Mean, sample standard deviation and count of a set of values.</summary>
/// <param name="Count">Number of values.</param>
/// <param name="Mean">Arithmetic mean (NaN when empty).</param>
/// <param name="StdDev">Sample standard deviation (n − 1); 0 for one value, NaN when empty.</param>
public readonly record struct Summary(int Count, double Mean, double StdDev)
{
    /// <summary>Summarises values with Welford's algorithm (numerically stable in one pass).</summary>
    public static Summary Of(IEnumerable<double> values)
    {
        var n = 0;
        double mean = 0, m2 = 0;
        foreach (var x in values)
        {
            n++;
            var delta = x - mean;
            mean += delta / n;
            m2 += delta * (x - mean);
        }

        return n switch
        {
            0 => new Summary(0, double.NaN, double.NaN),
            1 => new Summary(1, mean, 0),
            _ => new Summary(n, mean, Math.Sqrt(m2 / (n - 1))),
        };
    }
}
