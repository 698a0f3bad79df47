namespace FaceRep.Data.ImageSets;

/// <summary>An imported set as a catalog lists it.</summary>
/// <param name="Name">Its name: the directory's name under its root.</param>
/// <param name="Directory">Its directory.</param>
/// <param name="Manifest">Its manifest.</param>
public sealed record CatalogEntry(string Name, string Directory, ImageSetManifest Manifest);

/// <summary>An imported benchmark as a catalog lists it.</summary>
/// <param name="Name">Its name: the directory's name under its root.</param>
/// <param name="Directory">Its directory.</param>
/// <param name="Manifest">Its manifest.</param>
public sealed record BenchmarkEntry(string Name, string Directory, FaceRep.Data.Benchmarks.BenchmarkManifest Manifest);

/// <summary>
/// The imported image sets and benchmarks under one or more roots: <c>ROOT/NAME/imageset.json</c> is the
/// set NAME, <c>ROOT/NAME/benchmark.json</c> the benchmark NAME.
/// A name is found in the first root that holds it; a content hash anywhere under any root (so a
/// job planned against a set finds it after its directory was renamed or moved to another root).
/// Manifests are read once, when the catalog is made.
/// </summary>
public sealed class DatasetCatalog
{
    private readonly Dictionary<string, CatalogEntry> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CatalogEntry> _byContent = new(StringComparer.Ordinal);
    private readonly Dictionary<string, BenchmarkEntry> _benchmarks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, BenchmarkEntry> _benchmarksByContent = new(StringComparer.Ordinal);
    private readonly List<string> _problems = [];

    private DatasetCatalog(IReadOnlyList<string> roots, IEnumerable<CatalogEntry> entries, IEnumerable<BenchmarkEntry> benchmarks)
    {
        Roots = roots;
        foreach (var entry in entries)
        {
            _byName.TryAdd(entry.Name, entry);
            _byContent.TryAdd(entry.Manifest.Content, entry);
        }

        foreach (var entry in benchmarks)
            AddBenchmark(entry);
    }

    private void AddBenchmark(BenchmarkEntry entry)
    {
        _benchmarks.TryAdd(entry.Name, entry);
        _benchmarksByContent.TryAdd(entry.Manifest.Content, entry);
    }

    private DatasetCatalog(IReadOnlyList<string> roots)
    {
        Roots = roots;
        foreach (var root in roots)
        {
            if (!Directory.Exists(root))
                continue;
            IEnumerable<string> directories;
            try
            {
                directories = Directory.EnumerateDirectories(root).Order(StringComparer.Ordinal).ToList();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _problems.Add($"{root}: cannot be listed ({e.Message})");
                continue;
            }

            // A benchmark still being written (or left by an import that died before its last step) is not one yet.
            foreach (var directory in directories.Where(d => !d.EndsWith(FaceRep.Data.Benchmarks.BenchmarkImport.StagingSuffix, StringComparison.Ordinal)))
            {
                ImageSetManifest? manifest;
                try
                {
                    if (FaceRep.Data.Benchmarks.Benchmark.ReadManifest(directory) is { } benchmark)
                    {
                        AddBenchmark(new BenchmarkEntry(Path.GetFileName(directory), Path.GetFullPath(directory), benchmark));
                        continue;
                    }

                    manifest = ImageSet.ReadManifest(directory);
                }
                catch (InvalidDataException e)
                {
                    _problems.Add(e.Message);
                    continue;
                }

                if (manifest is null)
                    continue;
                var entry = new CatalogEntry(Path.GetFileName(directory), Path.GetFullPath(directory), manifest);
                _byName.TryAdd(entry.Name, entry);
                _byContent.TryAdd(manifest.Content, entry);
            }
        }
    }

    /// <summary>A catalog with no sets.</summary>
    public static DatasetCatalog Empty { get; } = new([], [], []);

    /// <summary>Lists the sets under <paramref name="roots"/> (roots that do not exist hold none).</summary>
    public static DatasetCatalog Open(IEnumerable<string> roots) =>
        new(roots.Select(r => Path.GetFullPath(r)).Distinct(StringComparer.Ordinal).ToList());

    /// <summary>
    /// A catalog of sets described elsewhere (the silos of a cluster, each naming its own directories):
    /// <paramref name="where"/> says where they are, for messages. A name held twice keeps its first entry.
    /// </summary>
    public static DatasetCatalog Of(IEnumerable<CatalogEntry> entries, string where, IEnumerable<BenchmarkEntry>? benchmarks = null) =>
        new([where], entries, benchmarks ?? []);

    /// <summary>The roots searched, in order.</summary>
    public IReadOnlyList<string> Roots { get; }

    /// <summary>The sets found, by name.</summary>
    public IReadOnlyList<CatalogEntry> Entries => [.. _byName.Values.OrderBy(e => e.Name, StringComparer.Ordinal)];

    /// <summary>Directories that look like sets but whose manifests cannot be read.</summary>
    public IReadOnlyList<string> Problems => _problems;

    /// <summary>The set named <paramref name="name"/>, or null.</summary>
    public CatalogEntry? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>The set whose content hash is <paramref name="content"/>, or null.</summary>
    public CatalogEntry? FindByContent(string content) => _byContent.GetValueOrDefault(content);

    /// <summary>The benchmarks found, by name.</summary>
    public IReadOnlyList<BenchmarkEntry> Benchmarks => [.. _benchmarks.Values.OrderBy(e => e.Name, StringComparer.Ordinal)];

    /// <summary>The benchmark named <paramref name="name"/>, or null.</summary>
    public BenchmarkEntry? FindBenchmark(string name) => _benchmarks.GetValueOrDefault(name);

    /// <summary>The benchmark whose content hash is <paramref name="content"/>, or null.</summary>
    public BenchmarkEntry? FindBenchmarkByContent(string content) => _benchmarksByContent.GetValueOrDefault(content);

    /// <summary>The content hashes of every set and benchmark: what a silo holding them can run.</summary>
    public IReadOnlyList<string> Contents => [.. _byContent.Keys, .. _benchmarksByContent.Keys];

    /// <summary>The benchmarks the roots hold, for messages: "300w (300w, landmarks), … (under /data)".</summary>
    public string DescribeBenchmarks()
    {
        var roots = Roots.Count == 0 ? "no dataset root" : string.Join(", ", Roots);
        var names = _benchmarks.Count == 0 ? "none" : string.Join(", ", Benchmarks.Select(b => $"{b.Name} ({b.Manifest.Kind}, {b.Manifest.Task})"));
        return $"{names} (under {roots})";
    }

    /// <summary>What the roots hold and where they are, for messages: "a, b (under /data)".</summary>
    public string Describe()
    {
        var roots = Roots.Count == 0 ? "no dataset root" : string.Join(", ", Roots);
        var names = _byName.Count == 0 ? "none" : string.Join(", ", _byName.Keys.Order(StringComparer.Ordinal));
        return $"{names} (under {roots})";
    }
}
