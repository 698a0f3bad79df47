using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FaceRep.Data.Formats;
using MessagePack;

namespace FaceRep.Data.ImageSets;

/// <summary>How to import a source.</summary>
public sealed record ImageImportOptions
{
    /// <summary>The source's layout (found from its contents by default).</summary>
    public ImageSourceLayout Layout { get; init; } = ImageSourceLayout.Auto;

    /// <summary>A VGGFace2 <c>loose_bb_*.csv</c> to crop identity-folder images with (implies re-encoding).</summary>
    public string? Boxes { get; init; }

    /// <summary>Margin around each box, as a fraction of its longer side on each side.</summary>
    public double Margin { get; init; } = ImageSources.DefaultMargin;

    /// <summary>Side of the stored images when re-encoding; null keeps the source's bytes (boxes need a size).</summary>
    public int? Size { get; init; }

    /// <summary>JPEG quality of re-encoded images.</summary>
    public int Quality { get; init; } = 90;

    /// <summary>Images per shard.</summary>
    public int ShardSize { get; init; } = 1024;

    /// <summary>Images decoded at once.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>The storage these options describe.</summary>
    public ImageStorage Storage => Size is null
        ? ImageStorage.Source
        : new ImageStorage(Size, Quality, Boxes is null ? null : Margin, Boxes is null ? null : Path.GetFileName(Boxes));

    /// <summary>The options' problems, each naming the option; empty when they are usable.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = StorageProblems(Size, Quality, ShardSize, Threads);
        if (Boxes is not null && Size is null)
            problems.Add("--boxes: cropping to face boxes re-encodes the images; give the stored size with --size");
        if (Margin is < 0 or > 2 || !double.IsFinite(Margin))
            problems.Add($"--margin: {Margin} is outside 0–2");
        return problems;
    }

    /// <summary>The problems of the storage options every import shares (image sets and benchmarks), each naming its option.</summary>
    internal static List<string> StorageProblems(int? size, int quality, int shardSize, int threads)
    {
        var problems = new List<string>();
        if (size is { } s && s is < 16 or > 1024)
            problems.Add($"--size: {s} is outside 16–1024");
        if (quality is < 50 or > 100)
            problems.Add($"--quality: {quality} is outside 50–100");
        if (shardSize is < 1 or > 1_000_000)
            problems.Add($"--shard-size: {shardSize} is outside 1–1000000");
        if (threads < 1)
            problems.Add($"--threads: {threads} is not a positive number");
        return problems;
    }
}

/// <summary>How far an import has come.</summary>
/// <param name="Done">Items handled (stored or skipped), including those of shards an earlier run finished.</param>
/// <param name="Total">Items in the source.</param>
/// <param name="Skipped">Items skipped so far.</param>
/// <param name="Resumed">Items an earlier, interrupted run had already stored.</param>
public readonly record struct ImportProgress(int Done, int Total, int Skipped, int Resumed);

/// <summary>What an import wrote.</summary>
/// <param name="Manifest">The set's manifest.</param>
/// <param name="Layout">The layout read.</param>
/// <param name="Ignored">Files of the source that are not part of its layout.</param>
/// <param name="Resumed">Images taken from shards an interrupted run had finished.</param>
/// <param name="Elapsed">Time this run took.</param>
public sealed record ImageImportResult(ImageSetManifest Manifest, ImageSourceLayout Layout, IReadOnlyList<string> Ignored, int Resumed, TimeSpan Elapsed);

/// <summary>
/// Imports a source into an image set: each image read (and, when a stored size is given, cropped,
/// resized and re-encoded as JPEG; otherwise its bytes kept and decoded once to check them), in
/// parallel, into checksummed shards. An unreadable item is skipped and named, never fatal; a
/// source with no readable image is refused. Each shard is final once written, with a record of it
/// beside it, so an interrupted import resumes where it stopped; the manifest is written last, so
/// a directory without one is never mistaken for a set.
/// </summary>
public static class ImageSetImport
{
    /// <summary>Where an import keeps its plan and finished-shard records until the manifest is written.</summary>
    public const string WorkDirectory = ".import";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    /// <summary>Imports <paramref name="source"/> into <paramref name="directory"/>.</summary>
    /// <exception cref="DataFormatException">The source is not a layout this reads, or holds no readable image.</exception>
    /// <exception cref="InvalidOperationException">The directory holds a set already, or an interrupted import of something else.</exception>
    /// <exception cref="ArgumentException">The options have problems (see <see cref="ImageImportOptions.Problems"/>).</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the shards finished so far are kept for the next run.</exception>
    public static ImageImportResult Import(string source, string directory, ImageImportOptions? options = null,
        IProgress<ImportProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options ??= new ImageImportOptions();
        var problems = options.Problems();
        if (problems.Count > 0)
            throw new ArgumentException(string.Join("; ", problems), nameof(options));
        directory = Path.GetFullPath(directory);
        if (ImageSet.IsImageSet(directory))
            throw new InvalidOperationException($"{directory} already holds an image set ({ImageSet.ManifestFile}); choose another directory or remove it");

        var clock = Stopwatch.StartNew();
        using var listed = ImageSources.List(source, options.Layout, options.Boxes, options.Margin);
        var items = listed.Items;
        var work = Path.Combine(directory, WorkDirectory);
        var existed = Directory.Exists(directory);
        Directory.CreateDirectory(work);
        var plan = Plan(Path.GetFullPath(source), listed, options);
        var planPath = Path.Combine(work, "plan.json");
        if (File.Exists(planPath))
        {
            var previous = File.ReadAllText(planPath);
            if (previous != plan)
                throw new InvalidOperationException($"{directory} holds an interrupted import of another source or with other options ({planPath}); remove the directory to start again");
        }
        else
        {
            WriteAtomically(planPath, Encoding.UTF8.GetBytes(plan));
        }

        var shards = (items.Count + options.ShardSize - 1) / options.ShardSize;
        var records = new ShardRecord?[shards];
        var resumed = 0;
        var skippedSoFar = 0;
        for (var s = 0; s < shards; s++)
        {
            records[s] = ReadRecord(directory, s);
            if (records[s] is { } r)
            {
                resumed += r.Count;
                skippedSoFar += r.Skipped.Count;
            }
        }

        var done = resumed + skippedSoFar;
        progress?.Report(new ImportProgress(done, items.Count, skippedSoFar, resumed));
        for (var s = 0; s < shards; s++)
        {
            if (records[s] is not null)
                continue;
            var first = s * options.ShardSize;
            var count = Math.Min(options.ShardSize, items.Count - first);
            records[s] = WriteShard(directory, s, items, first, count, options, (handled, skipped) =>
            {
                progress?.Report(new ImportProgress(done + handled, items.Count, skippedSoFar + skipped, resumed));
            }, cancellationToken);
            done += count;
            skippedSoFar += records[s]!.Skipped.Count;
        }

        var all = records.Select(r => r!).ToList();
        var stored = all.Sum(r => r.Count);
        if (stored == 0)
        {
            var reasons = all.SelectMany(r => r.Skipped).Take(3).Select(k => $"{k.Item}: {k.Reason}");
            Remove(directory, existed, shards);
            throw new DataFormatException(source, null, null,
                $"none of its {items.Count} image(s) could be read ({string.Join("; ", reasons)}{(items.Count > 3 ? "; …" : "")}); nothing was imported");
        }

        // Empty shards (every image skipped) are left out of the set.
        var kept = all.Where(r => r.Count > 0).ToList();
        var index = new ImageSetIndex
        {
            Labels = kept.SelectMany(r => r.Labels).ToArray(),
            Clips = kept.SelectMany(r => r.Clips).ToArray(),
            Frames = kept.SelectMany(r => r.Frames).ToArray(),
        };
        var indexBytes = MessagePackSerializer.Serialize(index, ImageSet.Pack);
        WriteAtomically(Path.Combine(directory, "index.msgpack"), indexBytes);
        var indexEntry = new ImageShardEntry("index.msgpack", index.Labels.Length, Convert.ToHexStringLower(SHA256.HashData(indexBytes)), indexBytes.Length, index.ContentHash());
        var entries = kept.Select(r => new ImageShardEntry(r.File, r.Count, r.Sha256, r.Bytes, r.Content)).ToList();
        foreach (var empty in all.Where(r => r.Count == 0))
            File.Delete(Path.Combine(directory, empty.File));

        var storage = options.Storage;
        var content = ImageSetManifest.ContentHash(ImageSet.CurrentVersion, listed.Kind, storage, indexEntry.Content, entries.Select(e => e.Content));
        var manifest = new ImageSetManifest(ImageSet.FormatName, ImageSet.CurrentVersion, Path.GetFileName(directory), listed.Kind,
            Path.GetFullPath(source), storage, stored, listed.Identities, listed.Clips, indexEntry, entries,
            all.SelectMany(r => r.Skipped).ToList(), content, DateTimeOffset.UtcNow);
        WriteAtomically(Path.Combine(directory, ImageSet.ManifestFile), JsonSerializer.SerializeToUtf8Bytes(manifest, ImageSet.Json));
        Directory.Delete(work, recursive: true);
        return new ImageImportResult(manifest, listed.Layout, listed.Ignored, resumed, clock.Elapsed);
    }

    /// <summary>A shard's record: what it holds, written beside it once the shard file is complete.</summary>
    private sealed record ShardRecord(string File, int Count, string Sha256, long Bytes, string Content,
        int[] Labels, int[] Clips, int[] Frames, List<SkippedItem> Skipped);

    private static ShardRecord WriteShard(string directory, int shard, IReadOnlyList<SourceItem> items, int first, int count,
        ImageImportOptions options, Action<int, int> report, CancellationToken cancellationToken)
    {
        var stored = new byte[count][];
        var reasons = new string?[count];
        var handled = 0;
        var skipped = 0;
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = options.Threads, CancellationToken = cancellationToken }, i =>
        {
            var item = items[first + i];
            try
            {
                var bytes = item.Read();
                stored[i] = options.Size is { } size
                    ? ImageDecoder.CropResizeEncode(bytes, item.Region, size, options.Quality, item.Name)
                    : Check(bytes, item.Name);
            }
            catch (CorruptSampleException e)
            {
                reasons[i] = e.Reason;
                Interlocked.Increment(ref skipped);
            }

            var now = Interlocked.Increment(ref handled);
            if (now % 64 == 0 || now == count)
                report(now, Volatile.Read(ref skipped));
        });

        var images = new List<StoredImage>(count);
        var labels = new List<int>(count);
        var clips = new List<int>(count);
        var frames = new List<int>(count);
        var skips = new List<SkippedItem>();
        using var content = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (var i = 0; i < count; i++)
        {
            var item = items[first + i];
            if (reasons[i] is { } reason)
            {
                skips.Add(new SkippedItem(item.Name, reason));
                continue;
            }

            images.Add(new StoredImage { Bytes = stored[i], Source = item.Name });
            labels.Add(item.Label);
            clips.Add(item.Clip);
            frames.Add(item.Frame);
            content.AppendData(SHA256.HashData(stored[i]));
        }

        var file = $"shard-{shard:D5}.msgpack";
        var bytes = MessagePackSerializer.Serialize(new ImageShardFile { Images = [.. images] }, ImageSet.Pack);
        WriteAtomically(Path.Combine(directory, file), bytes);
        var record = new ShardRecord(file, images.Count, Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes.Length,
            Convert.ToHexStringLower(content.GetHashAndReset()), [.. labels], [.. clips], [.. frames], skips);
        WriteAtomically(RecordPath(directory, shard), JsonSerializer.SerializeToUtf8Bytes(record, Json));
        return record;
    }

    /// <summary>Keeps the source's bytes after decoding them once (at a reduced scale where the codec allows) to check they are a whole image.</summary>
    private static byte[] Check(byte[] bytes, string item)
    {
        // The decoder refuses zero-size, over-large, unknown and cut-short images alike.
        Span<float> scratch = stackalloc float[3 * 8 * 8];
        ImageDecoder.DecodeInto(bytes, 8, scratch, item);
        return bytes;
    }

    private static ShardRecord? ReadRecord(string directory, int shard)
    {
        var path = RecordPath(directory, shard);
        if (!File.Exists(path))
            return null;
        try
        {
            var record = JsonSerializer.Deserialize<ShardRecord>(File.ReadAllBytes(path), Json);
            if (record is null)
                return null;
            // A record counts only if its shard is still there, whole.
            var file = Path.Combine(directory, record.File);
            if (!File.Exists(file))
                return null;
            using var stream = File.OpenRead(file);
            return Convert.ToHexStringLower(SHA256.HashData(stream)) == record.Sha256 ? record : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string RecordPath(string directory, int shard) =>
        Path.Combine(directory, WorkDirectory, $"shard-{shard:D5}.json");

    /// <summary>What must not change between an interrupted run and its resumption: the source's listing and the options that shape shards.</summary>
    private static string Plan(string source, ImageSource listed, ImageImportOptions options)
    {
        using var listing = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var item in listed.Items)
        {
            var region = item.Region is { } r
                ? string.Create(CultureInfo.InvariantCulture, $"{r.X:R},{r.Y:R},{r.Width:R},{r.Height:R}")
                : "";
            listing.AppendData(Encoding.UTF8.GetBytes($"{item.Name}\t{item.Label}\t{item.Clip}\t{item.Frame}\t{region}\n"));
        }

        return JsonSerializer.Serialize(new
        {
            source,
            layout = listed.Layout.ToString(),
            items = listed.Items.Count,
            listing = Convert.ToHexStringLower(listing.GetHashAndReset()),
            storage = options.Storage,
            shardSize = options.ShardSize,
        }, Json);
    }

    private static void Remove(string directory, bool existed, int shards)
    {
        if (!existed)
        {
            Directory.Delete(directory, recursive: true);
            return;
        }

        for (var s = 0; s < shards; s++)
            File.Delete(Path.Combine(directory, $"shard-{s:D5}.msgpack"));
        Directory.Delete(Path.Combine(directory, WorkDirectory), recursive: true);
    }

    internal static void WriteAtomically(string path, byte[] bytes)
    {
        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        File.WriteAllBytes(temp, bytes);
        File.Move(temp, path, overwrite: true);
    }
}
