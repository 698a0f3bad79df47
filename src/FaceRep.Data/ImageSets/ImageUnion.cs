namespace FaceRep.Data.ImageSets;

/// <summary>
/// Several image sets read as one, in the order given (the paper's "Full" set is the union of its
/// curated, uncurated and video sets): images, shards, identities and clips are numbered across the
/// sets, each set's identity and clip numbers following the previous sets' (images without a
/// label keep −1). A single set is the union of one.
/// </summary>
public sealed class ImageUnion
{
    private readonly (ImageSet Set, int Local)[] _shards;
    private readonly int[] _shardStarts;

    /// <summary>The union of <paramref name="sets"/>, in order.</summary>
    public ImageUnion(IReadOnlyList<ImageSet> sets)
    {
        ArgumentNullException.ThrowIfNull(sets);
        if (sets.Count == 0)
            throw new ArgumentException("a union needs at least one set", nameof(sets));
        Sets = sets;
        var labels = new List<int>();
        var clips = new List<int>();
        var frames = new List<int>();
        var shards = new List<(ImageSet, int)>();
        var starts = new List<int> { 0 };
        int identityOffset = 0, clipOffset = 0, count = 0;
        foreach (var set in sets)
        {
            labels.AddRange(set.Labels.Select(l => l < 0 ? -1 : l + identityOffset));
            clips.AddRange(set.Clips.Select(c => c < 0 ? -1 : c + clipOffset));
            frames.AddRange(set.Frames);
            for (var s = 0; s < set.ShardCount; s++)
            {
                shards.Add((set, s));
                starts.Add(count + set.ShardStart(s) + set.Manifest.Shards[s].Count);
            }

            identityOffset += set.Manifest.Identities.Count;
            clipOffset += set.Manifest.Clips;
            count += set.Count;
        }

        Labels = [.. labels];
        Clips = [.. clips];
        Frames = [.. frames];
        Count = count;
        _shards = [.. shards];
        _shardStarts = [.. starts];
    }

    /// <summary>The sets, in order.</summary>
    public IReadOnlyList<ImageSet> Sets { get; }

    /// <summary>Images in all sets.</summary>
    public int Count { get; }

    /// <summary>Identity label of each image across the union (−1 for none).</summary>
    public IReadOnlyList<int> Labels { get; }

    /// <summary>Clip of each image across the union (−1 for none).</summary>
    public IReadOnlyList<int> Clips { get; }

    /// <summary>Frame of each image within its clip (−1 for none).</summary>
    public IReadOnlyList<int> Frames { get; }

    /// <summary>Shards in all sets.</summary>
    public int ShardCount => _shards.Length;

    /// <summary>The union's index of the first image of union shard <paramref name="shard"/> (and of the end, for <see cref="ShardCount"/>).</summary>
    public int ShardStart(int shard) => _shardStarts[shard];

    /// <summary>Reads union shard <paramref name="shard"/> (see <see cref="ImageSet.ReadShard"/>).</summary>
    public StoredImage[] ReadShard(int shard) => _shards[shard].Set.ReadShard(_shards[shard].Local);

    /// <summary>
    /// The images left when every clip keeps <paramref name="framesPerClip"/> frames, evenly spaced
    /// through it (all of a shorter clip); images outside clips are all kept. Ascending.
    /// </summary>
    public int[] ThinClips(int framesPerClip)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(framesPerClip, 1);
        var kept = new List<int>(Count);
        var byClip = new Dictionary<int, List<int>>();
        for (var i = 0; i < Count; i++)
        {
            if (Clips[i] < 0)
            {
                kept.Add(i);
                continue;
            }

            if (!byClip.TryGetValue(Clips[i], out var members))
                byClip[Clips[i]] = members = [];
            members.Add(i);
        }

        foreach (var members in byClip.Values)
        {
            members.Sort((a, b) => Frames[a].CompareTo(Frames[b]));
            var n = members.Count;
            if (framesPerClip >= n)
            {
                kept.AddRange(members);
                continue;
            }

            // The centres of k equal parts of the clip.
            for (var j = 0; j < framesPerClip; j++)
                kept.Add(members[(int)(((2L * j) + 1) * n / (2L * framesPerClip))]);
        }

        kept.Sort();
        return [.. kept];
    }
}
