using System.Globalization;
using FaceRep.Core.Metrics;
using FaceRep.Data.Formats;
using FaceRep.Data.ImageSets;

namespace FaceRep.Data.Benchmarks;

/// <summary>
/// DISFA's action-unit intensities as its authors distribute them, with the frames of the left camera's videos
/// extracted beside them:
/// <list type="bullet">
/// <item><c>ActionUnit_Labels/SNxxx/SNxxx_auN.txt</c>: per subject and AU, lines <c>frame,intensity</c> (0–5);</item>
/// <item><c>Landmark_Points/SNxxx/tmp_frame_lm/SNxxx_NNNN_lm.mat</c> (or <c>l0NNNN_lm.mat</c>): the 66 AAM points
/// (<c>pts</c>, 66×2) of frame NNNN + 1;</item>
/// <item><c>Frames/SNxxx/NNNNN.jpg</c>: frame NNNNN (from 1) of <c>LeftVideoSNxxx_comp.avi</c>, extracted with
/// <c>ffmpeg -i Videos_LeftCamera/LeftVideoSN001_comp.avi -start_number 1 -qscale:v 2 Frames/SN001/%05d.jpg</c>.</item>
/// </list>
/// Protocol: the twelve AUs DISFA annotates, scored by intensity (ICC(3,1), MAE) as the AU-intensity literature scores
/// them, over the subject-exclusive three folds of ME-GraphAU and JAA-Net (their three parts of nine subjects; fold 1
/// tests part 3, fold 2 part 2, fold 3 part 1). Those works score eight AUs by occurrence F1 instead: only the folds
/// are shared with them, not the figures. Every face is in the training
/// split and in the fold that tests it. Crop: HRNet's rule on the 66 points' box.
/// </summary>
public sealed class Disfa : BenchmarkKind
{
    /// <summary>The AU label folder.</summary>
    public const string LabelsFolder = "ActionUnit_Labels";

    /// <summary>The landmark folder.</summary>
    public const string LandmarksFolder = "Landmark_Points";

    /// <summary>The extracted frames' folder.</summary>
    public const string FramesFolder = "Frames";

    /// <summary>Points per face in DISFA's landmark files.</summary>
    public const int LandmarkCount = 66;

    /// <summary>ME-GraphAU's three parts of DISFA's 27 subjects, each with the fold that tests it.</summary>
    public static IReadOnlyList<(string Fold, IReadOnlyList<string> Subjects)> Parts { get; } =
    [
        ("fold3", ["SN002", "SN010", "SN001", "SN026", "SN027", "SN032", "SN030", "SN009", "SN016"]),
        ("fold2", ["SN013", "SN018", "SN011", "SN028", "SN012", "SN006", "SN031", "SN021", "SN024"]),
        ("fold1", ["SN003", "SN029", "SN023", "SN025", "SN008", "SN005", "SN007", "SN017", "SN004"]),
    ];

    /// <summary>The twelve action units scored, in output order.</summary>
    public static IReadOnlyList<int> ActionUnits => MetricDefinitions.DisfaActionUnits;

    private static readonly Dictionary<string, string> FoldOfSubject =
        Parts.SelectMany(p => p.Subjects.Select(s => (s, p.Fold))).ToDictionary(x => x.s, x => x.Fold, StringComparer.Ordinal);

    /// <inheritdoc />
    public override string Name => "disfa";

    /// <inheritdoc />
    public override string Task => "au";

    /// <inheritdoc />
    public override int DefaultSize => 128;

    /// <inheritdoc />
    public override IReadOnlyList<string> Folds => ["fold1", "fold2", "fold3"];

    /// <inheritdoc />
    public override IReadOnlyList<string> TestSubsets => Folds;

    /// <inheritdoc />
    public override string CropRule => "HRNet: centre of the 66 AAM points' box, side max(w, h) × 1.25";

    /// <summary>The landmark file of frame <paramref name="frame"/> (from 1): DISFA numbers them from 0, under one of two names.</summary>
    public static string? LandmarkFile(string source, string subject, int frame)
    {
        var folder = Path.Combine(source, LandmarksFolder, subject, "tmp_frame_lm");
        var number = (frame - 1).ToString("D4", CultureInfo.InvariantCulture);
        foreach (var name in new[] { $"{subject}_{number}_lm.mat", $"l0{number}_lm.mat" })
        {
            var path = Path.Combine(folder, name);
            if (File.Exists(path))
                return path;
        }

        return null;
    }

    /// <summary>The extracted frame <paramref name="frame"/> (from 1) of <paramref name="subject"/>, relative to the source.</summary>
    public static string FramePath(string subject, int frame) => Path.Combine(FramesFolder, subject, frame.ToString("D5", CultureInfo.InvariantCulture) + ".jpg");

    /// <inheritdoc />
    public override IReadOnlyList<SourceFace> Read(string source, ICollection<SkippedItem> skipped)
    {
        var missing = new[] { LabelsFolder, LandmarksFolder, FramesFolder }.Where(f => !Directory.Exists(Path.Combine(source, f))).ToList();
        if (missing.Count > 0)
            throw new BenchmarkSourceException(
                $"{source} is not DISFA's layout: it has no {string.Join(", ", missing)} folder(s) (DISFA needs {LabelsFolder}/, {LandmarksFolder}/ and {FramesFolder}/ of frames extracted from the left videos)");
        var subjects = Directory.EnumerateDirectories(Path.Combine(source, LabelsFolder)).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();
        if (subjects.Count == 0)
            throw new BenchmarkSourceException($"{Path.Combine(source, LabelsFolder)} holds no subject folder (SN001, …)");

        var faces = new List<SourceFace>();
        foreach (var subject in subjects)
        {
            var labels = Path.Combine(LabelsFolder, subject);
            if (!FoldOfSubject.TryGetValue(subject, out var fold))
            {
                skipped.Add(new SkippedItem(labels, $"'{subject}' is not one of DISFA's 27 subjects of the three folds"));
                continue;
            }

            DisfaSubject table;
            try
            {
                table = DisfaAuReader.Read(Path.Combine(source, labels)).Single(s => s.Subject == subject);
            }
            catch (DataFormatException e)
            {
                skipped.Add(new SkippedItem(labels, e.Message.Replace(source + Path.DirectorySeparatorChar, "", StringComparison.Ordinal)));
                continue;
            }
            catch (InvalidOperationException)
            {
                skipped.Add(new SkippedItem(labels, $"its AU files are not named {subject}_auN.txt"));
                continue;
            }

            var absent = ActionUnits.Where(au => !table.ActionUnits.Contains(au)).ToList();
            if (absent.Count > 0)
            {
                skipped.Add(new SkippedItem(labels, $"no labels of AU {string.Join(", ", absent)} ({subject}_auN.txt); DISFA scores {string.Join(", ", ActionUnits)}"));
                continue;
            }

            if (!Directory.Exists(Path.Combine(source, FramesFolder, subject)))
            {
                skipped.Add(new SkippedItem(Path.Combine(FramesFolder, subject), $"no frames: extract LeftVideo{subject}_comp.avi into it (docs/BENCHMARKS.md)"));
                continue;
            }

            var number = int.Parse(subject.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture);
            for (var frame = table.FirstFrame; frame < table.FirstFrame + table.FrameCount; frame++)
            {
                var relative = FramePath(subject, frame);
                var image = Path.Combine(source, relative);
                if (!File.Exists(image))
                {
                    skipped.Add(new SkippedItem(relative, $"no such frame ({subject}'s labels run to frame {table.FirstFrame + table.FrameCount - 1})"));
                    continue;
                }

                var landmarks = LandmarkFile(source, subject, frame);
                if (landmarks is null)
                {
                    skipped.Add(new SkippedItem(relative, $"no landmarks ({Path.Combine(LandmarksFolder, subject, "tmp_frame_lm", $"{subject}_{frame - 1:D4}_lm.mat")})"));
                    continue;
                }

                float[] points;
                try
                {
                    points = MatFile.ReadPoints(landmarks, "pts", LandmarkCount);
                }
                catch (DataFormatException e)
                {
                    skipped.Add(new SkippedItem(relative, e.Message.Replace(source + Path.DirectorySeparatorChar, "", StringComparison.Ordinal)));
                    continue;
                }

                var (l, t, r, b) = CropRules.Box(points, 2, 0.5f);
                faces.Add(new SourceFace
                {
                    Source = relative,
                    ImagePath = image,
                    Split = BenchmarkSplits.Train,
                    Subsets = [fold],
                    Subject = number,
                    Region = CropRules.Hrnet(l, t, r, b),
                    Values = [.. ActionUnits.Select(au => (float)table.Intensity(frame, au))],
                });
            }
        }

        return faces;
    }

    /// <summary>
    /// ICC(3,1), MAE and Pearson's correlation of each of the twelve AUs (<c>icc_auNN</c>, <c>mae_auNN</c>) and their means
    /// (<c>icc</c>, <c>mae</c>, <c>pcc</c>) over every face, each predicted by the fold that held its subject out; the same
    /// means over each fold's faces as <c>icc@foldK</c>.
    /// </summary>
    public override IReadOnlyDictionary<string, double> Metrics(IReadOnlyList<BenchmarkItem> items, ReadOnlySpan<float> predictions)
    {
        var units = ActionUnits.Count;
        if (predictions.Length != units * items.Count)
            throw new ArgumentException($"{predictions.Length} predicted values for {items.Count} faces of {units} action units", nameof(predictions));
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        var all = predictions.ToArray();
        Add(metrics, "", items, Enumerable.Range(0, items.Count).ToList(), all, perUnit: true);
        foreach (var fold in Folds)
        {
            var members = Enumerable.Range(0, items.Count).Where(i => items[i].Subsets.Contains(fold)).ToList();
            if (members.Count > 0)
                Add(metrics, fold, items, members, all, perUnit: false);
        }

        return metrics;
    }

    private static void Add(Dictionary<string, double> metrics, string subset, IReadOnlyList<BenchmarkItem> items, List<int> members, float[] predictions, bool perUnit)
    {
        var units = ActionUnits.Count;
        var predicted = new float[members.Count * units];
        var truth = new float[members.Count * units];
        for (var k = 0; k < members.Count; k++)
        {
            predictions.AsSpan(members[k] * units, units).CopyTo(predicted.AsSpan(k * units));
            items[members[k]].Values.AsSpan(0, units).CopyTo(truth.AsSpan(k * units));
        }

        string Name(MetricDefinition metric) => subset.Length == 0 ? metric.Name : MetricDefinitions.OnSubset(metric.Name, subset);
        metrics[Name(MetricDefinitions.Icc)] = RegressionMetrics.MeanOverColumns(predicted, truth, units, RegressionMetrics.Icc31, out var icc);
        metrics[Name(MetricDefinitions.Mae)] = RegressionMetrics.MeanOverColumns(predicted, truth, units, RegressionMetrics.Mae, out var mae);
        metrics[Name(MetricDefinitions.Pcc)] = RegressionMetrics.MeanOverColumns(predicted, truth, units, RegressionMetrics.Pearson, out _);
        if (!perUnit)
            return;
        for (var u = 0; u < units; u++)
        {
            metrics[MetricDefinitions.IccForActionUnit(ActionUnits[u]).Name] = icc[u];
            metrics[MetricDefinitions.MaeForActionUnit(ActionUnits[u]).Name] = mae[u];
        }
    }
}
