using FaceRep.Core.Metrics;

namespace FaceRep.Core.Statistics;

/// <summary>
/// Ranks of the sources' scores within one cell: 1 is best for the metric's
/// <see cref="MetricDirection"/>, and tied scores (exactly equal) share the average of the ranks
/// they span, so three sources tied for first all get 2. NaN scores (a missing result) are left
/// out of the ranking and get rank NaN; the ranks of the others run 1…k over the k present scores.
/// </summary>
public static class Ranking
{
    /// <summary>Ranks of scores, in the order of the input.</summary>
    /// <param name="scores">One score per source.</param>
    /// <param name="direction">Whether lower or higher scores are better.</param>
    /// <exception cref="ArgumentOutOfRangeException">direction is not a defined value.</exception>
    public static double[] Ranks(IReadOnlyList<double> scores, MetricDirection direction)
    {
        ArgumentNullException.ThrowIfNull(scores);
        if (!Enum.IsDefined(direction))
        {
            throw new ArgumentOutOfRangeException(nameof(direction), direction, "Unknown metric direction.");
        }

        var ranks = new double[scores.Count];
        var present = new List<int>(scores.Count);
        for (var i = 0; i < scores.Count; i++)
        {
            if (double.IsNaN(scores[i]))
            {
                ranks[i] = double.NaN;
            }
            else
            {
                present.Add(i);
            }
        }

        // Best first: ascending for lower-is-better, descending for higher-is-better.
        var order = direction == MetricDirection.LowerIsBetter
            ? present.OrderBy(i => scores[i]).ToArray()
            : present.OrderByDescending(i => scores[i]).ToArray();
        for (var start = 0; start < order.Length;)
        {
            var end = start;
            while (end + 1 < order.Length && scores[order[end + 1]] == scores[order[start]])
            {
                end++;
            }

            var average = (start + end + 2) / 2.0; // mean of the 1-based ranks start+1..end+1
            for (var k = start; k <= end; k++)
            {
                ranks[order[k]] = average;
            }

            start = end + 1;
        }

        return ranks;
    }

    /// <summary>Ranks of named sources' scores (same rules as <see cref="Ranks"/>).</summary>
    /// <typeparam name="TKey">Source identifier, for example the pre-training source name.</typeparam>
    /// <param name="scores">Score per source.</param>
    /// <param name="direction">Whether lower or higher scores are better.</param>
    /// <returns>Rank per source.</returns>
    public static Dictionary<TKey, double> Ranks<TKey>(IReadOnlyDictionary<TKey, double> scores, MetricDirection direction)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(scores);
        var keys = scores.Keys.ToArray();
        var ranks = Ranks(Array.ConvertAll(keys, k => scores[k]), direction);
        var result = new Dictionary<TKey, double>(keys.Length, scores is Dictionary<TKey, double> d ? d.Comparer : null);
        for (var i = 0; i < keys.Length; i++)
        {
            result[keys[i]] = ranks[i];
        }

        return result;
    }
}
