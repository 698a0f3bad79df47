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

    private const ulong StratifiedStream = 0x53545241544946UL;
    private const ulong SubjectStream = 0x5355424A454354UL;

    /// <summary>
    /// A stratified subset: from each class, ⌈fraction·n_c⌉ of its n_c samples (at least one), drawn as a
    /// prefix of that class's seeded permutation, so subsets nest across fractions and every class present
    /// in the split is present in the subset. <paramref name="key"/> (the dataset's name) makes the draw
    /// depend on (dataset, fraction, seed) only. Sorted ascending.
    /// </summary>
    public static int[] Stratified(IReadOnlyList<int> classes, double fraction, int seed, string key = "")
    {
        ValidateFraction(fraction);
        return ByGroup(classes, seed, key, StratifiedStream, count => Count(count, fraction));
    }

    /// <summary>
    /// A k-shot subset: <paramref name="shotsPerClass"/> samples of each class (all of a class that has fewer),
    /// as prefixes of per-class seeded permutations, so k-shot subsets nest across k. Sorted ascending.
    /// </summary>
    public static int[] PerClass(IReadOnlyList<int> classes, int shotsPerClass, int seed, string key = "")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shotsPerClass, 1);
        return ByGroup(classes, seed, key, StratifiedStream, count => Math.Min(count, shotsPerClass));
    }

    /// <summary>
    /// A subject-exclusive subset: ⌈fraction·S⌉ of the S subjects (a prefix of a seeded permutation of the
    /// subjects, so subsets nest across fractions) and every sample of each chosen subject. No subject is
    /// split between the subset and the rest. Sorted ascending.
    /// </summary>
    public static int[] SubjectExclusive(IReadOnlyList<int> subjects, double fraction, int seed, string key = "")
    {
        ValidateFraction(fraction);
        ArgumentNullException.ThrowIfNull(subjects);
        if (subjects.Count == 0)
            throw new ArgumentException("The split holds no samples.", nameof(subjects));
        var distinct = subjects.Distinct().Order().ToArray();
        var rng = SynthRandom.For(seed, SubjectStream, KeyHash(key), distinct.Length);
        var take = Count(distinct.Length, fraction);
        for (var i = 0; i < take; i++)
        {
            var j = i + rng.NextInt(distinct.Length - i);
            (distinct[i], distinct[j]) = (distinct[j], distinct[i]);
        }

        var chosen = distinct.AsSpan(0, take).ToArray().ToHashSet();
        return Enumerable.Range(0, subjects.Count).Where(i => chosen.Contains(subjects[i])).ToArray();
    }

    private static int[] ByGroup(IReadOnlyList<int> groups, int seed, string key, ulong stream, Func<int, int> take)
    {
        ArgumentNullException.ThrowIfNull(groups);
        if (groups.Count == 0)
            throw new ArgumentException("The split holds no samples.", nameof(groups));
        var result = new List<int>();
        foreach (var group in Enumerable.Range(0, groups.Count).GroupBy(i => groups[i]).OrderBy(g => g.Key))
        {
            var members = group.ToArray();
            var count = take(members.Length);
            var rng = SynthRandom.For(seed, stream, KeyHash(key) ^ (ulong)(uint)group.Key, members.Length);
            for (var i = 0; i < count; i++)
            {
                var j = i + rng.NextInt(members.Length - i);
                (members[i], members[j]) = (members[j], members[i]);
            }

            result.AddRange(members.AsSpan(0, count).ToArray());
        }

        result.Sort();
        return result.ToArray();
    }

    private static void ValidateFraction(double fraction)
    {
        if (!(fraction > 0d && fraction <= 1d))
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, $"The few-shot fraction must be in (0, 1] (was {fraction}).");
    }

    /// <summary>FNV-1a of the key's UTF-16 code units: stable across runs and runtimes, unlike string.GetHashCode.</summary>
    private static ulong KeyHash(string key)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in key)
        {
            hash ^= c;
            hash *= 1099511628211UL;
        }

        return hash;
    }
}
