using System.Globalization;
using FaceRep.Core.Metrics;
using FaceRep.Data.Formats;
using FaceRep.Data.ImageSets;

namespace FaceRep.Data.Benchmarks;

/// <summary>
/// COFW (Caltech Occluded Faces in the Wild, 29 points) as HRNet's <c>data/cofw</c> distributes it:
/// <c>COFW_train_color.mat</c> and <c>COFW_test_color.mat</c> (or the grey <c>COFW_train.mat</c> and
/// <c>COFW_test.mat</c>), MATLAB v7.3 files holding the images as a cell array (<c>IsTr</c>, <c>IsT</c>: uint8,
/// H×W×3 or H×W), the annotations as an N×87 matrix (<c>phisTr</c>, <c>phisT</c>: 29 x, 29 y, then 29 occlusion
/// flags) and the face boxes as N×4 (<c>bboxesTr</c>, <c>bboxesT</c>: x, y, w, h), all in MATLAB's 1-based pixel
/// coordinates. Train 1,345, test 507, no subsets. A point's visibility is its occlusion flag inverted.
/// Crop: HRNet's rule on the given box. The crops are cut from the images re-encoded losslessly (PNG).
/// </summary>
public sealed class Cofw : BenchmarkKind
{
    /// <summary>The files of each split, colour first, and their variables: images, annotations, boxes.</summary>
    public static IReadOnlyList<(string Split, string Colour, string Grey, string Images, string Annotations, string Boxes)> Files { get; } =
    [
        (BenchmarkSplits.Train, "COFW_train_color.mat", "COFW_train.mat", "IsTr", "phisTr", "bboxesTr"),
        (BenchmarkSplits.Test, "COFW_test_color.mat", "COFW_test.mat", "IsT", "phisT", "bboxesT"),
    ];

    private const int PointCount = 29;

    /// <inheritdoc />
    public override string Name => "cofw";

    /// <inheritdoc />
    public override string Task => "landmarks";

    /// <inheritdoc />
    public override int Points => PointCount;

    /// <inheritdoc />
    public override int DefaultSize => 256;

    /// <inheritdoc />
    public override string CropRule => "HRNet: centre of the given box, side max(w, h) × 1.25";

    /// <summary>
    /// Reads both splits. The box (x, y, w, h) is taken in the points' convention, so its continuous corners are
    /// (x − 0.5, y − 0.5) and (x + w − 0.5, y + h − 0.5). A face with a value that is not finite, a box without area
    /// or a box that misses its image, or a cell that is not an image, is skipped and named.
    /// </summary>
    /// <exception cref="BenchmarkSourceException">A split's file is missing, unreadable, or lacks a variable of the right shape.</exception>
    public override IReadOnlyList<SourceFace> Read(string source, ICollection<SkippedItem> skipped)
    {
        var found = Files.Select(f => (File: FileOf(source, f.Colour, f.Grey), Spec: f)).ToList();
        var missing = found.Where(f => f.File is null).Select(f => $"{f.Spec.Colour} (or {f.Spec.Grey})").ToList();
        if (missing.Count > 0)
            throw new BenchmarkSourceException($"{source} is not COFW's layout: {string.Join(" and ", missing)} {(missing.Count == 1 ? "is" : "are")} missing");

        var faces = new List<SourceFace>();
        foreach (var (file, (split, _, _, images, annotations, boxes)) in found)
        {
            try
            {
                ReadSplit(file!, split, images, annotations, boxes, faces, skipped);
            }
            catch (DataFormatException e)
            {
                throw new BenchmarkSourceException($"{e.Message}; COFW's {split} file must hold {images} (a cell of images), {annotations} (N×{3 * PointCount}) and {boxes} (N×4)");
            }
        }

        return faces;
    }

    /// <summary>
    /// HRNet's convention for COFW (its <c>compute_nme</c> calls it inter-ocular): each face's mean point error divided by the
    /// distance of points 8 and 9 (0-based, <see cref="LandmarkNormaliser.ForCofw"/>; in COFW's layout these are eye corners,
    /// the pupils being 16 and 17), reported as <c>nme_io</c> with FR and AUC at 0.1 over the whole test split. The study paper
    /// gives COFW's inter-ocular NME (3.32) without naming its points; it is shown beside this one as a reference.
    /// </summary>
    public override IReadOnlyDictionary<string, double> Metrics(IReadOnlyList<BenchmarkItem> items, ReadOnlySpan<float> predictions) =>
        BenchmarkScoring.Landmarks(items, predictions, Points, LandmarkNormaliser.ForCofw, TestSubsets, failureAndAucPerSubset: false);

    private static string? FileOf(string source, string colour, string grey) =>
        new[] { colour, grey }.Select(n => Path.Combine(source, n)).FirstOrDefault(File.Exists);

    private static void ReadSplit(string path, string split, string images, string annotations, string boxes, List<SourceFace> faces, ICollection<SkippedItem> skipped)
    {
        var name = Path.GetFileName(path);
        using var file = MatV73File.Open(path);
        var cell = file.ReadImageCell(images);
        var phis = file.ReadNumeric(annotations);
        var bboxes = file.ReadNumeric(boxes);
        var count = cell.Count;
        if (phis.Dimensions.Length != 2 || phis.Rows != count || phis.Columns != 3 * PointCount)
            throw new DataFormatException(path, null, phis.Shape, $"{annotations} must be {count}×{3 * PointCount} ({count} faces in {images}: 29 x, 29 y, 29 occlusion flags each)");
        if (bboxes.Dimensions.Length != 2 || bboxes.Rows != count || bboxes.Columns != 4)
            throw new DataFormatException(path, null, bboxes.Shape, $"{boxes} must be {count}×4 ({count} faces in {images}: x, y, w, h each)");

        for (var i = 0; i < count; i++)
        {
            var item = $"{name}:{images}[{(i + 1).ToString(CultureInfo.InvariantCulture)}]";
            var nonFinite = Enumerable.Range(0, 3 * PointCount).FirstOrDefault(k => !double.IsFinite(phis[i, k]), -1);
            if (nonFinite >= 0)
            {
                skipped.Add(new SkippedItem(item, $"{annotations}({i + 1}, {nonFinite + 1}) is {phis[i, nonFinite].ToString(CultureInfo.InvariantCulture)}"));
                continue;
            }

            var (x, y, w, h) = (bboxes[i, 0], bboxes[i, 1], bboxes[i, 2], bboxes[i, 3]);
            if (!(double.IsFinite(x) && double.IsFinite(y) && double.IsFinite(w) && double.IsFinite(h)) || w <= 0 || h <= 0)
            {
                skipped.Add(new SkippedItem(item, $"the box {Box(x, y, w, h)} is not finite or has no area"));
                continue;
            }

            int width, height;
            string? objectPath;
            try
            {
                (width, height, _) = cell.ImageSize(i);
                objectPath = cell.ObjectPath(i);
            }
            catch (DataFormatException e)
            {
                skipped.Add(new SkippedItem(item, e.Reason));
                continue;
            }

            var (left, top, right, bottom) = ((float)(x - 0.5), (float)(y - 0.5), (float)(x + w - 0.5), (float)(y + h - 0.5));
            if (right <= 0 || bottom <= 0 || left >= width || top >= height)
            {
                skipped.Add(new SkippedItem(item, $"the box {Box(x, y, w, h)} lies outside the {width}×{height} image"));
                continue;
            }

            var points = new float[2 * PointCount];
            var visible = new bool[PointCount];
            for (var k = 0; k < PointCount; k++)
            {
                points[2 * k] = (float)phis[i, k];
                points[(2 * k) + 1] = (float)phis[i, PointCount + k];
                visible[k] = phis[i, (2 * PointCount) + k] == 0;
            }

            var (index, cellName) = (i, cell.CellName(i));
            faces.Add(new SourceFace
            {
                Source = item,
                ImagePath = path,
                LoadImage = () => Encode(path, images, index, objectPath, cellName, item),
                Split = split,
                Points = points,
                ToContinuous = -0.5f,
                Visible = visible,
                Region = CropRules.Hrnet(left, top, right, bottom),
            });
        }
    }

    /// <summary>
    /// One face's image as a PNG, read from its own opening of the file (imports crop on several threads): by the path
    /// of its array when the reader found one (following a reference searches its whole group), else by its cell.
    /// </summary>
    private static byte[] Encode(string path, string images, int index, string? objectPath, string cellName, string item)
    {
        try
        {
            using var file = MatV73File.Open(path);
            var image = objectPath is null ? file.ReadImageCell(images).ReadImage(index) : file.ReadImageAt(objectPath, cellName);
            return image.EncodePng(item);
        }
        catch (DataFormatException e)
        {
            throw new CorruptSampleException(item, e.Reason, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CorruptSampleException(item, $"cannot read {path}: {e.Message}", e);
        }
    }

    private static string Box(double x, double y, double w, double h) =>
        string.Create(CultureInfo.InvariantCulture, $"({x:0.##}, {y:0.##}, {w:0.##}×{h:0.##})");
}
