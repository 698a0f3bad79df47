using System.Security.Cryptography;
using System.Text.Json;
using FaceRep.Data.Formats;
using FaceRep.Data.ImageSets;
using MessagePack;

namespace FaceRep.Data.Benchmarks;

/// <summary>How to import a benchmark.</summary>
public sealed record BenchmarkImportOptions
{
    /// <summary>Side of the stored crops; the benchmark's default when null.</summary>
    public int? Size { get; init; }

    /// <summary>JPEG quality of the crops.</summary>
    public int Quality { get; init; } = 90;

    /// <summary>Faces per shard.</summary>
    public int ShardSize { get; init; } = 1000;

    /// <summary>Faces cropped at once.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>The options' problems, each naming the option; empty when usable.</summary>
    public IReadOnlyList<string> Problems() => ImageImportOptions.StorageProblems(Size, Quality, ShardSize, Threads);
}

/// <summary>
/// Imports a benchmark from its distributed files: reads them with the benchmark's reader, crops every face
/// by its community's rule, stores the crops and targets in checksummed shards and writes the manifest last.
/// The benchmark appears at its directory only when complete (written beside it, then moved), so an
/// interrupted import leaves nothing that could be mistaken for it.
/// </summary>
public static class BenchmarkImport
{
    /// <summary>The suffix of the directory an import is written into before it is moved to its name (catalogs skip it).</summary>
    public const string StagingSuffix = ".importing";

    /// <summary>Imports <paramref name="source"/> as <paramref name="kind"/> into <paramref name="directory"/>.</summary>
    /// <param name="kind">Which benchmark the source is.</param>
    /// <param name="source">The directory as its authors distribute it.</param>
    /// <param name="directory">Where the benchmark goes (must not exist, or be empty).</param>
    /// <param name="options">Crop size, quality, shards, threads.</param>
    /// <param name="progress">Faces handled so far, of all, and how many were skipped.</param>
    /// <param name="cancellation">Stops the import; nothing is left at <paramref name="directory"/>.</param>
    /// <exception cref="BenchmarkSourceException">The source is not the benchmark's layout, or no face could be used.</exception>
    /// <exception cref="IOException">The directory already holds something.</exception>
    public static BenchmarkManifest Run(BenchmarkKind kind, string source, string directory, BenchmarkImportOptions options,
        IProgress<ImportProgress>? progress = null, CancellationToken cancellation = default)
    {
        var problems = options.Problems();
        if (problems.Count > 0)
            throw new ArgumentException(string.Join("; ", problems), nameof(options));
        source = Path.GetFullPath(source);
        directory = Path.GetFullPath(directory);
        if (!Directory.Exists(source))
            throw new BenchmarkSourceException($"{source} does not exist or is not a directory");
        if (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any())
            throw new IOException($"{directory} already exists and is not empty; import into a new directory");

        var skipped = new List<SkippedItem>();
        var faces = kind.Read(source, skipped);
        var size = options.Size ?? kind.DefaultSize;
        var items = new BenchmarkItem?[faces.Count];
        var reasons = new string?[faces.Count];
        var done = 0;
        var failed = 0;
        Parallel.For(0, faces.Count, new ParallelOptions { MaxDegreeOfParallelism = options.Threads, CancellationToken = cancellation }, i =>
        {
            try
            {
                items[i] = Crop(kind, faces[i], size, options.Quality);
            }
            catch (CorruptSampleException e)
            {
                reasons[i] = e.Message.StartsWith(e.Item, StringComparison.Ordinal) ? e.Message[(e.Item.Length + 2)..] : e.Message;
                Interlocked.Increment(ref failed);
            }

            progress?.Report(new ImportProgress(Interlocked.Increment(ref done), faces.Count, skipped.Count + Volatile.Read(ref failed), 0));
        });
        for (var i = 0; i < faces.Count; i++)
        {
            if (reasons[i] is { } reason)
                skipped.Add(new SkippedItem(faces[i].Source, reason));
        }

        var kept = items.OfType<BenchmarkItem>().ToList();
        if (kept.Count == 0)
        {
            var first = string.Join("; ", skipped.Take(3).Select(s => $"{s.Item}: {s.Reason}"));
            throw new BenchmarkSourceException($"no face of {source} could be used as {kind.Name} ({skipped.Count} skipped{(first.Length > 0 ? $"; first: {first}" : "")})");
        }

        var staging = directory + StagingSuffix;
        if (Directory.Exists(staging))
            Directory.Delete(staging, recursive: true);
        Directory.CreateDirectory(staging);
        var shards = new List<ImageShardEntry>();
        for (var start = 0; start < kept.Count; start += options.ShardSize)
        {
            cancellation.ThrowIfCancellationRequested();
            var chunk = kept.GetRange(start, Math.Min(options.ShardSize, kept.Count - start)).ToArray();
            var bytes = MessagePackSerializer.Serialize(new BenchmarkShardFile { Items = chunk }, Benchmark.Pack);
            var file = $"faces-{shards.Count:D5}.msgpack";
            File.WriteAllBytes(Path.Combine(staging, file), bytes);
            shards.Add(new ImageShardEntry(file, chunk.Length, Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes.Length, Benchmark.ShardContent(chunk)));
        }

        var manifest = new BenchmarkManifest(
            Benchmark.FormatName, Benchmark.CurrentVersion, Path.GetFileName(directory), kind.Name, kind.Task, kind.Points, kind.Dimensions,
            size, options.Quality, kind.CropRule, source,
            kept.GroupBy(i => i.Split).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count()),
            kind.TestSubsets.ToDictionary(s => s, s => kept.Count(i => (i.Split == BenchmarkSplits.Test || kind.Folds.Count > 0) && i.Subsets.Contains(s))),
            shards, skipped,
            BenchmarkManifest.ContentHash(Benchmark.CurrentVersion, kind.Name, size, shards.Select(s => s.Content)),
            DateTimeOffset.UtcNow);
        File.WriteAllBytes(Path.Combine(staging, Benchmark.ManifestFile), JsonSerializer.SerializeToUtf8Bytes(manifest, Benchmark.Json));
        if (Directory.Exists(directory))
            Directory.Delete(directory);
        Directory.Move(staging, directory);
        return manifest;
    }

    /// <summary>Crops one face by its region and maps its points into the crop.</summary>
    /// <exception cref="CorruptSampleException">The image cannot be read or decoded, or the region misses it.</exception>
    public static BenchmarkItem Crop(BenchmarkKind kind, SourceFace face, int size, int quality)
    {
        var bytes = face.LoadImage is { } load ? load() : ImageDecoder.ReadFile(face.ImagePath);
        var (width, height) = ImageDecoder.Probe(bytes, face.Source);
        var region = face.Region;
        if (region.X >= width || region.Y >= height || region.X + region.Width <= 0 || region.Y + region.Height <= 0)
            throw new CorruptSampleException(face.Source, $"the face's region ({region.X:0.#}, {region.Y:0.#}, {region.Width:0.#}×{region.Height:0.#}) lies outside the {width}×{height} image");
        byte[] crop;
        float scale;
        if (face.Alignment is { } align)
        {
            // The template is ArcFace's at 112 px: the same similarity scaled to the stored size, about pixel centres
            // (a crop pixel centre u at 112 px is at (u + 0.5)·f − 0.5 at the stored size).
            var f = size / 112.0;
            var scaled = new Similarity(align.A * f, align.B * f, ((align.Tx + 0.5) * f) - 0.5, ((align.Ty + 0.5) * f) - 0.5);
            crop = ImageDecoder.WarpEncode(bytes, scaled, size, quality, face.Source);
            scale = (float)(1 / (align.Scale * f));
        }
        else
        {
            crop = ImageDecoder.CropResizeEncode(bytes, region, size, quality, face.Source);
            scale = region.Width / size;
        }

        var dims = Math.Max(kind.Dimensions, 2);
        var points = new float[face.Points.Length];
        for (var i = 0; i < points.Length; i++)
        {
            points[i] = (i % dims) switch
            {
                0 => (face.Points[i] + face.ToContinuous - region.X) / scale,
                1 => (face.Points[i] + face.ToContinuous - region.Y) / scale,
                _ => face.Points[i] / scale,
            };
        }

        return new BenchmarkItem
        {
            Source = face.Source,
            Split = face.Split,
            Subsets = [.. face.Subsets],
            Subject = face.Subject,
            Image = crop,
            Points = points,
            OriginalPoints = face.Points,
            Scale = scale,
            Offset = [region.X - face.ToContinuous, region.Y - face.ToContinuous],
            Normaliser = face.Normaliser,
            Pose = face.Pose,
            Visible = face.Visible,
            Values = face.Values,
            Class = face.Class,
        };
    }
}
