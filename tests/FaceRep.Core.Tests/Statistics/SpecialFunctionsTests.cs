using FaceRep.Core.Statistics;

namespace FaceRep.Core.Tests.Statistics;

// Reference values from Debian's python3 (scipy 1.10.1, Python's math module); each comment
// gives the expression that produced the number.
public sealed class SpecialFunctionsTests
{
    [Theory]
    [InlineData(0.5, 0.5723649429247004)] // math.lgamma(0.5) = ln √π
    [InlineData(1.0, 0.0)] // math.lgamma(1.0)
    [InlineData(3.7, 1.4280723266653883)] // math.lgamma(3.7)
    [InlineData(10.0, 12.801827480081467)] // math.lgamma(10.0) = ln 9!
    [InlineData(123.456, 469.60554712992956)] // math.lgamma(123.456)
    public void Log_gamma_matches_python_math_lgamma(double x, double expected)
    {
        Assert.Equal(expected, SpecialFunctions.LogGamma(x), 1e-13);
    }

    [Theory]
    [InlineData(2.5, 0.5, 0.3, 0.01892712407194565)] // scipy.special.betainc(2.5, 0.5, 0.3)
    [InlineData(0.5, 0.5, 0.9, 0.7951672353008662)] // scipy.special.betainc(0.5, 0.5, 0.9)
    [InlineData(5.0, 3.0, 0.6, 0.41990399999999983)] // scipy.special.betainc(5.0, 3.0, 0.6)
    [InlineData(15.0, 0.5, 0.97, 0.3431267055881706)] // scipy.special.betainc(15.0, 0.5, 0.97)
    [InlineData(1.0, 1.0, 0.42, 0.42)] // scipy.special.betainc(1.0, 1.0, 0.42): I_x(1, 1) = x
    public void Regularized_incomplete_beta_matches_scipy_betainc(double a, double b, double x, double expected)
    {
        NumericAssert.Relative(expected, SpecialFunctions.RegularizedIncompleteBeta(a, b, x), 1e-13);
    }

    [Fact]
    public void Regularized_incomplete_beta_obeys_its_reflection_and_end_points()
    {
        // I_x(a, b) = 1 − I_{1−x}(b, a); I_0 = 0, I_1 = 1.
        var left = SpecialFunctions.RegularizedIncompleteBeta(3.2, 7.5, 0.35);
        var right = SpecialFunctions.RegularizedIncompleteBeta(7.5, 3.2, 0.65);
        Assert.Equal(1, left + right, 1e-14);
        Assert.Equal(0, SpecialFunctions.RegularizedIncompleteBeta(2, 3, 0));
        Assert.Equal(1, SpecialFunctions.RegularizedIncompleteBeta(2, 3, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => SpecialFunctions.RegularizedIncompleteBeta(2, 3, 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => SpecialFunctions.RegularizedIncompleteBeta(0, 3, 0.5));
    }

    [Theory]
    [InlineData(0.5, 0.1, 0.6547208460185768)] // scipy.special.gammaincc(0.5, 0.1)
    [InlineData(0.5, 2.0, 0.04550026389635857)] // scipy.special.gammaincc(0.5, 2.0)
    [InlineData(3.0, 2.5, 0.5438131158833297)] // scipy.special.gammaincc(3.0, 2.5)
    [InlineData(0.5, 12.5, 5.733031437583875e-07)] // scipy.special.gammaincc(0.5, 12.5)
    public void Regularized_upper_incomplete_gamma_matches_scipy_gammaincc(double a, double x, double expected)
    {
        NumericAssert.Relative(expected, SpecialFunctions.RegularizedGammaQ(a, x), 1e-12);
        Assert.Equal(1 - expected, SpecialFunctions.RegularizedGammaP(a, x), 1e-14);
    }

    [Theory]
    [InlineData(-3.0, 0.0013498980316300933)] // scipy.stats.norm.cdf(-3.0)
    [InlineData(-1.0, 0.15865525393145707)] // scipy.stats.norm.cdf(-1.0)
    [InlineData(0.0, 0.5)] // scipy.stats.norm.cdf(0.0)
    [InlineData(0.5, 0.6914624612740131)] // scipy.stats.norm.cdf(0.5)
    [InlineData(1.959963984540054, 0.975)] // scipy.stats.norm.cdf(1.959963984540054)
    [InlineData(4.0, 0.9999683287581669)] // scipy.stats.norm.cdf(4.0)
    public void Normal_cdf_matches_scipy_norm_cdf(double z, double expected)
    {
        Assert.Equal(expected, SpecialFunctions.NormalCdf(z), 1e-14);
    }

    [Fact]
    public void Normal_two_sided_p_is_twice_the_tail()
    {
        // 2 * scipy.stats.norm.sf(3.0) = 0.0026997960632601866
        NumericAssert.Relative(0.0026997960632601866, SpecialFunctions.NormalTwoSidedP(-3.0), 1e-12);
        Assert.Equal(1, SpecialFunctions.NormalTwoSidedP(0));
    }
}
