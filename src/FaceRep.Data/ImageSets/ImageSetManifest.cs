using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using MessagePack;

namespace FaceRep.Data.ImageSets;

/// <summary>What the images of a set are labelled with.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ImageSetKind>))]
public enum ImageSetKind
{
    /// <summary>One folder per identity (VGGFace2): every image has an identity label.</summary>
    Identities,

    /// <summary>Uncurated images: no labels.</summary>
    Images,

    /// <summary>Video frames: identity, clip and frame order for every image.</summary>
    Video,
}

/// <summary>How the images were stored: the source's own bytes, or re-encoded at a fixed size.</summary>
/// <param name="Size">Side of the stored square images; null when the source bytes are kept as they are.</param>
/// <param name="Quality">JPEG quality of re-encoded images; null when kept.</param>
/// <param name="Margin">Margin around a face box, as a fraction of its longer side on each side; null without boxes.</param>
/// <param name="Boxes">The box file the crops came from (its name only); null without boxes.</param>
public sealed record ImageStorage(int? Size, int? Quality, double? Margin, string? Boxes)
{
    /// <summary>The source's bytes, untouched.</summary>
    public static ImageStorage Source { get; } = new(null, null, null, null);

    /// <summary>What the storage means, in words.</summary>
    public string Describe() => Size is null
        ? "source bytes"
        : Boxes is null
            ? $"re-encoded at {Size}×{Size}, JPEG quality {Quality}"
            : $"face boxes from {Boxes} with margin {Margin?.ToString("0.##", CultureInfo.InvariantCulture)}, re-encoded at {Size}×{Size}, JPEG quality {Quality}";
}

/// <summary>One shard of an image set.</summary>
/// <param name="File">File name, relative to the set's directory.</param>
/// <param name="Count">Images in the shard.</param>
/// <param name="Sha256">SHA-256 of the file, lower-case hex.</param>
/// <param name="Bytes">File size.</param>
/// <param name="Content">SHA-256 over the SHA-256 of each stored image, in order: what the shard holds, whatever the file's framing.</param>
public sealed record ImageShardEntry(string File, int Count, string Sha256, long Bytes, string Content);

/// <summary>An item of the source that could not be read or decoded, left out of the set.</summary>
/// <param name="Item">The item (a path relative to the source, or <c>file.h5[images][i]</c>).</param>
/// <param name="Reason">Why.</param>
public sealed record SkippedItem(string Item, string Reason);

/// <summary>
/// An imported image set on disk (<see cref="ImageSet.ManifestFile"/>): encoded images in checksummed
/// shards, a checksummed index of labels, and the set's content hash, which is its identity: it depends
/// on the stored images and their labels only, so moving or renaming the directory keeps it, and
/// changing one image changes it.
/// </summary>
/// <param name="Format">Always <see cref="ImageSet.FormatName"/>.</param>
/// <param name="Version">Format version.</param>
/// <param name="Name">The set's name when it was imported (the directory's name).</param>
/// <param name="Kind">What the images are labelled with.</param>
/// <param name="Source">Where it was imported from.</param>
/// <param name="Storage">How the images are stored.</param>
/// <param name="Count">Images in all shards.</param>
/// <param name="Identities">Identity names in label order (empty for <see cref="ImageSetKind.Images"/>).</param>
/// <param name="Clips">Number of clips (video sets; 0 otherwise).</param>
/// <param name="Index">The label index file.</param>
/// <param name="Shards">The shards, in image order.</param>
/// <param name="Skipped">Every source item left out, with why.</param>
/// <param name="Content">The content hash (lower-case hex SHA-256), see <see cref="ContentHash"/>.</param>
/// <param name="CreatedUtc">When the import finished.</param>
public sealed record ImageSetManifest(
    string Format,
    int Version,
    string Name,
    ImageSetKind Kind,
    string Source,
    ImageStorage Storage,
    int Count,
    IReadOnlyList<string> Identities,
    int Clips,
    ImageShardEntry Index,
    IReadOnlyList<ImageShardEntry> Shards,
    IReadOnlyList<SkippedItem> Skipped,
    string Content,
    DateTimeOffset CreatedUtc)
{
    /// <summary>
    /// The content hash of a set: SHA-256 over the format version, the kind, the stored size, the label
    /// index's content and each shard's content, in order. Names, paths, dates and identity folder names
    /// are not part of it.
    /// </summary>
    public static string ContentHash(int version, ImageSetKind kind, ImageStorage storage, string indexContent, IEnumerable<string> shardContents)
    {
        var text = new StringBuilder()
            .Append(ImageSet.FormatName).Append('/').Append(version.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append(kind.ToString().ToLowerInvariant()).Append('\n')
            .Append(storage.Size?.ToString(CultureInfo.InvariantCulture) ?? "source").Append('\n')
            .Append(indexContent).Append('\n');
        foreach (var shard in shardContents)
            text.Append(shard).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>The first 16 hex digits of <see cref="Content"/>, as messages and tables show it.</summary>
    [JsonIgnore]
    public string ShortContent => Content[..16];
}

/// <summary>One stored image: its encoded bytes and where it came from. Keys are the on-disk format: only add.</summary>
[MessagePackObject]
public sealed class StoredImage
{
    [Key(0)] public byte[] Bytes { get; set; } = [];
    [Key(1)] public string Source { get; set; } = "";
}

/// <summary>A shard file: its images, in order.</summary>
[MessagePackObject]
public sealed class ImageShardFile
{
    [Key(0)] public int Version { get; set; } = ImageSet.CurrentVersion;
    [Key(1)] public StoredImage[] Images { get; set; } = [];
}

/// <summary>The label index: per image, its identity (−1 for none), clip (−1 for none) and frame within the clip.</summary>
[MessagePackObject]
public sealed class ImageSetIndex
{
    [Key(0)] public int Version { get; set; } = ImageSet.CurrentVersion;
    [Key(1)] public int[] Labels { get; set; } = [];
    [Key(2)] public int[] Clips { get; set; } = [];
    [Key(3)] public int[] Frames { get; set; } = [];

    /// <summary>SHA-256 over the labels, clips and frames (little-endian int32s): what the index says, whatever its framing.</summary>
    public string ContentHash()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(Labels.AsSpan()));
        hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(Clips.AsSpan()));
        hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(Frames.AsSpan()));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
