using System.Security.Cryptography;
using System.Text.Json;
using MessagePack;

namespace FaceRep.Data.Shards;

/// <summary>
/// Writes datasets as manifests of MessagePack shards (LZ4-compressed) and opens them again.
/// A directory is complete only once its manifest exists: shards are written first, the manifest
/// last and atomically, so a crash mid-write leaves no manifest and the next run regenerates.
/// </summary>
public static class ShardStore
{
    /// <summary>The manifest's file name.</summary>
    public const string ManifestFile = "manifest.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };
    private static readonly MessagePackSerializerOptions Pack =
        MessagePackSerializerOptions.Standard.WithCompression(MessagePackCompression.Lz4BlockArray).WithSecurity(MessagePackSecurity.UntrustedData);

    /// <summary>Writes every sample of <paramref name="dataset"/> to <paramref name="directory"/> in shards of <paramref name="shardSize"/>.</summary>
    public static DatasetManifest Write(IFaceDataset dataset, string directory, string source, int shardSize = 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shardSize, 1);
        IEnumerable<ShardSample[]> Chunks()
        {
            for (var start = 0; start < dataset.Count; start += shardSize)
            {
                var count = Math.Min(shardSize, dataset.Count - start);
                var samples = new ShardSample[count];
                var first = start;
                Parallel.For(0, count, i =>
                {
                    samples[i] = ShardSample.From(dataset.Get(first + i), $"{dataset.Name}[{first + i}]");
                });
                yield return samples;
            }
        }

        return WriteChunks(Chunks(), directory, dataset.Name, source, dataset.Resolution);
    }

    /// <summary>Writes a stream of samples (e.g. decoded from image files) in shards of <paramref name="shardSize"/>.</summary>
    public static DatasetManifest Write(IEnumerable<ShardSample> samples, string directory, string name, string source, int resolution, int shardSize = 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shardSize, 1);
        return WriteChunks(samples.Chunk(shardSize), directory, name, source, resolution);
    }

    private static DatasetManifest WriteChunks(IEnumerable<ShardSample[]> chunks, string directory, string name, string source, int resolution)
    {
        Directory.CreateDirectory(directory);
        var shards = new List<ShardEntry>();
        foreach (var samples in chunks)
        {
            var file = $"shard-{shards.Count:D5}.msgpack";
            var bytes = MessagePackSerializer.Serialize(new ShardFile { Samples = samples }, Pack);
            WriteAtomically(Path.Combine(directory, file), bytes);
            shards.Add(new ShardEntry(file, samples.Length, Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes.Length));
        }

        var manifest = new DatasetManifest(name, source, resolution, shards.Sum(s => s.Count), shards, DateTimeOffset.UtcNow);
        WriteAtomically(Path.Combine(directory, ManifestFile), JsonSerializer.SerializeToUtf8Bytes(manifest, Json));
        return manifest;
    }

    /// <summary>Reads a manifest; null when the directory holds none (never written, or interrupted).</summary>
    /// <exception cref="InvalidDataException">The manifest exists but cannot be read.</exception>
    public static DatasetManifest? ReadManifest(string directory)
    {
        var path = Path.Combine(directory, ManifestFile);
        if (!File.Exists(path))
            return null;
        try
        {
            return JsonSerializer.Deserialize<DatasetManifest>(File.ReadAllBytes(path), Json)
                ?? throw new InvalidDataException($"{path}: the manifest is empty");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a dataset manifest ({e.Message})", e);
        }
    }

    /// <summary>
    /// Opens a sharded dataset, verifying every shard's checksum and decoding it. A shard that is missing,
    /// fails its checksum or does not decode is skipped whole; each skip is reported through
    /// <paramref name="onSkip"/> and counted in <see cref="ShardedDataset.Skipped"/>.
    /// </summary>
    public static ShardedDataset Open(string directory, Action<string>? onSkip = null)
    {
        var manifest = ReadManifest(directory) ?? throw new FileNotFoundException($"{directory} holds no {ManifestFile}", Path.Combine(directory, ManifestFile));
        var samples = new List<ShardSample>(manifest.Count);
        var skipped = 0;
        foreach (var shard in manifest.Shards)
        {
            var path = Path.Combine(directory, shard.File);
            string? problem = null;
            ShardFile? file = null;
            if (!File.Exists(path))
            {
                problem = "the file is missing";
            }
            else
            {
                var bytes = File.ReadAllBytes(path);
                var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
                if (sha != shard.Sha256)
                {
                    problem = $"checksum {sha[..12]}… does not match the manifest's {shard.Sha256[..12]}…";
                }
                else
                {
                    try
                    {
                        file = MessagePackSerializer.Deserialize<ShardFile>(bytes, Pack);
                    }
                    catch (MessagePackSerializationException e)
                    {
                        problem = $"it does not decode ({e.Message})";
                    }
                }
            }

            if (file is null || problem is not null)
            {
                skipped += shard.Count;
                onSkip?.Invoke($"{path}: skipped {shard.Count} sample(s): {problem}");
                continue;
            }

            foreach (var sample in file.Samples)
            {
                var expected = 3 * manifest.Resolution * manifest.Resolution;
                if (sample.Resolution != manifest.Resolution || sample.Pixels.Length != expected)
                {
                    skipped++;
                    onSkip?.Invoke($"{path}: skipped {sample.Source ?? "a sample"}: {sample.Pixels.Length} pixel values at resolution {sample.Resolution}, expected {expected} at {manifest.Resolution}");
                    continue;
                }

                samples.Add(sample);
            }
        }

        return new ShardedDataset(manifest, samples, skipped);
    }

    /// <summary>
    /// Returns the cached copy of a generated dataset under <paramref name="cacheRoot"/>/<paramref name="key"/>,
    /// writing it the first time. A cache whose manifest disagrees with the source (count, resolution) is rebuilt.
    /// </summary>
    public static ShardedDataset GetOrCreate(IFaceDataset source, string cacheRoot, string key, Action<string>? log = null)
    {
        var directory = Path.Combine(cacheRoot, key);
        var manifest = ReadManifest(directory);
        if (manifest is null || manifest.Count != source.Count || manifest.Resolution != source.Resolution)
        {
            if (Directory.Exists(directory))
                Directory.Delete(directory, recursive: true);
            log?.Invoke($"caching {source.Name} ({source.Count} samples) in {directory}");
            ShardStore.Write(source, directory, key);
        }

        return Open(directory, log);
    }

    /// <summary>[0, 1] floats to 8-bit values, rounding to nearest.</summary>
    internal static byte[] ToBytes(float[] pixels)
    {
        var bytes = new byte[pixels.Length];
        for (var i = 0; i < pixels.Length; i++)
            bytes[i] = (byte)Math.Clamp((int)MathF.Round(pixels[i] * 255f), 0, 255);
        return bytes;
    }

    /// <summary>8-bit values to [0, 1] floats.</summary>
    internal static float[] ToFloats(byte[] bytes)
    {
        var pixels = new float[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
            pixels[i] = bytes[i] / 255f;
        return pixels;
    }

    private static void WriteAtomically(string path, byte[] bytes)
    {
        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        File.WriteAllBytes(temp, bytes);
        File.Move(temp, path, overwrite: true);
    }
}

/// <summary>A dataset read from shards.</summary>
public sealed class ShardedDataset : IFaceDataset
{
    private readonly List<ShardSample> _samples;

    internal ShardedDataset(DatasetManifest manifest, List<ShardSample> samples, int skipped)
    {
        Manifest = manifest;
        _samples = samples;
        Skipped = skipped;
    }

    /// <summary>The manifest it was read from.</summary>
    public DatasetManifest Manifest { get; }

    /// <summary>Samples skipped because their shard was missing, corrupt or inconsistent.</summary>
    public int Skipped { get; }

    /// <inheritdoc />
    public string Name => Manifest.Name;

    /// <inheritdoc />
    public int Count => _samples.Count;

    /// <inheritdoc />
    public int Resolution => Manifest.Resolution;

    /// <inheritdoc />
    public FaceSample Get(int index)
    {
        return _samples[index].ToFaceSample();
    }
}
