using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using MessagePack;

namespace FaceRep.Data.ImageSets;

/// <summary>
/// An imported image set, opened: its manifest and labels in memory, its images on disk. Shards are
/// read whole, verified against their checksum, and never all held at once: callers keep the ones
/// they are using (see <see cref="ImageSetStream"/>). Safe to share between threads.
/// </summary>
public sealed class ImageSet
{
    /// <summary>The manifest's file name.</summary>
    public const string ManifestFile = "imageset.json";

    /// <summary>The manifest's <c>format</c> value.</summary>
    public const string FormatName = "facerep-imageset";

    /// <summary>The format version this build writes and reads.</summary>
    public const int CurrentVersion = 1;

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    internal static readonly MessagePackSerializerOptions Pack =
        MessagePackSerializerOptions.Standard.WithSecurity(MessagePackSecurity.UntrustedData);

    private readonly long[] _starts;

    private ImageSet(string directory, ImageSetManifest manifest, ImageSetIndex index)
    {
        Directory = directory;
        Manifest = manifest;
        Labels = index.Labels;
        Clips = index.Clips;
        Frames = index.Frames;
        _starts = new long[manifest.Shards.Count + 1];
        for (var s = 0; s < manifest.Shards.Count; s++)
            _starts[s + 1] = _starts[s] + manifest.Shards[s].Count;
    }

    /// <summary>The directory it was opened from.</summary>
    public string Directory { get; }

    /// <summary>The manifest.</summary>
    public ImageSetManifest Manifest { get; }

    /// <summary>The set's name (its manifest's).</summary>
    public string Name => Manifest.Name;

    /// <summary>The content hash: the set's identity.</summary>
    public string Content => Manifest.Content;

    /// <summary>Number of images.</summary>
    public int Count => Manifest.Count;

    /// <summary>Identity label of each image (−1 for none).</summary>
    public IReadOnlyList<int> Labels { get; }

    /// <summary>Clip of each image (−1 for none).</summary>
    public IReadOnlyList<int> Clips { get; }

    /// <summary>Frame of each image within its clip (−1 for none).</summary>
    public IReadOnlyList<int> Frames { get; }

    /// <summary>Number of shards.</summary>
    public int ShardCount => Manifest.Shards.Count;

    /// <summary>Index of the first image of shard <paramref name="shard"/>.</summary>
    public int ShardStart(int shard) => (int)_starts[shard];

    /// <summary>The shard holding image <paramref name="index"/>.</summary>
    public int ShardOf(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        var found = Array.BinarySearch(_starts, index);
        // An exact hit is a shard's first image; but empty shards share a start, so take the last shard starting there.
        if (found >= 0)
        {
            while (found + 1 < _starts.Length - 1 && _starts[found + 1] == index)
                found++;
            return found;
        }

        return ~found - 1;
    }

    /// <summary>A manifest as JSON (as <see cref="ManifestFile"/> holds it).</summary>
    public static string ToJson(ImageSetManifest manifest) => JsonSerializer.Serialize(manifest, Json);

    /// <summary>A manifest from JSON written by <see cref="ToJson"/>.</summary>
    /// <exception cref="InvalidDataException">It is not one.</exception>
    public static ImageSetManifest FromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<ImageSetManifest>(json, Json) ?? throw new InvalidDataException("an empty image set manifest");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"not an image set manifest ({e.Message})", e);
        }
    }

    /// <summary>True when <paramref name="directory"/> holds an image set manifest.</summary>
    public static bool IsImageSet(string directory) => File.Exists(Path.Combine(directory, ManifestFile));

    /// <summary>Reads a manifest without opening the set; null when the directory holds none.</summary>
    /// <exception cref="InvalidDataException">The manifest exists but is not an image set manifest this build reads.</exception>
    public static ImageSetManifest? ReadManifest(string directory)
    {
        var path = Path.Combine(directory, ManifestFile);
        if (!File.Exists(path))
            return null;
        ImageSetManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<ImageSetManifest>(File.ReadAllBytes(path), Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not an image set manifest ({e.Message})", e);
        }

        if (manifest is null || manifest.Format != FormatName)
            throw new InvalidDataException($"{path}: not an image set manifest (format '{manifest?.Format}', expected '{FormatName}')");
        if (manifest.Version != CurrentVersion)
            throw new InvalidDataException($"{path}: image set format version {manifest.Version} is not supported (this build reads {CurrentVersion})");
        if (manifest.Shards is null || manifest.Index is null || manifest.Storage is null || manifest.Identities is null || manifest.Skipped is null)
            throw new InvalidDataException($"{path}: the manifest lacks shards, index, storage, identities or skipped");
        return manifest;
    }

    /// <summary>
    /// Opens the set in <paramref name="directory"/>: reads the manifest, verifies the label index
    /// against its checksum, and checks that the content hash agrees with what the manifest lists, so
    /// an edited manifest is refused rather than trusted.
    /// </summary>
    /// <exception cref="FileNotFoundException">No manifest.</exception>
    /// <exception cref="InvalidDataException">The manifest or index is damaged or inconsistent.</exception>
    public static ImageSet Open(string directory)
    {
        directory = Path.GetFullPath(directory);
        var manifest = ReadManifest(directory)
            ?? throw new FileNotFoundException($"{directory} holds no {ManifestFile}", Path.Combine(directory, ManifestFile));
        var manifestPath = Path.Combine(directory, ManifestFile);
        var sum = manifest.Shards.Sum(s => (long)s.Count);
        if (sum != manifest.Count)
            throw new InvalidDataException($"{manifestPath}: count {manifest.Count} disagrees with its shards' {sum}");
        var expected = ImageSetManifest.ContentHash(manifest.Version, manifest.Kind, manifest.Storage, manifest.Index.Content, manifest.Shards.Select(s => s.Content));
        if (expected != manifest.Content)
            throw new InvalidDataException($"{manifestPath}: content hash {manifest.Content} does not match its shards and index ({expected}); the manifest was edited or damaged");

        var bytes = ReadVerified(directory, manifest.Index);
        ImageSetIndex index;
        try
        {
            index = MessagePackSerializer.Deserialize<ImageSetIndex>(bytes, Pack);
        }
        catch (MessagePackSerializationException e)
        {
            throw new InvalidDataException($"{Path.Combine(directory, manifest.Index.File)}: the label index does not decode ({e.Message})", e);
        }

        var indexPath = Path.Combine(directory, manifest.Index.File);
        if (index.Labels.Length != manifest.Count || index.Clips.Length != manifest.Count || index.Frames.Length != manifest.Count)
            throw new InvalidDataException($"{indexPath}: {index.Labels.Length} labels for {manifest.Count} images");
        if (index.ContentHash() != manifest.Index.Content)
            throw new InvalidDataException($"{indexPath}: its labels do not match the manifest's index content");
        return new ImageSet(directory, manifest, index);
    }

    /// <summary>
    /// Reads shard <paramref name="shard"/> whole, verifying its checksum.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is missing, fails its checksum, or does not decode; the message names it.</exception>
    public StoredImage[] ReadShard(int shard)
    {
        var entry = Manifest.Shards[shard];
        var bytes = ReadVerified(Directory, entry);
        ImageShardFile file;
        try
        {
            file = MessagePackSerializer.Deserialize<ImageShardFile>(bytes, Pack);
        }
        catch (MessagePackSerializationException e)
        {
            throw new InvalidDataException($"{Path.Combine(Directory, entry.File)}: the shard does not decode ({e.Message})", e);
        }

        if (file.Images.Length != entry.Count)
            throw new InvalidDataException($"{Path.Combine(Directory, entry.File)}: {file.Images.Length} images, the manifest says {entry.Count}");
        return file.Images;
    }

    /// <summary>The encoded bytes of one image (reads its whole shard: for occasional access, not for training).</summary>
    public StoredImage Read(int index)
    {
        var shard = ShardOf(index);
        return ReadShard(shard)[index - ShardStart(shard)];
    }

    /// <summary>Reads a listed file whole and checks it against its SHA-256.</summary>
    internal static byte[] ReadVerified(string directory, ImageShardEntry entry)
    {
        var path = Path.Combine(directory, entry.File);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{path}: cannot be read ({e.Message})", e);
        }

        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (sha != entry.Sha256)
            throw new InvalidDataException($"{path}: checksum {sha[..12]}… does not match the manifest's {entry.Sha256[..Math.Min(12, entry.Sha256.Length)]}…");
        return bytes;
    }
}
