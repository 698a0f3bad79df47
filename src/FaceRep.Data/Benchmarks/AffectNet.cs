using FaceRep.Core.Metrics;
using FaceRep.Data.Formats;
using FaceRep.Data.ImageSets;

namespace FaceRep.Data.Benchmarks;

/// <summary>
/// AffectNet as its authors distribute it: <c>Manually_Annotated_file_lists/{training,validation}.csv</c>
/// (image path, face box, 68 landmarks, expression, valence, arousal) and the images under
/// <c>Manually_Annotated_Images</c>. Expressions 0–7 are kept (8 none, 9 uncertain, 10 non-face are left out
/// and counted); the official validation set is the test set. Crop: the given box, squared on its longer side
/// about its centre.
/// </summary>
public sealed class AffectNet : BenchmarkKind
{
    /// <summary>The list folder, relative to the source.</summary>
    public const string Lists = "Manually_Annotated_file_lists";

    /// <summary>The image folder, relative to the source.</summary>
    public const string Images = "Manually_Annotated_Images";

    /// <summary>The list file of each split.</summary>
    public static IReadOnlyList<(string Split, string File)> ListFiles { get; } = [(BenchmarkSplits.Train, "training.csv"), (BenchmarkSplits.Test, "validation.csv")];

    /// <inheritdoc />
    public override string Name => "affectnet";

    /// <inheritdoc />
    public override string Task => "emotion";

    /// <inheritdoc />
    public override int DefaultSize => 224;

    /// <inheritdoc />
    public override string CropRule => "the given face box, squared on its longer side about its centre";

    /// <inheritdoc />
    public override IReadOnlyList<SourceFace> Read(string source, ICollection<SkippedItem> skipped)
    {
        var missing = ListFiles.Select(l => Path.Combine(Lists, l.File)).Where(f => !File.Exists(Path.Combine(source, f))).ToList();
        if (!Directory.Exists(Path.Combine(source, Images)))
            missing.Add(Images + "/");
        if (missing.Count > 0)
            throw new BenchmarkSourceException($"{source} is not AffectNet's layout: {string.Join(", ", missing)} is missing");

        var faces = new List<SourceFace>();
        foreach (var (split, file) in ListFiles)
        {
            var list = Path.Combine(source, Lists, file);
            var relativeList = Path.Combine(Lists, file);
            AffectNetTable table;
            try
            {
                table = AffectNetReader.Read(list, e => skipped.Add(new SkippedItem($"{relativeList}:{e.Line}", e.Reason + (e.Value is null ? "" : $" ('{e.Value}')"))));
            }
            catch (DataFormatException e)
            {
                throw new BenchmarkSourceException(e.Message);
            }

            foreach (var (code, count) in table.Excluded)
                skipped.Add(new SkippedItem(relativeList, $"{count} row(s) of expression {code} ({AffectNetReader.ExcludedNames[code]}), which AffectNet's 8-class protocol leaves out"));
            foreach (var row in table.Records)
            {
                var item = $"{relativeList}:{row.Line} ({row.ImagePath})";
                var image = Path.Combine(source, Images, row.ImagePath);
                if (!File.Exists(image))
                {
                    skipped.Add(new SkippedItem(item, $"no image {Path.Combine(Images, row.ImagePath)}"));
                    continue;
                }

                if (row.Valence is not { } valence || row.Arousal is not { } arousal)
                {
                    skipped.Add(new SkippedItem(item, "no valence or arousal (-2)"));
                    continue;
                }

                var side = Math.Max(row.FaceWidth, row.FaceHeight);
                var (cx, cy) = (row.FaceX + (row.FaceWidth / 2), row.FaceY + (row.FaceHeight / 2));
                faces.Add(new SourceFace
                {
                    Source = item,
                    ImagePath = image,
                    Split = split,
                    Class = row.Expression,
                    Values = [valence, arousal],
                    Region = new ImageRegion(cx - (side / 2), cy - (side / 2), side, side),
                });
            }
        }

        return faces;
    }

    /// <summary>Accuracy over the eight classes, macro-F1, and valence and arousal CCC and RMSE, on the validation set.</summary>
    public override IReadOnlyDictionary<string, double> Metrics(IReadOnlyList<BenchmarkItem> items, ReadOnlySpan<float> predictions)
    {
        if (predictions.Length != 3 * items.Count)
            throw new ArgumentException($"{predictions.Length} predicted values for {items.Count} faces of class, valence and arousal", nameof(predictions));
        var n = items.Count;
        int[] predicted = new int[n], truth = new int[n];
        float[] valence = new float[n], arousal = new float[n], trueValence = new float[n], trueArousal = new float[n];
        for (var i = 0; i < n; i++)
        {
            (predicted[i], valence[i], arousal[i]) = ((int)predictions[3 * i], predictions[(3 * i) + 1], predictions[(3 * i) + 2]);
            (truth[i], trueValence[i], trueArousal[i]) = (items[i].Class, items[i].Values[0], items[i].Values[1]);
        }

        return new Dictionary<string, double>(StringComparer.Ordinal)
        {
            [MetricDefinitions.Accuracy.Name] = ClassificationMetrics.Accuracy(predicted, truth),
            [MetricDefinitions.MacroF1.Name] = ClassificationMetrics.MacroF1(predicted, truth, AffectNetReader.ExpressionNames.Count),
            [MetricDefinitions.ValenceCcc.Name] = RegressionMetrics.Ccc(valence, trueValence),
            [MetricDefinitions.ArousalCcc.Name] = RegressionMetrics.Ccc(arousal, trueArousal),
            [MetricDefinitions.ValenceRmse.Name] = RegressionMetrics.Rmse(valence, trueValence),
            [MetricDefinitions.ArousalRmse.Name] = RegressionMetrics.Rmse(arousal, trueArousal),
        };
    }
}
