using MessagePack;

namespace FaceRep.Data.Shards;

/// <summary>
/// One sample as stored in a shard: the image as 8-bit planar RGB (as the image files users have
/// are; a quarter of the size of floats) and every label a face sample can carry. Keys are the
/// on-disk format: never renumber, only add.
/// </summary>
[MessagePackObject]
public sealed class ShardSample
{
    [Key(0)] public int Resolution { get; set; }
    [Key(1)] public byte[] Pixels { get; set; } = [];
    [Key(2)] public float[] Landmarks { get; set; } = [];
    [Key(3)] public int Identity { get; set; } = -1;
    [Key(4)] public string? Source { get; set; }
    [Key(5)] public float[] Landmarks3D { get; set; } = [];
    [Key(6)] public float[] ActionUnits { get; set; } = [];
    [Key(7)] public int Emotion { get; set; } = -1;
    [Key(8)] public float Valence { get; set; } = float.NaN;
    [Key(9)] public float Arousal { get; set; } = float.NaN;
    [Key(10)] public float Yaw { get; set; } = float.NaN;
    [Key(11)] public float Pitch { get; set; } = float.NaN;
    [Key(12)] public float Roll { get; set; } = float.NaN;

    /// <summary>A sample's stored form (8-bit pixels, every label).</summary>
    public static ShardSample From(FaceSample s, string source) => new()
    {
        Resolution = s.Resolution,
        Pixels = ShardStore.ToBytes(s.Pixels),
        Landmarks = s.Landmarks,
        Identity = s.Identity,
        Source = source,
        Landmarks3D = s.Landmarks3D,
        ActionUnits = s.ActionUnits,
        Emotion = s.Emotion,
        Valence = s.Valence,
        Arousal = s.Arousal,
        Yaw = s.Yaw,
        Pitch = s.Pitch,
        Roll = s.Roll,
    };

    /// <summary>The sample back, with pixels in [0, 1].</summary>
    public FaceSample ToFaceSample() => new()
    {
        Resolution = Resolution,
        Pixels = ShardStore.ToFloats(Pixels),
        Landmarks = Landmarks,
        Identity = Identity,
        Landmarks3D = Landmarks3D,
        ActionUnits = ActionUnits,
        Emotion = Emotion,
        Valence = Valence,
        Arousal = Arousal,
        Yaw = Yaw,
        Pitch = Pitch,
        Roll = Roll,
    };
}

/// <summary>A shard file's contents: its samples, in order.</summary>
[MessagePackObject]
public sealed class ShardFile
{
    [Key(0)] public int Version { get; set; } = 1;
    [Key(1)] public ShardSample[] Samples { get; set; } = [];
}

/// <summary>One shard of a dataset: where it is, how many samples it holds, and its checksum.</summary>
/// <param name="File">File name, relative to the manifest's directory.</param>
/// <param name="Count">Samples in the shard.</param>
/// <param name="Sha256">SHA-256 of the file, lower-case hex.</param>
/// <param name="Bytes">File size.</param>
public sealed record ShardEntry(string File, int Count, string Sha256, long Bytes);

/// <summary>A dataset on disk: a manifest of shards.</summary>
/// <param name="Name">Dataset name.</param>
/// <param name="Source">Where the samples came from (a generator description or a path).</param>
/// <param name="Resolution">Image size.</param>
/// <param name="Count">Samples in all shards.</param>
/// <param name="Shards">The shards, in sample order.</param>
/// <param name="CreatedUtc">When it was written.</param>
public sealed record DatasetManifest(string Name, string Source, int Resolution, int Count, IReadOnlyList<ShardEntry> Shards, DateTimeOffset CreatedUtc);
