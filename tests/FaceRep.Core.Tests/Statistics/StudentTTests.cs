using FaceRep.Core.Statistics;

namespace FaceRep.Core.Tests.Statistics;

// Distribution-function references: scipy 1.10.1 (scipy.stats.t.cdf / sf), which agree with a
// 40-digit mpmath evaluation to ~1e-16. Quantile references: 40-digit mpmath, solving
// I_{ν/(ν+t²)}(ν/2, 1/2)/2 = 1 − p with mp.findroot; scipy 1.10.1's t.ppf (cdflib stdtrit) is
// itself only good to ~1e-9 relative (e.g. t.ppf(0.9, 29) = 1.311433643950529 vs the true
// 1.3114336473015512), so it is quoted in the comments but not used as the reference.
public sealed class StudentTTests
{
    [Theory]
    [InlineData(2.0, 5, 0.9490302605850709)] // scipy.stats.t.cdf(2.0, 5)
    [InlineData(-1.5, 3, 0.11529193262241141)] // scipy.stats.t.cdf(-1.5, 3)
    [InlineData(0.3, 1, 0.5927735790777423)] // scipy.stats.t.cdf(0.3, 1)
    [InlineData(10.0, 2, 0.9950737714883371)] // scipy.stats.t.cdf(10.0, 2)
    [InlineData(2.5, 30.5, 0.9909918770681041)] // scipy.stats.t.cdf(2.5, 30.5): non-integer ν
    [InlineData(1.96, 1000, 0.9748634075221256)] // scipy.stats.t.cdf(1.96, 1000)
    [InlineData(-4.2, 9, 0.0011533462532701188)] // scipy.stats.t.cdf(-4.2, 9)
    public void Cdf_matches_scipy_t_cdf(double t, double df, double expected)
    {
        NumericAssert.Relative(expected, StudentT.Cdf(t, df), 1e-13);
    }

    [Theory]
    [InlineData(2.0, 5, 0.10193947882985828)] // 2*scipy.stats.t.sf(2.0, 5)
    [InlineData(8.5, 3, 0.0034196914163444757)] // 2*scipy.stats.t.sf(8.5, 3)
    [InlineData(40.0, 9, 1.8982998449339835e-11)] // 2*scipy.stats.t.sf(40.0, 9): deep tail, no cancellation
    [InlineData(-40.0, 9, 1.8982998449339835e-11)] // symmetric in t
    public void Two_sided_p_matches_twice_scipy_t_sf(double t, double df, double expected)
    {
        NumericAssert.Relative(expected, StudentT.TwoSidedP(t, df), 1e-11);
    }

    [Theory]
    [InlineData(0.975, 1, 12.706204736174693, 12.706204736432095)] // mpmath; scipy.stats.t.ppf(0.975, 1) = 12.706204736432095
    [InlineData(0.975, 2, 4.3026527297494618, 4.302652729911275)] // mpmath; scipy.stats.t.ppf(0.975, 2) = 4.302652729911275
    [InlineData(0.975, 4, 2.7764451051977935, 2.7764451051977987)] // mpmath; scipy.stats.t.ppf(0.975, 4) = 2.7764451051977987
    [InlineData(0.975, 9, 2.2621571627982050, 2.2621571627409915)] // mpmath; scipy.stats.t.ppf(0.975, 9) = 2.2621571627409915
    [InlineData(0.995, 2, 9.9248432009182886, 9.92484320091807)] // mpmath; scipy.stats.t.ppf(0.995, 2) = 9.92484320091807
    [InlineData(0.9, 29, 1.3114336473015512, 1.311433643950529)] // mpmath; scipy.stats.t.ppf(0.9, 29) = 1.311433643950529
    [InlineData(0.025, 7, -2.3646242515927853, -2.3646242510103)] // mpmath; scipy.stats.t.ppf(0.025, 7) = -2.3646242510103
    [InlineData(0.975, 1e4, 1.9602012398906259, 1.960201239890626)] // mpmath; scipy.stats.t.ppf(0.975, 1e4) = 1.960201239890626
    [InlineData(0.6, 3, 0.27667066233268985, 0.27667066230490933)] // mpmath; scipy.stats.t.ppf(0.6, 3) = 0.27667066230490933
    [InlineData(0.9995, 1, 636.61924876878973, 636.6192494318557)] // mpmath; scipy.stats.t.ppf(0.9995, 1) = 636.6192494318557
    public void Quantile_matches_mpmath_to_1e12_and_scipy_to_5e9(double p, double df, double mpmathValue, double scipyValue)
    {
        var quantile = StudentT.Quantile(p, df);
        NumericAssert.Relative(mpmathValue, quantile, 1e-12);
        NumericAssert.Relative(scipyValue, quantile, 5e-9);
    }

    [Fact]
    public void Very_large_degrees_of_freedom_stay_within_the_documented_1e10()
    {
        // The incomplete-beta continued fraction loses digits when ν/2 is huge and x is near 1.
        // mpmath: t.ppf(0.975, 1e6) = 1.9599663568141066553 (scipy.stats.t.ppf(0.975, 1e6) = 1.9599663568141066);
        // 2*scipy.stats.t.sf(1.96, 1e6) = 0.04999606758526978 (mpmath 0.049996067585269790686).
        NumericAssert.Relative(1.9599663568141067, StudentT.Quantile(0.975, 1e6), 1e-10);
        NumericAssert.Relative(0.04999606758526978, StudentT.TwoSidedP(1.96, 1e6), 1e-9);

        // 2*scipy.stats.t.sf(1.96, 1e4) = 0.05002352023183303: still ~1e-13 at ν = 1e4.
        NumericAssert.Relative(0.05002352023183303, StudentT.TwoSidedP(1.96, 1e4), 1e-12);
    }

    [Theory]
    [InlineData(0.975)]
    [InlineData(0.9)]
    [InlineData(0.6)]
    [InlineData(0.001)]
    public void Quantile_has_closed_forms_for_one_and_two_degrees_of_freedom(double p)
    {
        // ν = 1 (Cauchy): t = tan(π(p − ½)); ν = 2: t = (2p − 1)/√(2p(1 − p)).
        NumericAssert.Relative(Math.Tan(Math.PI * (p - 0.5)), StudentT.Quantile(p, 1), 1e-13);
        NumericAssert.Relative((2 * p - 1) / Math.Sqrt(2 * p * (1 - p)), StudentT.Quantile(p, 2), 1e-13);
    }

    [Theory]
    [InlineData(0.975, 3)]
    [InlineData(0.05, 12)]
    [InlineData(0.9999, 2.5)]
    [InlineData(0.51, 40)]
    public void Quantile_inverts_the_cdf(double p, double df)
    {
        Assert.Equal(p, StudentT.Cdf(StudentT.Quantile(p, df), df), 1e-14);
    }

    [Fact]
    public void Quantile_end_points_and_median_are_exact_and_bad_arguments_throw()
    {
        Assert.Equal(0, StudentT.Quantile(0.5, 7));
        Assert.Equal(double.NegativeInfinity, StudentT.Quantile(0, 7));
        Assert.Equal(double.PositiveInfinity, StudentT.Quantile(1, 7));
        Assert.Throws<ArgumentOutOfRangeException>(() => StudentT.Quantile(1.2, 7));
        Assert.Throws<ArgumentOutOfRangeException>(() => StudentT.Cdf(1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => StudentT.Cdf(1, double.NaN));
    }

    [Fact]
    public void Density_integrates_to_the_cdf()
    {
        // Simpson's rule for ∫_{-1}^{2} f(t; 4) dt against F(2; 4) − F(−1; 4).
        const int steps = 2000;
        const double a = -1, b = 2, h = (b - a) / steps;
        var sum = StudentT.Density(a, 4) + StudentT.Density(b, 4);
        for (var i = 1; i < steps; i++)
        {
            sum += (i % 2 == 1 ? 4 : 2) * StudentT.Density(a + (i * h), 4);
        }

        Assert.Equal(StudentT.Cdf(b, 4) - StudentT.Cdf(a, 4), sum * h / 3, 1e-12);
    }

    [Fact]
    public void Mean_interval_matches_scipy_t_interval()
    {
        double[] seeds = [0.812, 0.798, 0.825, 0.806, 0.817];

        // m = np.mean(s); se = scipy.stats.sem(s); scipy.stats.t.interval(0.95, 4, loc=m, scale=se)
        //   = (0.7987982093363671, 0.8244017906636328); mpmath: 0.79879820933636716, 0.82440179066363286
        var ci95 = StudentT.MeanInterval(seeds);
        Assert.Equal(0.7987982093363671, ci95.Lower, 1e-9);
        Assert.Equal(0.8244017906636328, ci95.Upper, 1e-9);
        Assert.Equal(0.95, ci95.Level);
        Assert.Equal(0, ci95.Resamples);

        // scipy.stats.t.interval(0.90, 4, loc=m, scale=se) = (0.8017703598711481, 0.8214296401288519);
        // mpmath: 0.80177035984813828, 0.82142964015186174 (scipy's t.ppf(0.95, 4) = 2.13184678133629 is
        // 5e-9 below the true 2.1318467863266495, moving the bounds by 2e-11).
        var ci90 = StudentT.MeanInterval(seeds, 0.90);
        Assert.Equal(0.80177035984813828, ci90.Lower, 1e-12);
        Assert.Equal(0.82142964015186174, ci90.Upper, 1e-12);
        Assert.Equal(0.8017703598711481, ci90.Lower, 1e-8);
    }

    [Fact]
    public void Mean_interval_of_too_few_or_identical_values_is_nan_or_a_point()
    {
        var one = StudentT.MeanInterval([0.8]);
        Assert.True(double.IsNaN(one.Lower) && double.IsNaN(one.Upper));
        Assert.Equal(new ConfidenceInterval(0.5, 0.5, 0.95, 0), StudentT.MeanInterval([0.5, 0.5, 0.5]));
        Assert.Throws<ArgumentException>(() => StudentT.MeanInterval([0.5, double.NaN]));
    }
}
