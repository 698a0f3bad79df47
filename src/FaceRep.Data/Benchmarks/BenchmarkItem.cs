using MessagePack;

namespace FaceRep.Data.Benchmarks;

/// <summary>
/// One face of a benchmark: its crop, the targets in the crop's coordinates, and what maps the crop back
/// onto the original image, where the official metrics are computed. Keys are the on-disk format: only add.
/// </summary>
/// <remarks>
/// Coordinates in the crop are continuous: pixel i spans [i, i + 1), so the crop's points run over
/// [0, <see cref="Benchmark.Size"/>). <see cref="OriginalPoints"/> are the annotation's own values, in the
/// convention its reader states; <see cref="ToOriginal"/> takes a crop point to that convention.
/// </remarks>
[MessagePackObject]
public sealed class BenchmarkItem
{
    /// <summary>Where the face came from: the image's path relative to the source, and which face when an image holds several.</summary>
    [Key(0)] public string Source { get; set; } = "";

    /// <summary><see cref="BenchmarkSplits.Train"/> or <see cref="BenchmarkSplits.Test"/>.</summary>
    [Key(1)] public string Split { get; set; } = "";

    /// <summary>The official subsets the face belongs to beyond its split (300W's <c>common</c>, WFLW's <c>pose</c>, …).</summary>
    [Key(2)] public string[] Subsets { get; set; } = [];

    /// <summary>The subject (person), from 0, or −1 when the benchmark does not say.</summary>
    [Key(3)] public int Subject { get; set; } = -1;

    /// <summary>The crop, a square JPEG of <see cref="Benchmark.Size"/> pixels.</summary>
    [Key(4)] public byte[] Image { get; set; } = [];

    /// <summary>Points in crop coordinates: (x, y) or (x, y, z) per point; z is scaled like x and y.</summary>
    [Key(5)] public float[] Points { get; set; } = [];

    /// <summary>The annotation's points as its reader gives them, in the original image.</summary>
    [Key(6)] public float[] OriginalPoints { get; set; } = [];

    /// <summary>Original = <see cref="Offset"/> + crop × <see cref="Scale"/>, per axis (x, y; z scales without offset).</summary>
    [Key(7)] public float Scale { get; set; } = 1;

    /// <summary>The offset of <see cref="Scale"/>'s map: x, y.</summary>
    [Key(8)] public float[] Offset { get; set; } = [0, 0];

    /// <summary>A normalising length the annotation gives (AFLW-19's box size), in original pixels; NaN when the metric computes it from the points.</summary>
    [Key(9)] public double Normaliser { get; set; } = double.NaN;

    /// <summary>Yaw, pitch and roll in degrees, when the benchmark gives them; empty otherwise.</summary>
    [Key(10)] public float[] Pose { get; set; } = [];

    /// <summary>Per-point visibility (AFLW-19's mask, COFW's occlusion inverted); empty when every point counts as visible.</summary>
    [Key(11)] public bool[] Visible { get; set; } = [];

    /// <summary>Scalar targets: action-unit intensities, or valence and arousal.</summary>
    [Key(12)] public float[] Values { get; set; } = [];

    /// <summary>A class label (AffectNet's expression, 0–7), or −1.</summary>
    [Key(13)] public int Class { get; set; } = -1;

    /// <summary>Where the face was read from: its shard and place in it (−1 when not read from a benchmark). Not stored.</summary>
    [IgnoreMember] public (int Shard, int Index) Location { get; set; } = (-1, -1);

    /// <summary>Maps crop points (x, y[, z] per point) to the original image's convention.</summary>
    public float[] ToOriginal(ReadOnlySpan<float> crop, int dimensions)
    {
        var result = new float[crop.Length];
        for (var i = 0; i < crop.Length; i++)
        {
            var axis = i % dimensions;
            result[i] = axis < 2 ? Offset[axis] + (crop[i] * Scale) : crop[i] * Scale;
        }

        return result;
    }
}

/// <summary>The split names a benchmark uses.</summary>
public static class BenchmarkSplits
{
    /// <summary>The official training split; few-shot subsets and the validation part come from it.</summary>
    public const string Train = "train";

    /// <summary>The official test split.</summary>
    public const string Test = "test";
}

/// <summary>A shard file of a benchmark: its items, in order.</summary>
[MessagePackObject]
public sealed class BenchmarkShardFile
{
    [Key(0)] public int Version { get; set; } = Benchmark.CurrentVersion;
    [Key(1)] public BenchmarkItem[] Items { get; set; } = [];
}
