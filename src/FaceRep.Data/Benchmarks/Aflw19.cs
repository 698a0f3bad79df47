using System.Globalization;
using FaceRep.Core.Metrics;
using FaceRep.Data.Formats;
using FaceRep.Data.ImageSets;

namespace FaceRep.Data.Benchmarks;

/// <summary>
/// AFLW with the 19-point revised annotation of <c>AFLWinfo_release.mat</c> (as HRNet and the compositional-learning
/// release read it): <c>bbox</c> (N×4: left, right, top, bottom), <c>data</c> (N×38: the 19 x, then the 19 y),
/// <c>mask_new</c> (N×19 visibility), <c>nameList</c> (N image names relative to AFLW's <c>flickr/</c> folder) and
/// <c>ra</c> (a 1-based permutation: its first 20,000 faces train, the other 4,386 test). Images under
/// <c>data/flickr/</c>, <c>flickr/</c> or the source itself. Test subsets: <c>frontal</c>, the test faces with all 19
/// points visible. Crop: HRNet's rule on the given box. Coordinates are MATLAB's 1-based pixel centres.
/// </summary>
public sealed class Aflw19 : BenchmarkKind
{
    /// <summary>The annotation file.</summary>
    public const string InfoFile = "AFLWinfo_release.mat";

    /// <summary>Faces the release's permutation puts first, for training.</summary>
    public const int ReleaseTrainCount = 20_000;

    /// <summary>Faces of the whole release.</summary>
    public const int ReleaseCount = 24_386;

    /// <summary>The folders AFLW's images may sit under, relative to the source, in the order they are looked for.</summary>
    public static IReadOnlyList<string> ImageFolders { get; } = ["data/flickr", "flickr", "."];

    /// <inheritdoc />
    public override string Name => "aflw19";

    /// <inheritdoc />
    public override string Task => "landmarks";

    /// <inheritdoc />
    public override int Points => 19;

    /// <inheritdoc />
    public override int DefaultSize => 256;

    /// <inheritdoc />
    public override IReadOnlyList<string> TestSubsets => ["frontal"];

    /// <inheritdoc />
    public override string CropRule => "HRNet: centre of the given box, side max(w, h) × 1.25";

    /// <summary>
    /// How many of <paramref name="count"/> faces train: the release's 20,000 of its 24,386; for a file of at most 20,000 faces
    /// (a part of the release, or SynthFace written in its layout), the same proportion.
    /// </summary>
    public static int TrainCount(int count) =>
        count > ReleaseTrainCount ? ReleaseTrainCount : count - (int)Math.Round(count * (ReleaseCount - ReleaseTrainCount) / (double)ReleaseCount);

    /// <inheritdoc />
    public override IReadOnlyList<SourceFace> Read(string source, ICollection<SkippedItem> skipped)
    {
        var info = Path.Combine(source, InfoFile);
        if (!File.Exists(info))
            throw new BenchmarkSourceException($"{source} is not AFLW-19's layout: {InfoFile} is missing (the 19-point annotation, beside AFLW's images)");
        IReadOnlyDictionary<string, MatArray> numbers;
        IReadOnlyDictionary<string, IReadOnlyList<string>> strings;
        try
        {
            (numbers, strings) = MatFile.ReadAll(info);
        }
        catch (DataFormatException e)
        {
            throw new BenchmarkSourceException(e.Message);
        }

        MatArray Variable(string name, int columns)
        {
            if (!numbers.TryGetValue(name, out var array))
                throw new BenchmarkSourceException($"{info}: no numeric variable '{name}' (it has {string.Join(", ", numbers.Keys.Concat(strings.Keys).Order(StringComparer.Ordinal))})");
            if (array.Columns != columns)
                throw new BenchmarkSourceException($"{info}: '{name}' is {array.Shape}; AFLW-19 gives {columns} values per face");
            return array;
        }

        var bbox = Variable("bbox", 4);
        var data = Variable("data", 38);
        var mask = Variable("mask_new", 19);
        if (!strings.TryGetValue("nameList", out var names))
            throw new BenchmarkSourceException($"{info}: no cell array of image names 'nameList'");
        if (!numbers.TryGetValue("ra", out var ra))
            throw new BenchmarkSourceException($"{info}: no permutation 'ra'");
        var count = bbox.Rows;
        if (data.Rows != count || mask.Rows != count || names.Count != count || ra.Data.Length != count)
            throw new BenchmarkSourceException($"{info}: bbox has {count} faces, data {data.Rows}, mask_new {mask.Rows}, nameList {names.Count}, ra {ra.Data.Length}; they must agree");
        var order = ra.Data.Select(v => (int)v - 1).ToArray();
        if (order.Distinct().Count() != count || order.Any(i => i < 0 || i >= count))
            throw new BenchmarkSourceException($"{info}: ra is not a permutation of 1…{count}");

        var root = ImageFolders.Select(f => Path.Combine(source, f)).First(d => Directory.Exists(d));
        var train = TrainCount(count);
        var faces = new List<SourceFace>();
        for (var k = 0; k < count; k++)
        {
            var i = order[k];
            var item = $"{InfoFile}:{i + 1} ({names[i]})";
            var image = Path.Combine(root, names[i]);
            if (!File.Exists(image))
            {
                skipped.Add(new SkippedItem(item, $"no image {Path.GetRelativePath(source, image)}"));
                continue;
            }

            var points = new float[38];
            for (var p = 0; p < 19; p++)
                (points[2 * p], points[(2 * p) + 1]) = ((float)data[i, p], (float)data[i, 19 + p]);
            var (left, right, top, bottom) = ((float)bbox[i, 0], (float)bbox[i, 1], (float)bbox[i, 2], (float)bbox[i, 3]);
            var (width, height) = (right - left, bottom - top);
            if (!points.All(float.IsFinite) || !(width > 0 && height > 0))
            {
                skipped.Add(new SkippedItem(item, $"its points or box are not finite, or the box ({left.ToString(CultureInfo.InvariantCulture)}, {right.ToString(CultureInfo.InvariantCulture)}, {top.ToString(CultureInfo.InvariantCulture)}, {bottom.ToString(CultureInfo.InvariantCulture)}) is empty"));
                continue;
            }

            var visible = Enumerable.Range(0, 19).Select(p => mask[i, p] != 0).ToArray();
            var testing = k >= train;
            faces.Add(new SourceFace
            {
                Source = item,
                ImagePath = image,
                Split = testing ? BenchmarkSplits.Test : BenchmarkSplits.Train,
                Subsets = testing && visible.All(v => v) ? ["frontal"] : [],
                Points = points,
                ToContinuous = -0.5f,
                Visible = visible,
                Normaliser = Math.Sqrt((double)width * height),
                Values = [width, height],
                Region = CropRules.Hrnet(left - 0.5f, top - 0.5f, right - 0.5f, bottom - 0.5f),
            });
        }

        return faces;
    }

    /// <summary>
    /// NME over all 19 points normalised by √(w·h) of the given box (<c>nme_box</c>, HRNet's <c>compute_nme</c> with the box
    /// size) and by its diagonal (<c>nme_diag</c>, the study paper's NME_diag), on the whole test split and on <c>frontal</c>.
    /// </summary>
    public override IReadOnlyDictionary<string, double> Metrics(IReadOnlyList<BenchmarkItem> items, ReadOnlySpan<float> predictions)
    {
        var box = BenchmarkScoring.PerFaceNme(items, predictions, Points, new LandmarkNormaliser.Given([]));
        // The same errors over the diagonal: NME_diag = NME_box × √(w·h) / √(w² + h²).
        var diag = box.Select((e, i) => e * items[i].Normaliser / Math.Sqrt((items[i].Values[0] * items[i].Values[0]) + (items[i].Values[1] * items[i].Values[1]))).ToArray();
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            [MetricDefinitions.NmeBox.Name] = box.Average(),
            [MetricDefinitions.NmeDiagonal.Name] = diag.Average(),
        };
        foreach (var subset in TestSubsets)
        {
            var members = Enumerable.Range(0, items.Count).Where(i => items[i].Subsets.Contains(subset)).ToList();
            if (members.Count == 0)
                continue;
            metrics[MetricDefinitions.OnSubset(MetricDefinitions.NmeBox.Name, subset)] = members.Average(i => box[i]);
            metrics[MetricDefinitions.OnSubset(MetricDefinitions.NmeDiagonal.Name, subset)] = members.Average(i => diag[i]);
        }

        return metrics;
    }
}
