using FaceRep.Data.Synth;

namespace FaceRep.Data;

/// <summary>Few-shot subsets of a training split.</summary>
public static class FewShot
{
    /// <summary>
    /// Indices of a <paramref name="fraction"/> of a training split of size <paramref name="n"/> for one seed:
    /// sorted ascending, ⌈fraction·n⌉ of them (at least 1), and nested: for the same seed, the subset for a
    /// smaller fraction lies inside the subset for a larger one (both are prefixes of one seeded permutation).
    /// The ceiling forgives floating-point dust (0.07 · 100 gives 7, not 8).
    /// </summary>
    public static int[] Subset(int n, double fraction, int seed)
    {
        if (n < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(n), n, $"The split must hold at least one sample (n was {n}).");
        }

        if (!(fraction > 0d && fraction <= 1d))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, $"The few-shot fraction must be in (0, 1] (was {fraction}).");
        }

        var count = Count(n, fraction);

        // Forward Fisher–Yates: position i is fixed by the first i + 1 draws only, so a shorter prefix of
        // the same seed's permutation is always a prefix of a longer one.
        var permutation = new int[n];
        for (var i = 0; i < n; i++)
        {
            permutation[i] = i;
        }

        var rng = SynthRandom.For(seed, SynthStreams.FewShot, (ulong)n, 0);
        for (var i = 0; i < count; i++)
        {
            var j = i + rng.NextInt(n - i);
            (permutation[i], permutation[j]) = (permutation[j], permutation[i]);
        }

        var subset = permutation.AsSpan(0, count).ToArray();
        Array.Sort(subset);
        return subset;
    }

    /// <summary>The subset size: ⌈fraction·n⌉ (ignoring floating-point dust), at least 1, at most n.</summary>
    public static int Count(int n, double fraction)
    {
        var exact = fraction * n;
        var count = (int)Math.Ceiling(exact - (1e-9 * Math.Max(1d, exact)));
        return Math.Clamp(count, 1, n);
    }
}
