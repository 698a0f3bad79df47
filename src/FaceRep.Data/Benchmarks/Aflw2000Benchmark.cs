using FaceRep.Core.Metrics;
using FaceRep.Data.Formats;
using FaceRep.Data.ImageSets;

namespace FaceRep.Data.Benchmarks;

/// <summary>
/// 3D face alignment as 3DDFA evaluates it: trained on 300W-LP, tested on AFLW2000-3D. The source holds both
/// as their authors distribute them: <c>AFLW2000/imageNNNNN.jpg</c> with <c>.mat</c> files (<c>pt3d_68</c> 3×68,
/// <c>Pose_Para</c> with pitch, yaw, roll in radians) for the test split, and <c>300W_LP/{AFW,HELEN,IBUG,LFPW}/NAME.jpg</c>
/// with <c>300W_LP/landmarks/SUBSET/NAME_pts.mat</c> (<c>pts_3d</c>, the 68 3D landmarks projected, 68×2) for the
/// training split (the <c>_Flip</c> copies are left out: training mirrors faces itself). Scored on the 3D
/// landmarks' x and y, as 3DDFA scores them. Crop: 3DDFA's, the 68 points' box squared on its longer side and
/// widened to that square's diagonal.
/// </summary>
public sealed class Aflw2000Benchmark : BenchmarkKind
{
    /// <summary>The test folder.</summary>
    public const string TestFolder = "AFLW2000";

    /// <summary>The training folder.</summary>
    public const string TrainFolder = "300W_LP";

    /// <summary>300W-LP's subsets (each a folder of images, and one of landmarks under <c>landmarks</c>).</summary>
    public static IReadOnlyList<string> TrainSubsets { get; } = ["AFW", "HELEN", "IBUG", "LFPW"];

    /// <summary>3DDFA's yaw bins, as subset names.</summary>
    public static IReadOnlyList<string> YawSubsets { get; } = ["yaw0-30", "yaw30-60", "yaw60-90"];

    /// <inheritdoc />
    public override string Name => "aflw2000-3d";

    /// <inheritdoc />
    public override string Task => "landmarks3d";

    /// <inheritdoc />
    public override int Points => 68;

    /// <inheritdoc />
    public override int DefaultSize => 120;

    /// <inheritdoc />
    public override IReadOnlyList<string> TestSubsets => YawSubsets;

    /// <inheritdoc />
    public override string CropRule => "3DDFA: the 68 points' box squared on its longer side, widened to its diagonal";

    /// <summary>3DDFA's region: the points' box squared on its longer side, the side set to that square's diagonal.</summary>
    public static ImageRegion Region(ReadOnlySpan<float> xy, float toContinuous)
    {
        var (l, t, r, b) = CropRules.Box(xy, 2, toContinuous);
        var side = Math.Max(r - l, b - t) * MathF.Sqrt(2);
        var (cx, cy) = ((l + r) / 2, (t + b) / 2);
        return new ImageRegion(cx - (side / 2), cy - (side / 2), side, side);
    }

    /// <inheritdoc />
    public override IReadOnlyList<SourceFace> Read(string source, ICollection<SkippedItem> skipped)
    {
        var missing = new[] { TestFolder, TrainFolder, Path.Combine(TrainFolder, "landmarks") }.Where(f => !Directory.Exists(Path.Combine(source, f))).ToList();
        if (missing.Count > 0)
            throw new BenchmarkSourceException($"{source} is not AFLW2000-3D with 300W-LP: it has no {string.Join(", ", missing)} folder(s) (it needs {TestFolder}/ and {TrainFolder}/ with {TrainFolder}/landmarks/)");
        var faces = new List<SourceFace>();
        foreach (var subset in TrainSubsets)
        {
            var landmarks = Path.Combine(source, TrainFolder, "landmarks", subset);
            if (!Directory.Exists(landmarks))
                continue;
            foreach (var file in Directory.EnumerateFiles(landmarks, "*_pts.mat").Order(StringComparer.Ordinal))
            {
                var relative = Path.GetRelativePath(source, file);
                var name = Path.GetFileName(file)[..^"_pts.mat".Length];
                var image = Path.Combine(source, TrainFolder, subset, name + ".jpg");
                if (!File.Exists(image))
                {
                    skipped.Add(new SkippedItem(relative, $"no image {Path.Combine(TrainFolder, subset, name + ".jpg")}"));
                    continue;
                }

                float[] xy;
                try
                {
                    xy = MatFile.ReadPoints(file, "pts_3d", 68);
                }
                catch (DataFormatException e)
                {
                    skipped.Add(new SkippedItem(relative, e.Reason));
                    continue;
                }

                faces.Add(new SourceFace { Source = relative, ImagePath = image, Split = BenchmarkSplits.Train, Points = xy, ToContinuous = -0.5f, Region = Region(xy, -0.5f) });
            }
        }

        if (faces.Count == 0)
            throw new BenchmarkSourceException($"{Path.Combine(source, TrainFolder, "landmarks")} holds no NAME_pts.mat under {string.Join(", ", TrainSubsets)}");

        var tests = Directory.EnumerateFiles(Path.Combine(source, TestFolder), "*.mat").Order(StringComparer.Ordinal).ToList();
        if (tests.Count == 0)
            throw new BenchmarkSourceException($"{Path.Combine(source, TestFolder)} holds no .mat file; AFLW2000-3D keeps each image's pt3d_68 and Pose_Para beside it");
        foreach (var file in tests)
        {
            var relative = Path.GetRelativePath(source, file);
            var image = Path.ChangeExtension(file, ".jpg");
            if (!File.Exists(image))
            {
                skipped.Add(new SkippedItem(relative, "no image beside it"));
                continue;
            }

            Aflw2000Annotation annotation;
            try
            {
                annotation = Aflw2000Reader.Read(file);
            }
            catch (DataFormatException e)
            {
                skipped.Add(new SkippedItem(relative, e.Reason));
                continue;
            }

            var xy = new float[2 * Points];
            for (var p = 0; p < Points; p++)
                (xy[2 * p], xy[(2 * p) + 1]) = (annotation.Points[3 * p], annotation.Points[(3 * p) + 1]);
            var degrees = (float)(180 / Math.PI);
            var yaw = (float)annotation.Yaw * degrees;
            faces.Add(new SourceFace
            {
                Source = relative,
                ImagePath = image,
                Split = BenchmarkSplits.Test,
                Subsets = [YawSubsets[BenchmarkLandmarkMetrics.YawBin(yaw)]],
                Points = xy,
                ToContinuous = -0.5f,
                Region = Region(xy, -0.5f),
                Pose = [yaw, (float)annotation.Pitch * degrees, (float)annotation.Roll * degrees],
            });
        }

        return faces;
    }

    /// <summary>
    /// 3DDFA's figures: per face the 2D NME over √(w·h) of the 68 points' box; <c>nme2d_box@yawA-B</c> the mean
    /// within each yaw bin, and <c>nme2d_box</c> the mean of the bins' means (3DDFA's headline), of the bins
    /// that hold faces.
    /// </summary>
    public override IReadOnlyDictionary<string, double> Metrics(IReadOnlyList<BenchmarkItem> items, ReadOnlySpan<float> predictions)
    {
        var nme = BenchmarkScoring.PerFaceNme(items, predictions, Points, new LandmarkNormaliser.TightBox());
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        var means = new List<double>();
        for (var b = 0; b < YawSubsets.Count; b++)
        {
            var inBin = nme.Where((_, i) => items[i].Subsets.Contains(YawSubsets[b])).ToList();
            if (inBin.Count == 0)
                continue;
            means.Add(inBin.Average());
            metrics[MetricDefinitions.OnSubset(MetricDefinitions.Nme2DBox.Name, YawSubsets[b])] = means[^1];
        }

        // Faces without a yaw (none in AFLW2000-3D) count over all faces.
        metrics[MetricDefinitions.Nme2DBox.Name] = means.Count > 0 ? means.Average() : nme.Average();
        return metrics;
    }
}
