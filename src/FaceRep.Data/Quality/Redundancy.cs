namespace FaceRep.Data.Quality;

/// <summary>Near-duplicates found in one part (shard) of a dataset.</summary>
/// <param name="Part">The part's name.</param>
/// <param name="Samples">Samples in the part.</param>
/// <param name="NearDuplicates">Samples that have a near-duplicate anywhere else in the dataset.</param>
public sealed record RedundancyPart(string Part, int Samples, int NearDuplicates)
{
    /// <summary>Share of the part's samples that are near-duplicates.</summary>
    public double Rate => Samples == 0 ? 0 : (double)NearDuplicates / Samples;
}

/// <summary>How redundant a dataset is: the share of samples with a near-duplicate elsewhere in it.</summary>
/// <param name="Samples">Samples examined.</param>
/// <param name="NearDuplicates">Samples within <paramref name="Threshold"/> bits of another sample's perceptual hash.</param>
/// <param name="Threshold">Hamming distance at or below which two samples count as near-duplicates.</param>
/// <param name="Parts">The same per part (shard).</param>
public sealed record RedundancyReport(int Samples, int NearDuplicates, int Threshold, IReadOnlyList<RedundancyPart> Parts)
{
    /// <summary>Share of samples that are near-duplicates.</summary>
    public double Rate => Samples == 0 ? 0 : (double)NearDuplicates / Samples;
}

/// <summary>
/// Finds near-duplicates by perceptual hash. Pairs are found without comparing all of them: the
/// 64 bits are cut into 8 bands of 8; two hashes within 6 bits of each other share at least two
/// bands exactly (each differing bit spoils one band), so only hashes that share a band are
/// compared.
/// </summary>
public static class Redundancy
{
    /// <summary>The largest threshold the banding finds every pair for.</summary>
    public const int MaxThreshold = 7;

    /// <summary>Measures a dataset; <paramref name="partOf"/> names the part (shard) of each sample.</summary>
    public static RedundancyReport Measure(IFaceDataset dataset, Func<int, string> partOf, int threshold = 6)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threshold);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(threshold, MaxThreshold);
        var hashes = new ulong[dataset.Count];
        Parallel.For(0, dataset.Count, i => hashes[i] = PerceptualHash.Of(dataset.Get(i).Pixels, dataset.Resolution));
        var duplicate = FindNearDuplicates(hashes, threshold);
        var parts = Enumerable.Range(0, dataset.Count)
            .GroupBy(partOf)
            .Select(g => new RedundancyPart(g.Key, g.Count(), g.Count(i => duplicate[i])))
            .OrderBy(p => p.Part, StringComparer.Ordinal)
            .ToList();
        return new RedundancyReport(dataset.Count, duplicate.Count(d => d), threshold, parts);
    }

    /// <summary>
    /// Measures an imported image set, shard by shard (one shard's encoded images in memory at a time),
    /// each image decoded at 32 px, the hash's own grid; the parts are the shards.
    /// </summary>
    /// <exception cref="InvalidDataException">A shard is missing or damaged, or a stored image no longer decodes.</exception>
    public static RedundancyReport Measure(ImageSets.ImageSet set, int threshold = 6)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentOutOfRangeException.ThrowIfNegative(threshold);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(threshold, MaxThreshold);
        const int r = 32;
        var hashes = new ulong[set.Count];
        for (var shard = 0; shard < set.ShardCount; shard++)
        {
            var images = set.ReadShard(shard);
            var first = set.ShardStart(shard);
            Parallel.For(0, images.Length, () => new float[3 * r * r], (i, _, pixels) =>
            {
                try
                {
                    Formats.ImageDecoder.DecodeInto(images[i].Bytes, r, pixels, images[i].Source);
                }
                catch (Formats.CorruptSampleException e)
                {
                    throw new InvalidDataException($"{Path.Combine(set.Directory, set.Manifest.Shards[shard].File)}: {e.Message}", e);
                }

                hashes[first + i] = PerceptualHash.Of(pixels, r);
                return pixels;
            }, _ => { });
        }

        var duplicate = FindNearDuplicates(hashes, threshold);
        var parts = new List<RedundancyPart>(set.ShardCount);
        for (var shard = 0; shard < set.ShardCount; shard++)
        {
            var first = set.ShardStart(shard);
            var count = set.Manifest.Shards[shard].Count;
            var near = 0;
            for (var i = first; i < first + count; i++)
                near += duplicate[i] ? 1 : 0;
            parts.Add(new RedundancyPart(set.Manifest.Shards[shard].File, count, near));
        }

        return new RedundancyReport(set.Count, duplicate.Count(d => d), threshold, parts);
    }

    /// <summary>For each hash, whether another hash lies within <paramref name="threshold"/> bits of it.</summary>
    public static bool[] FindNearDuplicates(IReadOnlyList<ulong> hashes, int threshold)
    {
        var duplicate = new bool[hashes.Count];
        for (var band = 0; band < 8; band++)
        {
            var shift = band * 8;
            var buckets = new Dictionary<byte, List<int>>();
            for (var i = 0; i < hashes.Count; i++)
            {
                var key = (byte)(hashes[i] >> shift);
                if (!buckets.TryGetValue(key, out var list))
                    buckets[key] = list = [];
                list.Add(i);
            }

            foreach (var members in buckets.Values)
            {
                for (var a = 0; a < members.Count; a++)
                {
                    for (var b = a + 1; b < members.Count; b++)
                    {
                        if (PerceptualHash.Distance(hashes[members[a]], hashes[members[b]]) <= threshold)
                        {
                            duplicate[members[a]] = true;
                            duplicate[members[b]] = true;
                        }
                    }
                }
            }
        }

        return duplicate;
    }
}
