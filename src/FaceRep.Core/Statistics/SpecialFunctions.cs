namespace FaceRep.Core.Statistics;

/// <summary>
/// Special functions behind the distributions used by the reports: log-gamma, the regularised
/// incomplete beta and gamma functions and the standard normal distribution function.
/// Algorithms follow Numerical Recipes (3rd ed., §6.1–6.4); accuracy is close to double precision
/// (relative error around 1e-14 or better) for the moderate arguments a report produces.
/// </summary>
public static class SpecialFunctions
{
    // Machine epsilon 2^-52 (System.Double.Epsilon is the smallest subnormal, not this).
    private const double Epsilon = 2.220446049250313e-16;

    // Smallest normal double divided by epsilon: the floor Lentz's method puts under vanishing terms.
    private const double FloatingMin = 2.2250738585072014e-308 / Epsilon;
    private const int MaxIterations = 100_000;

    // Lanczos coefficients for g = 671/128 (Numerical Recipes 3rd ed., gammln), relative error < 1e-15.
    private static readonly double[] LanczosCoefficients =
    [
        57.1562356658629235, -59.5979603554754912, 14.1360979747417471, -0.491913816097620199,
        0.339946499848118887e-4, 0.465236289270485756e-4, -0.983744753048795646e-4, 0.158088703224912494e-3,
        -0.210264441724104883e-3, 0.217439618115212643e-3, -0.164318106536763890e-3, 0.844182239838527433e-4,
        -0.261908384015814087e-4, 0.368991826595316234e-5,
    ];

    /// <summary>Natural logarithm of the gamma function, ln Γ(x), for x &gt; 0 (Lanczos approximation).</summary>
    /// <exception cref="ArgumentOutOfRangeException">x is not a positive finite number.</exception>
    public static double LogGamma(double x)
    {
        if (!(x > 0) || double.IsPositiveInfinity(x))
        {
            throw new ArgumentOutOfRangeException(nameof(x), x, "ln Γ(x) is implemented for finite x > 0 only.");
        }

        var y = x;
        var tmp = x + 5.24218750000000000; // g + 1/2 with g = 671/128
        tmp = ((x + 0.5) * Math.Log(tmp)) - tmp;
        var series = 0.999999999999997092;
        foreach (var c in LanczosCoefficients)
        {
            series += c / ++y;
        }

        return tmp + Math.Log(2.5066282746310005 * series / x);
    }

    /// <summary>
    /// Regularised incomplete beta function I_x(a, b) = B(x; a, b) / B(a, b), evaluated with the
    /// continued fraction of Numerical Recipes (modified Lentz), using the symmetry
    /// I_x(a, b) = 1 − I_{1−x}(b, a) where the fraction converges faster.
    /// </summary>
    /// <param name="a">First shape parameter, &gt; 0.</param>
    /// <param name="b">Second shape parameter, &gt; 0.</param>
    /// <param name="x">Argument in [0, 1].</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public static double RegularizedIncompleteBeta(double a, double b, double x)
    {
        if (!(x >= 0 && x <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(x), x, "x must lie in [0, 1].");
        }

        return RegularizedIncompleteBeta(a, b, x, 1 - x);
    }

    /// <summary>
    /// I_x(a, b) given both x and y = 1 − x, so a caller that knows 1 − x more accurately than
    /// the subtraction would give (for example t²/(ν + t²) for the t distribution) loses nothing.
    /// </summary>
    internal static double RegularizedIncompleteBeta(double a, double b, double x, double y)
    {
        if (!(a > 0) || double.IsPositiveInfinity(a))
        {
            throw new ArgumentOutOfRangeException(nameof(a), a, "a must be a positive finite number.");
        }

        if (!(b > 0) || double.IsPositiveInfinity(b))
        {
            throw new ArgumentOutOfRangeException(nameof(b), b, "b must be a positive finite number.");
        }

        if (!(x >= 0 && x <= 1) || !(y >= 0 && y <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(x), x, "x and 1 − x must lie in [0, 1].");
        }

        if (x == 0)
        {
            return 0;
        }

        if (y == 0)
        {
            return 1;
        }

        // Front factor x^a y^b / B(a, b). The logarithm of whichever of x, y is near 1 comes from
        // log1p of the other, so a·ln x stays accurate when a is large and x is close to 1.
        var logX = x > 0.5 ? LogOnePlus(-y) : Math.Log(x);
        var logY = y > 0.5 ? LogOnePlus(-x) : Math.Log(y);
        var front = Math.Exp((a * logX) + (b * logY) - LogBeta(a, b));
        return x < (a + 1) / (a + b + 2)
            ? front * BetaContinuedFraction(a, b, x) / a
            : 1 - (front * BetaContinuedFraction(b, a, y) / b);
    }

    /// <summary>
    /// ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b), arranged as in R's lbeta (after TOMS 708) so that
    /// the large, nearly cancelling ln Γ terms of a large argument are never formed: Stirling's
    /// series supplies only the small remainders.
    /// </summary>
    internal static double LogBeta(double a, double b)
    {
        var p = Math.Min(a, b);
        var q = Math.Max(a, b);
        if (p >= 10)
        {
            // Both large.
            var correction = StirlingRemainder(p) + StirlingRemainder(q) - StirlingRemainder(p + q);
            return (-0.5 * Math.Log(q)) + LogSqrtTwoPi + correction + ((p - 0.5) * Math.Log(p / (p + q))) + (q * LogOnePlus(-p / (p + q)));
        }

        if (q >= 10)
        {
            // One small, one large.
            var correction = StirlingRemainder(q) - StirlingRemainder(p + q);
            return LogGamma(p) + correction + p - (p * Math.Log(p + q)) + ((q - 0.5) * LogOnePlus(-p / (p + q)));
        }

        return LogGamma(p) + LogGamma(q) - LogGamma(p + q);
    }

    private const double LogSqrtTwoPi = 0.918938533204672741780329736406; // ln √(2π)

    /// <summary>
    /// ln Γ(x) − [(x − ½) ln x − x + ln √(2π)] for x ≥ 10, by Stirling's series
    /// Σ B_2k / (2k(2k − 1) x^(2k − 1)); eight terms leave an error below 1e-17.
    /// </summary>
    private static double StirlingRemainder(double x)
    {
        var inverse = 1 / x;
        var inverse2 = inverse * inverse;
        var series = -3617.0 / 122400;
        series = (series * inverse2) + (1.0 / 156);
        series = (series * inverse2) - (691.0 / 360360);
        series = (series * inverse2) + (1.0 / 1188);
        series = (series * inverse2) - (1.0 / 1680);
        series = (series * inverse2) + (1.0 / 1260);
        series = (series * inverse2) - (1.0 / 360);
        series = (series * inverse2) + (1.0 / 12);
        return series * inverse;
    }

    /// <summary>ln(1 + x), accurate for small |x| (Goldberg's correction of the rounded 1 + x).</summary>
    internal static double LogOnePlus(double x)
    {
        var u = 1 + x;
        return u == 1 ? x : Math.Log(u) * x / (u - 1);
    }

    /// <summary>Continued fraction for the incomplete beta function (Numerical Recipes betacf, modified Lentz).</summary>
    private static double BetaContinuedFraction(double a, double b, double x)
    {
        var qab = a + b;
        var qap = a + 1;
        var qam = a - 1;
        var c = 1.0;
        var d = 1 - (qab * x / qap);
        if (Math.Abs(d) < FloatingMin)
        {
            d = FloatingMin;
        }

        d = 1 / d;
        var h = d;
        for (var m = 1; m <= MaxIterations; m++)
        {
            var m2 = 2 * m;

            // Even step of the recurrence, then the odd step.
            h *= LentzStep(m * (b - m) * x / ((qam + m2) * (a + m2)), ref c, ref d);
            var delta = LentzStep(-(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)), ref c, ref d);
            h *= delta;
            if (Math.Abs(delta - 1) <= Epsilon)
            {
                return h;
            }
        }

        throw new InvalidOperationException(FormattableString.Invariant(
            $"Incomplete beta continued fraction did not converge for a = {a}, b = {b}, x = {x}."));
    }

    /// <summary>
    /// One step of the modified Lentz method for a term <paramref name="aa"/> / (<paramref name="bb"/> + …);
    /// returns the factor the fraction changes by.
    /// </summary>
    private static double LentzStep(double aa, ref double c, ref double d, double bb = 1)
    {
        d = bb + (aa * d);
        if (Math.Abs(d) < FloatingMin)
        {
            d = FloatingMin;
        }

        c = bb + (aa / c);
        if (Math.Abs(c) < FloatingMin)
        {
            c = FloatingMin;
        }

        d = 1 / d;
        return d * c;
    }

    /// <summary>
    /// Regularised upper incomplete gamma function Q(a, x) = Γ(a, x) / Γ(a): series for x &lt; a + 1,
    /// continued fraction (modified Lentz) otherwise, as in Numerical Recipes gammq.
    /// </summary>
    /// <param name="a">Shape, &gt; 0.</param>
    /// <param name="x">Argument, ≥ 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public static double RegularizedGammaQ(double a, double x)
    {
        CheckGammaArguments(a, x);
        if (x == 0)
        {
            return 1;
        }

        if (double.IsPositiveInfinity(x))
        {
            return 0;
        }

        return x < a + 1 ? 1 - GammaSeries(a, x) : GammaContinuedFraction(a, x);
    }

    private static void CheckGammaArguments(double a, double x)
    {
        if (!(a > 0) || double.IsPositiveInfinity(a))
        {
            throw new ArgumentOutOfRangeException(nameof(a), a, "a must be a positive finite number.");
        }

        if (!(x >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(x), x, "x must be ≥ 0.");
        }
    }

    /// <summary>Regularised lower incomplete gamma function P(a, x) = 1 − Q(a, x).</summary>
    /// <param name="a">Shape, &gt; 0.</param>
    /// <param name="x">Argument, ≥ 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public static double RegularizedGammaP(double a, double x)
    {
        CheckGammaArguments(a, x);
        if (x == 0)
        {
            return 0;
        }

        if (double.IsPositiveInfinity(x))
        {
            return 1;
        }

        return x < a + 1 ? GammaSeries(a, x) : 1 - GammaContinuedFraction(a, x);
    }

    /// <summary>P(a, x) by its series (Numerical Recipes gser).</summary>
    private static double GammaSeries(double a, double x)
    {
        var ap = a;
        var delta = 1 / a;
        var sum = delta;
        for (var n = 0; n < MaxIterations; n++)
        {
            ap++;
            delta *= x / ap;
            sum += delta;
            if (Math.Abs(delta) < Math.Abs(sum) * Epsilon)
            {
                return sum * Math.Exp(-x + (a * Math.Log(x)) - LogGamma(a));
            }
        }

        throw new InvalidOperationException(FormattableString.Invariant(
            $"Incomplete gamma series did not converge for a = {a}, x = {x}."));
    }

    /// <summary>Q(a, x) by its continued fraction (Numerical Recipes gcf, modified Lentz).</summary>
    private static double GammaContinuedFraction(double a, double x)
    {
        var b = x + 1 - a;
        var c = 1 / FloatingMin;
        var d = 1 / b;
        var h = d;
        for (var i = 1; i <= MaxIterations; i++)
        {
            b += 2;
            var delta = LentzStep(-i * (i - a), ref c, ref d, b);
            h *= delta;
            if (Math.Abs(delta - 1) <= Epsilon)
            {
                return Math.Exp(-x + (a * Math.Log(x)) - LogGamma(a)) * h;
            }
        }

        throw new InvalidOperationException(FormattableString.Invariant(
            $"Incomplete gamma continued fraction did not converge for a = {a}, x = {x}."));
    }

    /// <summary>Standard normal distribution function Φ(z), via erfc(|z|/√2) = Q(1/2, z²/2).</summary>
    /// <param name="z">Standard normal deviate; NaN gives NaN.</param>
    public static double NormalCdf(double z)
    {
        if (double.IsNaN(z))
        {
            return double.NaN;
        }

        var tail = 0.5 * RegularizedGammaQ(0.5, z * z / 2); // P(Z > |z|)
        return z < 0 ? tail : 1 - tail;
    }

    /// <summary>Two-sided normal tail probability P(|Z| ≥ |z|) = erfc(|z|/√2), accurate far into the tail.</summary>
    /// <param name="z">Standard normal deviate; NaN gives NaN.</param>
    public static double NormalTwoSidedP(double z) => double.IsNaN(z) ? double.NaN : RegularizedGammaQ(0.5, z * z / 2);
}
