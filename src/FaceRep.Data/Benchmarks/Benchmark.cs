using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using FaceRep.Data.ImageSets;
using MessagePack;

namespace FaceRep.Data.Benchmarks;

/// <summary>
/// An imported benchmark on disk (<see cref="Benchmark.ManifestFile"/>): face crops with their targets in
/// checksummed shards, the official split and subsets, every source item left out and why, and a content
/// hash that is the benchmark's identity (over the items only: moving or renaming keeps it).
/// </summary>
/// <param name="Format">Always <see cref="Benchmark.FormatName"/>.</param>
/// <param name="Version">Format version.</param>
/// <param name="Name">The directory's name when it was imported.</param>
/// <param name="Kind">Which benchmark (<c>300w</c>).</param>
/// <param name="Task">The task it measures.</param>
/// <param name="Points">Points per face (0 for none).</param>
/// <param name="Dimensions">Values per point.</param>
/// <param name="Size">Side of the stored crops.</param>
/// <param name="Quality">JPEG quality of the crops.</param>
/// <param name="CropRule">How the crops were taken.</param>
/// <param name="Source">Where it was imported from.</param>
/// <param name="Splits">Faces per split.</param>
/// <param name="Subsets">Test faces per official subset (the whole test split is <c>full</c>).</param>
/// <param name="Shards">The shards, in item order.</param>
/// <param name="Skipped">Every source item left out, with why.</param>
/// <param name="Content">The content hash.</param>
/// <param name="CreatedUtc">When the import finished.</param>
public sealed record BenchmarkManifest(
    string Format,
    int Version,
    string Name,
    string Kind,
    string Task,
    int Points,
    int Dimensions,
    int Size,
    int Quality,
    string CropRule,
    string Source,
    IReadOnlyDictionary<string, int> Splits,
    IReadOnlyDictionary<string, int> Subsets,
    IReadOnlyList<ImageShardEntry> Shards,
    IReadOnlyList<SkippedItem> Skipped,
    string Content,
    DateTimeOffset CreatedUtc)
{
    /// <summary>Faces in all shards.</summary>
    [JsonIgnore]
    public int Count => Shards.Sum(s => s.Count);

    /// <summary>The first 16 hex digits of <see cref="Content"/>.</summary>
    [JsonIgnore]
    public string ShortContent => Content[..16];

    /// <summary>SHA-256 over the format, kind, stored size and each shard's content, in order.</summary>
    public static string ContentHash(int version, string kind, int size, IEnumerable<string> shardContents)
    {
        var text = new StringBuilder()
            .Append(Benchmark.FormatName).Append('/').Append(version.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append(kind).Append('\n')
            .Append(size.ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (var shard in shardContents)
            text.Append(shard).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}

/// <summary>An imported benchmark, opened: manifest in memory, items read from their verified shards.</summary>
public sealed class Benchmark
{
    /// <summary>The manifest's file name.</summary>
    public const string ManifestFile = "benchmark.json";

    /// <summary>The manifest's <c>format</c> value.</summary>
    public const string FormatName = "facerep-benchmark";

    /// <summary>The format version this build writes and reads.</summary>
    public const int CurrentVersion = 1;

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
    };

    internal static readonly MessagePackSerializerOptions Pack =
        MessagePackSerializerOptions.Standard.WithSecurity(MessagePackSecurity.UntrustedData);

    private Benchmark(string directory, BenchmarkManifest manifest)
    {
        Directory = directory;
        Manifest = manifest;
    }

    /// <summary>The directory it was opened from.</summary>
    public string Directory { get; }

    /// <summary>The manifest.</summary>
    public BenchmarkManifest Manifest { get; }

    /// <summary>Its name.</summary>
    public string Name => Manifest.Name;

    /// <summary>Its content hash.</summary>
    public string Content => Manifest.Content;

    /// <summary>Side of its crops.</summary>
    public int Size => Manifest.Size;

    /// <summary>A manifest as JSON (as <see cref="ManifestFile"/> holds it).</summary>
    public static string ToJson(BenchmarkManifest manifest) => JsonSerializer.Serialize(manifest, Json);

    /// <summary>A manifest from JSON written by <see cref="ToJson"/>.</summary>
    /// <exception cref="InvalidDataException">It is not one.</exception>
    public static BenchmarkManifest FromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<BenchmarkManifest>(json, Json) ?? throw new InvalidDataException("an empty benchmark manifest");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"not a benchmark manifest ({e.Message})", e);
        }
    }

    /// <summary>True when <paramref name="directory"/> holds a benchmark manifest.</summary>
    public static bool IsBenchmark(string directory) => File.Exists(Path.Combine(directory, ManifestFile));

    /// <summary>The content hash of one shard's items: SHA-256 over each item's serialised bytes' SHA-256.</summary>
    public static string ShardContent(IEnumerable<BenchmarkItem> items)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var item in items)
            hash.AppendData(SHA256.HashData(MessagePackSerializer.Serialize(item, Pack)));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Reads a manifest without opening the benchmark; null when the directory holds none.</summary>
    /// <exception cref="InvalidDataException">It is not a benchmark manifest this build reads.</exception>
    public static BenchmarkManifest? ReadManifest(string directory)
    {
        var path = Path.Combine(directory, ManifestFile);
        if (!File.Exists(path))
            return null;
        BenchmarkManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<BenchmarkManifest>(File.ReadAllBytes(path), Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a benchmark manifest ({e.Message})", e);
        }

        if (manifest is null || manifest.Format != FormatName)
            throw new InvalidDataException($"{path}: not a benchmark manifest (format '{manifest?.Format}', expected '{FormatName}')");
        if (manifest.Version != CurrentVersion)
            throw new InvalidDataException($"{path}: benchmark format version {manifest.Version} is not supported (this build reads {CurrentVersion})");
        if (manifest.Shards is null || manifest.Splits is null || manifest.Subsets is null || manifest.Skipped is null || manifest.Kind is null)
            throw new InvalidDataException($"{path}: the manifest lacks kind, shards, splits, subsets or skipped");
        return manifest;
    }

    /// <summary>Opens the benchmark in <paramref name="directory"/>, refusing a manifest whose content hash disagrees with its shards.</summary>
    /// <exception cref="FileNotFoundException">No manifest.</exception>
    /// <exception cref="InvalidDataException">The manifest is damaged or inconsistent.</exception>
    public static Benchmark Open(string directory)
    {
        directory = Path.GetFullPath(directory);
        var manifest = ReadManifest(directory)
            ?? throw new FileNotFoundException($"{directory} holds no {ManifestFile}", Path.Combine(directory, ManifestFile));
        var expected = BenchmarkManifest.ContentHash(manifest.Version, manifest.Kind, manifest.Size, manifest.Shards.Select(s => s.Content));
        if (expected != manifest.Content)
            throw new InvalidDataException($"{Path.Combine(directory, ManifestFile)}: content hash {manifest.Content} does not match its shards ({expected}); the manifest was edited or damaged");
        return new Benchmark(directory, manifest);
    }

    /// <summary>Every item, shard by shard, each shard verified against its checksum and content.</summary>
    /// <exception cref="InvalidDataException">A shard is missing, damaged or not what the manifest lists; the message names it.</exception>
    public IReadOnlyList<BenchmarkItem> ReadAll() => ReadAll(keepImage: null);

    /// <summary>
    /// Every face, shard by shard, each shard verified; a face <paramref name="keepImage"/> turns down is kept without its
    /// crop (its <see cref="BenchmarkItem.Image"/> empty) so a pool of hundreds of thousands of faces costs only its labels.
    /// <see cref="RestoreImages"/> reads the crops of the faces a job turns out to need.
    /// </summary>
    /// <exception cref="InvalidDataException">A shard is missing, damaged, or not what the manifest lists.</exception>
    public IReadOnlyList<BenchmarkItem> ReadAll(Func<BenchmarkItem, bool>? keepImage)
    {
        var items = new List<BenchmarkItem>(Manifest.Count);
        for (var s = 0; s < Manifest.Shards.Count; s++)
        {
            var file = ReadShard(s);
            for (var i = 0; i < file.Items.Length; i++)
            {
                var item = file.Items[i];
                item.Location = (s, i);
                if (keepImage is not null && !keepImage(item))
                    item.Image = [];
                items.Add(item);
            }
        }

        return items;
    }

    /// <summary>
    /// Reads again the crops of <paramref name="items"/> (faces of this benchmark read without them), one shard at a time,
    /// each verified as on the first read; faces that have their crop are left as they are.
    /// </summary>
    /// <exception cref="InvalidDataException">A shard is missing, damaged, or not what the manifest lists.</exception>
    public void RestoreImages(IEnumerable<BenchmarkItem> items)
    {
        foreach (var shard in items.Where(i => i.Image.Length == 0 && i.Location.Shard >= 0).GroupBy(i => i.Location.Shard).OrderBy(g => g.Key))
        {
            var file = ReadShard(shard.Key);
            foreach (var item in shard)
                item.Image = file.Items[item.Location.Index].Image;
        }
    }

    private BenchmarkShardFile ReadShard(int shard)
    {
        var entry = Manifest.Shards[shard];
        var path = Path.Combine(Directory, entry.File);
        var bytes = ImageSet.ReadVerified(Directory, entry);
        BenchmarkShardFile file;
        try
        {
            file = MessagePackSerializer.Deserialize<BenchmarkShardFile>(bytes, Pack);
        }
        catch (MessagePackSerializationException e)
        {
            throw new InvalidDataException($"{path}: the shard does not decode ({e.Message})", e);
        }

        if (file.Items.Length != entry.Count || ShardContent(file.Items) != entry.Content)
            throw new InvalidDataException($"{path}: its items are not those the manifest lists");
        return file;
    }
}
