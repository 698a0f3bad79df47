namespace FaceRep.Data.Benchmarks;

/// <summary>What the recognition benchmarks share: the cosine of embeddings, and pairs made from faces that are not the official pairs (a validation part).</summary>
public static class VerificationSets
{
    /// <summary>The cosine of two embeddings (0 when either is zero).</summary>
    public static float Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double ab = 0, aa = 0, bb = 0;
        for (var k = 0; k < a.Length; k++)
        {
            ab += a[k] * b[k];
            aa += a[k] * a[k];
            bb += b[k] * b[k];
        }

        return aa == 0 || bb == 0 ? 0 : (float)(ab / Math.Sqrt(aa * bb));
    }

    /// <summary>Pairs made from faces with subjects: consecutive images of each person, and as many of different people, alternating.</summary>
    public static List<(int A, int B, bool Same)> MadePairs(IReadOnlyList<BenchmarkItem> items)
    {
        var order = Enumerable.Range(0, items.Count).OrderBy(i => items[i].Subject).ThenBy(i => i).ToArray();
        var same = new List<(int, int, bool)>();
        for (var k = 1; k < order.Length; k++)
        {
            if (items[order[k]].Subject == items[order[k - 1]].Subject)
                same.Add((order[k - 1], order[k], true));
        }

        var different = new List<(int, int, bool)>();
        var half = order.Length / 2;
        for (var k = 0; k < order.Length && different.Count < Math.Max(same.Count, 5); k++)
        {
            var (a, b) = (order[k], order[(k + half) % order.Length]);
            if (items[a].Subject != items[b].Subject)
                different.Add((a, b, false));
        }

        var pairs = new List<(int A, int B, bool Same)>();
        for (var k = 0; k < Math.Max(same.Count, different.Count); k++)
        {
            if (k < same.Count)
                pairs.Add(same[k]);
            if (k < different.Count)
                pairs.Add(different[k]);
        }

        return pairs;
    }
}
