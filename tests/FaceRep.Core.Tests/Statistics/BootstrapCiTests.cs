using FaceRep.Core.Statistics;

namespace FaceRep.Core.Tests.Statistics;

// Reference values for the generator and the intervals come from this Python port of the
// reference C code (Debian python3, numpy 1.24.2), run once and pasted in:
//
//   M = (1 << 64) - 1
//   def splitmix(st):
//       st = (st + 0x9E3779B97F4A7C15) & M; z = st
//       z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
//       z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
//       return st, z ^ (z >> 31)
//   rotl = lambda x, k: ((x << k) | (x >> (64 - k))) & M
//   class X:
//       def __init__(s, seed):
//           st = seed; s.s = []
//           for _ in range(4): st, v = splitmix(st); s.s.append(v)
//       def next(s):
//           s0, s1, s2, s3 = s.s; r = (rotl((s1 * 5) & M, 7) * 9) & M; t = (s1 << 17) & M
//           s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 45)
//           s.s = [s0, s1, s2, s3]; return r
//       def nextint(s, n):
//           m = s.next() * n; l = m & M
//           if l < n:
//               t = ((1 << 64) - n) % n
//               while l < t: m = s.next() * n; l = m & M
//           return m >> 64
//   def boot(sample, B=10000, level=0.95, seed=0x5EEDFACE2024):
//       x = X(seed); n = len(sample); means = []
//       for _ in range(B):
//           acc = 0.0
//           for _ in range(n): acc += sample[x.nextint(n)]
//           means.append(acc / n)
//       a = 1 - level
//       return np.percentile(means, 100 * a / 2), np.percentile(means, 100 * (1 - a / 2))
public sealed class BootstrapCiTests
{
    private static readonly double[] Seeds = [0.812, 0.798, 0.825, 0.806, 0.817];

    [Fact]
    public void SplitMix64_and_xoshiro256starstar_reproduce_the_reference_generators()
    {
        // SplitMix64 from state 0: the first outputs of Vigna's reference splitmix64.c.
        ulong state = 0;
        Assert.Equal(0xE220A8397B1DCDAFUL, Xoshiro256StarStar.SplitMix64(ref state));
        Assert.Equal(0x6E789E6AA1B965F4UL, Xoshiro256StarStar.SplitMix64(ref state));
        Assert.Equal(0x06C45D188009454FUL, Xoshiro256StarStar.SplitMix64(ref state));

        // xoshiro256** seeded with SplitMix64(0), from the port above
        // ([hex(X(0).next()) for _ in range(3)]).
        var rng = new Xoshiro256StarStar(0);
        Assert.Equal(0x99EC5F36CB75F2B4UL, rng.NextUInt64());
        Assert.Equal(0xBF6E1F784956452AUL, rng.NextUInt64());
        Assert.Equal(0x1A5F849D4933E6E0UL, rng.NextUInt64());

        // Lemire's bounded integers from seed 42: [X(42).nextint(10) for _ in range(8)].
        var bounded = new Xoshiro256StarStar(42);
        Assert.Equal([0, 3, 6, 9, 9, 7, 7, 8], Enumerable.Range(0, 8).Select(_ => bounded.NextInt(10)).ToArray());
    }

    [Fact]
    public void Interval_matches_an_independent_port_with_numpy_percentiles()
    {
        // Python port of the generator plus numpy.percentile (linear, "type 7") over the 10,000
        // resample means, seed 0x5EEDFACE2024: boot([0.812, 0.798, 0.825, 0.806, 0.817]) → (0.8034000000000001, 0.8196).
        var ci = BootstrapCi.OfMean(Seeds);
        Assert.Equal(0.8034000000000001, ci.Lower, 1e-12);
        Assert.Equal(0.8196, ci.Upper, 1e-12);
        Assert.Equal(0.95, ci.Level);
        Assert.Equal(10_000, ci.Resamples);

        // boot(s, 2000, 0.9, 7) → (0.805, 0.8182)
        var other = BootstrapCi.OfMean(Seeds, resamples: 2000, level: 0.9, seed: 7);
        Assert.Equal(0.805, other.Lower, 1e-12);
        Assert.Equal(0.8182, other.Upper, 1e-12);
        Assert.Equal(2000, other.Resamples);
    }

    [Fact]
    public void Same_seed_gives_the_same_interval_and_another_seed_a_different_one()
    {
        // Twelve irregular values, so the resample means rarely coincide and another seed moves the bounds.
        double[] sample = [0.4113, 0.4721, 0.3897, 0.5202, 0.4436, 0.4618, 0.4009, 0.4555, 0.4302, 0.4987, 0.4271, 0.4794];
        var first = BootstrapCi.OfMean(sample, seed: 123);
        var second = BootstrapCi.OfMean(sample, seed: 123);
        var third = BootstrapCi.OfMean(sample, seed: 124);

        Assert.Equal(first, second);
        Assert.NotEqual(first, third);
    }

    [Fact]
    public void Interval_contains_the_sample_mean_and_lies_within_the_sample_range()
    {
        var ci = BootstrapCi.OfMean(Seeds);
        var mean = Summary.Of(Seeds).Mean;

        Assert.True(ci.Contains(mean), FormattableString.Invariant($"{mean} not in [{ci.Lower}, {ci.Upper}]"));
        Assert.True(ci.Lower < mean && mean < ci.Upper);
        Assert.True(ci.Lower >= Seeds.Min() && ci.Upper <= Seeds.Max());
    }

    [Fact]
    public void Interval_narrows_with_more_data()
    {
        // The same spread of values, five versus forty of them.
        double[] pattern = [0.70, 0.74, 0.78, 0.82, 0.86];
        var small = BootstrapCi.OfMean(pattern);
        var large = BootstrapCi.OfMean(Enumerable.Repeat(pattern, 8).SelectMany(x => x).ToArray());

        Assert.True(large.Width < small.Width / 2, FormattableString.Invariant($"widths {small.Width} and {large.Width}"));
        Assert.True(large.Contains(0.78) && small.Contains(0.78));
    }

    [Fact]
    public void Higher_level_gives_a_wider_interval_from_the_same_resamples()
    {
        var ci80 = BootstrapCi.OfMean(Seeds, level: 0.80);
        var ci99 = BootstrapCi.OfMean(Seeds, level: 0.99);

        Assert.True(ci99.Lower < ci80.Lower && ci99.Upper > ci80.Upper);
    }

    [Fact]
    public void Empty_and_single_value_samples_are_nan_and_a_point_and_bad_arguments_throw()
    {
        var empty = BootstrapCi.OfMean([]);
        Assert.True(double.IsNaN(empty.Lower) && double.IsNaN(empty.Upper));
        Assert.Equal(new ConfidenceInterval(0.9, 0.9, 0.95, 10_000), BootstrapCi.OfMean([0.9]));
        Assert.Throws<ArgumentException>(() => BootstrapCi.OfMean([0.9, double.PositiveInfinity]));
        Assert.Throws<ArgumentOutOfRangeException>(() => BootstrapCi.OfMean(Seeds, resamples: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => BootstrapCi.OfMean(Seeds, level: 1));
    }

    [Fact]
    public void Percentile_interpolates_linearly_between_order_statistics()
    {
        // numpy.percentile([1, 2, 4, 8], [0, 25, 50, 90, 100]) = [1, 1.75, 3, 6.8, 8]
        double[] sorted = [1, 2, 4, 8];
        Assert.Equal(1, BootstrapCi.Percentile(sorted, 0));
        Assert.Equal(1.75, BootstrapCi.Percentile(sorted, 0.25), 1e-15);
        Assert.Equal(3, BootstrapCi.Percentile(sorted, 0.5), 1e-15);
        Assert.Equal(6.8, BootstrapCi.Percentile(sorted, 0.9), 1e-14);
        Assert.Equal(8, BootstrapCi.Percentile(sorted, 1));
    }
}
