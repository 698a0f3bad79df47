using FaceRep.Core.Metrics;
using FaceRep.Data.Formats;
using FaceRep.Data.ImageSets;

namespace FaceRep.Data.Benchmarks;

/// <summary>
/// 300W as ibug distributes it: images beside 68-point <c>.pts</c> files in <c>afw</c>, <c>helen/trainset</c>,
/// <c>helen/testset</c>, <c>lfpw/trainset</c>, <c>lfpw/testset</c> and <c>ibug</c>. Train: AFW + HELEN train +
/// LFPW train (3,148); test: <c>common</c> = LFPW test + HELEN test (554), <c>challenging</c> = iBUG (135),
/// full = both (689). An AFW image holding several faces has one <c>.pts</c> per face (<c>NAME_1.pts</c>, …).
/// Crop: HRNet's rule on the box of the 68 points.
/// </summary>
public sealed class Face300W : BenchmarkKind
{
    /// <summary>The folders, their split and subset.</summary>
    public static IReadOnlyList<(string Folder, string Split, string? Subset)> Folders { get; } =
    [
        ("afw", BenchmarkSplits.Train, null),
        ("helen/trainset", BenchmarkSplits.Train, null),
        ("lfpw/trainset", BenchmarkSplits.Train, null),
        ("helen/testset", BenchmarkSplits.Test, "common"),
        ("lfpw/testset", BenchmarkSplits.Test, "common"),
        ("ibug", BenchmarkSplits.Test, "challenging"),
    ];

    private static readonly string[] ImageExtensions = [".jpg", ".png", ".jpeg", ".JPG", ".PNG"];

    /// <inheritdoc />
    public override string Name => "300w";

    /// <inheritdoc />
    public override string Task => "landmarks";

    /// <inheritdoc />
    public override int Points => 68;

    /// <inheritdoc />
    public override int DefaultSize => 256;

    /// <inheritdoc />
    public override IReadOnlyList<string> TestSubsets => ["common", "challenging"];

    /// <inheritdoc />
    public override string CropRule => "HRNet: centre of the 68 points' box, side max(w, h) × 1.25";

    /// <inheritdoc />
    public override IReadOnlyList<SourceFace> Read(string source, ICollection<SkippedItem> skipped)
    {
        var missing = Folders.Select(f => f.Folder).Where(f => !Directory.Exists(Path.Combine(source, f))).ToList();
        if (missing.Count > 0)
            throw new BenchmarkSourceException($"{source} is not 300W's layout: it has no {string.Join(", ", missing)} folder(s) (300W needs {string.Join(", ", Folders.Select(f => f.Folder))})");

        var faces = new List<SourceFace>();
        foreach (var (folder, split, subset) in Folders)
        {
            var directory = Path.Combine(source, folder);
            var files = Directory.EnumerateFiles(directory, "*.pts").Order(StringComparer.Ordinal).ToList();
            if (files.Count == 0)
                throw new BenchmarkSourceException($"{directory} holds no .pts file; 300W keeps each image's 68 points beside it");
            foreach (var pts in files)
            {
                var relative = Path.GetRelativePath(source, pts);
                var image = ImageOf(pts);
                if (image is null)
                {
                    skipped.Add(new SkippedItem(relative, "no image beside it (NAME.jpg/.png, or for a face NAME_k.pts, NAME.jpg)"));
                    continue;
                }

                PtsAnnotation annotation;
                try
                {
                    annotation = PtsReader.Read(pts);
                }
                catch (DataFormatException e)
                {
                    skipped.Add(new SkippedItem(relative, e.Message));
                    continue;
                }

                if (annotation.PointCount != Points)
                {
                    skipped.Add(new SkippedItem(relative, $"{annotation.PointCount} points; 300W faces have {Points}"));
                    continue;
                }

                var (l, t, r, b) = CropRules.Box(annotation.Points, 2, 0.5f);
                faces.Add(new SourceFace
                {
                    Source = relative,
                    ImagePath = image,
                    Split = split,
                    Subsets = subset is null ? [] : [subset],
                    Points = annotation.Points,
                    ToContinuous = 0.5f,
                    Region = CropRules.Hrnet(l, t, r, b),
                });
            }
        }

        return faces;
    }

    /// <summary>
    /// NME over the outer-eye-corner distance (points 36 and 45, HRNet's <c>compute_nme</c>) on the whole test
    /// split and on <c>common</c> and <c>challenging</c>; FR and AUC at 0.1 on the whole split.
    /// </summary>
    public override IReadOnlyDictionary<string, double> Metrics(IReadOnlyList<BenchmarkItem> items, ReadOnlySpan<float> predictions) =>
        BenchmarkScoring.Landmarks(items, predictions, Points, LandmarkNormaliser.For300W, TestSubsets, failureAndAucPerSubset: false);

    private static string? ImageOf(string pts)
    {
        var directory = Path.GetDirectoryName(pts)!;
        var stem = Path.GetFileNameWithoutExtension(pts);
        foreach (var candidate in new[] { stem, StripFaceNumber(stem) })
        {
            if (candidate is null)
                continue;
            foreach (var extension in ImageExtensions)
            {
                var path = Path.Combine(directory, candidate + extension);
                if (File.Exists(path))
                    return path;
            }
        }

        return null;
    }

    private static string? StripFaceNumber(string stem)
    {
        var underscore = stem.LastIndexOf('_');
        return underscore > 0 && stem[(underscore + 1)..].All(char.IsAsciiDigit) && underscore < stem.Length - 1 ? stem[..underscore] : null;
    }
}
