using FaceRep.Data.ImageSets;

namespace FaceRep.Data.Benchmarks;

/// <summary>
/// A benchmark as its authors distribute it and its community evaluates it: the task it measures, the
/// layout of its targets, its official test subsets, its crop rule, and the reader of its files.
/// </summary>
public abstract class BenchmarkKind
{
    /// <summary>The name imports and specs use (<c>300w</c>).</summary>
    public abstract string Name { get; }

    /// <summary>The task it measures (a name specs use: <c>landmarks</c>, <c>landmarks3d</c>, <c>au</c>, <c>emotion</c>, <c>recognition</c>).</summary>
    public abstract string Task { get; }

    /// <summary>Points per face (0 for none).</summary>
    public virtual int Points => 0;

    /// <summary>Values per point (2 or 3).</summary>
    public virtual int Dimensions => 2;

    /// <summary>Side of the stored crops unless the import says otherwise.</summary>
    public abstract int DefaultSize { get; }

    /// <summary>The official test subsets beyond the whole test split (which is <c>full</c>).</summary>
    public virtual IReadOnlyList<string> TestSubsets => [];

    /// <summary>
    /// Cross-validation folds (DISFA's three subject-exclusive folds), empty for a benchmark with an official test split.
    /// When there are folds, every face is in the training split and in the one fold subset that tests it: fold k is
    /// trained on the faces of the other folds and tested on its own, and the metrics pool every face's out-of-fold prediction.
    /// </summary>
    public virtual IReadOnlyList<string> Folds => [];

    /// <summary>The crop rule, in words, for the manifest and the docs.</summary>
    public abstract string CropRule { get; }

    /// <summary>
    /// Reads the distributed files under <paramref name="source"/>: every face it can use, and every one it
    /// cannot in <paramref name="skipped"/> with why (a damaged annotation is skipped, never fatal).
    /// </summary>
    /// <exception cref="BenchmarkSourceException">The source is not this benchmark's layout at all (a required file or folder is missing).</exception>
    public abstract IReadOnlyList<SourceFace> Read(string source, ICollection<SkippedItem> skipped);

    /// <summary>
    /// The benchmark's official metrics of predictions for <paramref name="items"/> (in their crops'
    /// coordinates, <see cref="Points"/> × <see cref="Dimensions"/> values per face for point tasks), computed
    /// as its community's reference code does, in the original images' coordinates: each metric over the whole
    /// split under its own name and over each official subset present as <c>metric@subset</c>.
    /// </summary>
    public abstract IReadOnlyDictionary<string, double> Metrics(IReadOnlyList<BenchmarkItem> items, ReadOnlySpan<float> predictions);
}

/// <summary>The source directory is not a benchmark's layout: names what is missing or wrong.</summary>
public sealed class BenchmarkSourceException(string message) : Exception(message);

/// <summary>The benchmarks this build imports.</summary>
public static class BenchmarkKinds
{
    private static readonly Dictionary<string, BenchmarkKind> ByName = new BenchmarkKind[]
    {
        new Face300W(),
        new Wflw(),
        new Aflw2000Benchmark(),
        new AffectNet(),
        new Disfa(),
        new Lfw(),
        new Aflw19(),
        new Cofw(),
        new Ijbb(),
    }.ToDictionary(k => k.Name, StringComparer.Ordinal);

    /// <summary>Every benchmark name, in order.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. ByName.Keys.Order(StringComparer.Ordinal)];

    /// <summary>The benchmark called <paramref name="name"/>, or null.</summary>
    public static BenchmarkKind? Find(string name) => ByName.GetValueOrDefault(name);

    /// <summary>The benchmark called <paramref name="name"/>.</summary>
    /// <exception cref="BenchmarkSourceException">No such benchmark.</exception>
    public static BenchmarkKind Get(string name) => Find(name)
        ?? throw new BenchmarkSourceException($"there is no benchmark '{name}'; the benchmarks are {string.Join(", ", Names)}");
}
