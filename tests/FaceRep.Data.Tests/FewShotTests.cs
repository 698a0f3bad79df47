namespace FaceRep.Data.Tests;

public sealed class FewShotTests
{
    [Theory]
    [InlineData(1000, 3)]
    [InlineData(37, 0)]
    [InlineData(5, -8)]
    public void Subsets_for_smaller_fractions_lie_inside_those_for_larger_ones(int n, int seed)
    {
        var small = FewShot.Subset(n, 0.05, seed);
        var medium = FewShot.Subset(n, 0.2, seed);
        var all = FewShot.Subset(n, 1.0, seed);

        Assert.Subset(medium.ToHashSet(), small.ToHashSet());
        Assert.Subset(all.ToHashSet(), medium.ToHashSet());
    }

    [Theory]
    [InlineData(1000, 0.05, 50)]
    [InlineData(1000, 0.2, 200)]
    [InlineData(100, 0.07, 7)]
    [InlineData(101, 0.1, 11)]
    [InlineData(3, 0.5, 2)]
    [InlineData(10, 0.001, 1)]
    [InlineData(1, 0.5, 1)]
    [InlineData(250, 1.0, 250)]
    public void A_subset_holds_the_ceiling_of_fraction_times_n_and_at_least_one(int n, double fraction, int expected)
    {
        var subset = FewShot.Subset(n, fraction, 1);

        Assert.Equal(expected, subset.Length);
    }

    [Fact]
    public void A_subset_is_sorted_distinct_and_within_the_split()
    {
        var subset = FewShot.Subset(500, 0.3, 12);

        Assert.Equal(subset.Order(), subset);
        Assert.Equal(subset.Length, subset.Distinct().Count());
        Assert.All(subset, i => Assert.InRange(i, 0, 499));
    }

    [Fact]
    public void The_full_fraction_takes_every_index()
    {
        Assert.Equal(Enumerable.Range(0, 64), FewShot.Subset(64, 1.0, 99));
    }

    [Fact]
    public void The_same_seed_gives_the_same_subset()
    {
        Assert.Equal(FewShot.Subset(1000, 0.1, 5), FewShot.Subset(1000, 0.1, 5));
    }

    [Fact]
    public void Different_seeds_give_different_subsets()
    {
        Assert.NotEqual(FewShot.Subset(1000, 0.1, 5), FewShot.Subset(1000, 0.1, 6));
    }

    [Fact]
    public void Subsets_are_spread_over_the_split_rather_than_taken_from_its_start()
    {
        var subset = FewShot.Subset(1000, 0.1, 0);

        Assert.InRange(subset.Average(), 350, 650);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.1)]
    [InlineData(1.0001)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Fractions_outside_zero_to_one_are_rejected_naming_the_value(double fraction)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => FewShot.Subset(100, fraction, 0));

        Assert.Equal("fraction", error.ParamName);
        Assert.Equal(fraction, error.ActualValue);
    }

    [Fact]
    public void An_empty_split_is_rejected()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => FewShot.Subset(0, 0.5, 0));

        Assert.Equal("n", error.ParamName);
    }
}
