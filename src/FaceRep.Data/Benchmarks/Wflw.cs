using FaceRep.Core.Metrics;
using FaceRep.Data.Formats;
using FaceRep.Data.ImageSets;

namespace FaceRep.Data.Benchmarks;

/// <summary>
/// WFLW as its authors distribute it: <c>WFLW_annotations/list_98pt_rect_attr_train_test/list_98pt_rect_attr_{train,test}.txt</c>
/// (196 coordinates, the box x_min y_min x_max y_max, six attribute flags, the image's path) and the images under
/// <c>WFLW_images</c>. Train 7,500, test 2,500; the test subsets are the faces flagged with each attribute.
/// Crop: HRNet's rule on the given box.
/// </summary>
public sealed class Wflw : BenchmarkKind
{
    /// <summary>The annotation folder, relative to the source.</summary>
    public static readonly string Annotations = Path.Combine("WFLW_annotations", "list_98pt_rect_attr_train_test");

    /// <summary>The image folder, relative to the source.</summary>
    public const string Images = "WFLW_images";

    /// <summary>The annotation file of a split.</summary>
    public static string ListFile(string split) => $"list_98pt_rect_attr_{split}.txt";

    /// <summary>The test subsets, in the order of the files' attribute flags.</summary>
    public static IReadOnlyList<string> Attributes { get; } = ["pose", "expression", "illumination", "makeup", "occlusion", "blur"];

    /// <inheritdoc />
    public override string Name => "wflw";

    /// <inheritdoc />
    public override string Task => "landmarks";

    /// <inheritdoc />
    public override int Points => 98;

    /// <inheritdoc />
    public override int DefaultSize => 256;

    /// <inheritdoc />
    public override IReadOnlyList<string> TestSubsets => Attributes;

    /// <inheritdoc />
    public override string CropRule => "HRNet: centre of the given box, side max(w, h) × 1.25";

    /// <inheritdoc />
    public override IReadOnlyList<SourceFace> Read(string source, ICollection<SkippedItem> skipped)
    {
        var lists = new[] { BenchmarkSplits.Train, BenchmarkSplits.Test }.Select(s => (Split: s, Path: Path.Combine(source, Annotations, ListFile(s)))).ToList();
        var missing = lists.Where(l => !File.Exists(l.Path)).Select(l => Path.GetRelativePath(source, l.Path)).ToList();
        if (!Directory.Exists(Path.Combine(source, Images)))
            missing.Add(Images + "/");
        if (missing.Count > 0)
            throw new BenchmarkSourceException($"{source} is not WFLW's layout: {string.Join(", ", missing)} is missing");

        var faces = new List<SourceFace>();
        foreach (var (split, list) in lists)
        {
            var relativeList = Path.GetRelativePath(source, list);
            var annotations = WflwReader.ReadEach(list, e => skipped.Add(new SkippedItem($"{relativeList}:{e.Line}", e.Reason + (e.Value is null ? "" : $" ('{e.Value}')"))));
            foreach (var a in annotations)
            {
                var image = Path.Combine(source, Images, a.ImagePath);
                var item = $"{relativeList}:{a.Line} ({a.ImagePath})";
                if (!File.Exists(image))
                {
                    skipped.Add(new SkippedItem(item, $"no image {Path.Combine(Images, a.ImagePath)}"));
                    continue;
                }

                var flags = new[] { a.Attributes.Pose, a.Attributes.Expression, a.Attributes.Illumination, a.Attributes.MakeUp, a.Attributes.Occlusion, a.Attributes.Blur };
                faces.Add(new SourceFace
                {
                    Source = item,
                    ImagePath = image,
                    Split = split,
                    Subsets = split == BenchmarkSplits.Test ? [.. Attributes.Where((_, i) => flags[i])] : [],
                    Points = a.Points,
                    ToContinuous = 0.5f,
                    Region = CropRules.Hrnet(a.XMin + 0.5f, a.YMin + 0.5f, a.XMax + 0.5f, a.YMax + 0.5f),
                });
            }
        }

        return faces;
    }

    /// <summary>NME over the outer eye corners (points 60 and 72), FR and AUC at 0.1, on the whole test split and each attribute subset.</summary>
    public override IReadOnlyDictionary<string, double> Metrics(IReadOnlyList<BenchmarkItem> items, ReadOnlySpan<float> predictions) =>
        BenchmarkScoring.Landmarks(items, predictions, Points, LandmarkNormaliser.ForWflw, TestSubsets, failureAndAucPerSubset: true);
}
