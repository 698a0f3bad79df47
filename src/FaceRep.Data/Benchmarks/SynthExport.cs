using System.Globalization;
using System.Text;
using FaceRep.Data.Formats;

namespace FaceRep.Data.Benchmarks;

/// <summary>What an export wrote.</summary>
/// <param name="Format">The benchmark layout.</param>
/// <param name="Directory">Where.</param>
/// <param name="Files">Files written.</param>
/// <param name="Faces">Faces per split.</param>
public sealed record SynthExportSummary(string Format, string Directory, int Files, IReadOnlyDictionary<string, int> Faces);

/// <summary>
/// Writes SynthFace task splits as a benchmark's authors distribute it (images and annotation files in
/// their layout), so every benchmark import and evaluation runs end to end with no download. Each face is
/// rendered at the export's resolution and placed at a seeded offset in a larger canvas of noise, so the
/// importer's crop rule has to find it. The splits are the SynthFace task's, so an exported benchmark holds
/// the faces a direct SynthFace evaluation of the same sizes and seed uses.
/// </summary>
public static class SynthExport
{
    /// <summary>The layouts SynthFace can be exported in.</summary>
    public static IReadOnlyList<string> Formats { get; } = ["300w", "wflw", "aflw2000-3d", "affectnet", "disfa", "lfw", "ijbb"];

    /// <summary>Whether <paramref name="format"/> is cross-validated (DISFA): its export has no test split, only subjects in folds.</summary>
    public static bool HasFolds(string format) => BenchmarkKinds.Find(format) is { Folds.Count: > 0 };

    /// <summary>
    /// The test faces of an export of <paramref name="count"/> faces in <paramref name="format"/>'s own proportion: 300W 689 of
    /// 3,837, WFLW 2,500 of 10,000, AFLW2000-3D 2,000 beside 300W-LP's 61,225, AffectNet's validation set 4,000 of about 291,650 kept faces.
    /// </summary>
    public static int DefaultTestCount(string format, int count) => HasFolds(format) ? 0 :
        (int)Math.Round(count * format switch { "lfw" or "ijbb" => 0.5, "wflw" => 0.25, "aflw2000-3d" => 2000.0 / 63225, "affectnet" => 4000.0 / 291650, _ => 689.0 / 3837 });

    /// <summary>Canvas size relative to the face's render.</summary>
    public const double CanvasScale = 1.5;

    /// <summary>Exports <paramref name="train"/> training and <paramref name="test"/> test faces in <paramref name="format"/>'s layout.</summary>
    /// <exception cref="ArgumentException">Unknown format or sizes.</exception>
    /// <exception cref="IOException">The directory exists and is not empty.</exception>
    public static SynthExportSummary Export(string format, string directory, int train, int test, int resolution, int seed)
    {
        if (!Formats.Contains(format))
            throw new ArgumentException($"SynthFace cannot be exported as '{format}'; it can be as {string.Join(", ", Formats)}", nameof(format));
        directory = Path.GetFullPath(directory);
        if (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any())
            throw new IOException($"{directory} already exists and is not empty; export into a new directory");
        return format switch
        {
            "wflw" => ExportWflw(directory, train, test, resolution, seed),
            "aflw2000-3d" => ExportAflw2000(directory, train, test, resolution, seed),
            "affectnet" => ExportAffectNet(directory, train, test, resolution, seed),
            "disfa" => ExportDisfa(directory, train + test, resolution, seed),
            "lfw" => ExportLfw(directory, train, test, resolution, seed),
            "ijbb" => ExportIjbb(directory, train, test, resolution, seed),
            _ => Export300W(directory, train, test, resolution, seed),
        };
    }

    private static SynthExportSummary Export300W(string directory, int train, int test, int resolution, int seed)
    {
        var splits = SynthFaceCatalog.OpenTask("landmarks", train, 1, test, resolution, seed);
        // Train over 300W's training folders in their proportions (337 : 2,000 : 811); the test faces with the
        // widest poses go to ibug (its 135 of 689), the rest to HELEN's and LFPW's test sets (330 : 224).
        var trainFolders = Spread(splits.Train.Count, [("afw", 337), ("helen/trainset", 2000), ("lfpw/trainset", 811)]);
        var testSamples = Enumerable.Range(0, splits.Test.Count).Select(i => (Index: i, Sample: splits.Test.Get(i))).ToList();
        var challenging = (int)Math.Round(testSamples.Count * 135.0 / 689);
        var hardest = testSamples.OrderByDescending(s => Math.Abs(s.Sample.Yaw) + Math.Abs(s.Sample.Roll)).Take(challenging).Select(s => s.Index).ToHashSet();
        var common = Spread(testSamples.Count - hardest.Count, [("helen/testset", 330), ("lfpw/testset", 224)]);

        var files = 0;
        var rng = new Random(seed);
        for (var i = 0; i < splits.Train.Count; i++)
            files += Write300W(directory, trainFolders[i], $"train_{i:D5}", splits.Train.Get(i), rng);
        var k = 0;
        foreach (var (index, sample) in testSamples)
            files += Write300W(directory, hardest.Contains(index) ? "ibug" : common[k++], $"test_{index:D5}", sample, rng);
        return new SynthExportSummary("300w", directory, files, new Dictionary<string, int>
        {
            [BenchmarkSplits.Train] = splits.Train.Count,
            [BenchmarkSplits.Test] = splits.Test.Count,
        });
    }

    /// <summary>
    /// WFLW's layout: the 98 points made from SynthFace's 68 (<see cref="Landmarks.LandmarkSchemes.Wflw98From68"/>), the box the
    /// points' box widened by a tenth each side, the pose flag for |yaw| &gt; 30° or |roll| &gt; 20° and the expression flag
    /// for an action unit at intensity 3 or more (the other four attributes are never set: SynthFace has no such flags).
    /// </summary>
    private static SynthExportSummary ExportWflw(string directory, int train, int test, int resolution, int seed)
    {
        var splits = SynthFaceCatalog.OpenTask("landmarks", train, 1, test, resolution, seed);
        var annotations = Path.Combine(directory, Wflw.Annotations);
        Directory.CreateDirectory(annotations);
        var rng = new Random(seed);
        var files = 0;
        foreach (var (split, faces) in new[] { (BenchmarkSplits.Train, splits.Train), (BenchmarkSplits.Test, splits.Test) })
        {
            var list = new StringBuilder();
            for (var i = 0; i < faces.Count; i++)
            {
                var sample = faces.Get(i);
                var (jpeg, dx, dy) = Place(sample, rng);
                var relative = $"{split}/{split}_{i:D5}.jpg";
                var path = Path.Combine(directory, Wflw.Images, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllBytes(path, jpeg);
                files++;
                // WFLW's values are 0-based pixel centres: a continuous coordinate less half a pixel.
                var points = Landmarks.LandmarkSchemes.Wflw98From68(sample.Landmarks);
                for (var k = 0; k < points.Length; k++)
                    points[k] += (k % 2 == 0 ? dx : dy) - 0.5f;
                var (l, t, r, b) = CropRules.Box(points, 2, 0f);
                var (mx, my) = ((r - l) / 10, (b - t) / 10);
                var pose = Math.Abs(sample.Yaw) > 30 || Math.Abs(sample.Roll) > 20;
                var expression = sample.ActionUnits.Any(a => a >= 3);
                foreach (var v in points)
                    list.Append(CultureInfo.InvariantCulture, $"{v:0.###} ");
                list.Append(CultureInfo.InvariantCulture, $"{l - mx:0.#} {t - my:0.#} {r + mx:0.#} {b + my:0.#} {(pose ? 1 : 0)} {(expression ? 1 : 0)} 0 0 0 0 {relative}\n");
            }

            File.WriteAllText(Path.Combine(annotations, Wflw.ListFile(split)), list.ToString());
            files++;
        }

        return new SynthExportSummary("wflw", directory, files, new Dictionary<string, int>
        {
            [BenchmarkSplits.Train] = splits.Train.Count,
            [BenchmarkSplits.Test] = splits.Test.Count,
        });
    }

    /// <summary>
    /// SynthFace's 3D alignment task as AFLW2000-3D (test: <c>AFLW2000/imageNNNNN.jpg</c> and <c>.mat</c> with
    /// <c>pt3d_68</c> and <c>Pose_Para</c>) with 300W-LP (training: <c>300W_LP/SUBSET/NAME.jpg</c>, its <c>.mat</c> with
    /// <c>Pose_Para</c>, and <c>300W_LP/landmarks/SUBSET/NAME_pts.mat</c> with <c>pts_3d</c>), written as MATLAB level-5
    /// files. Coordinates are MATLAB's 1-based pixel centres; angles radians.
    /// </summary>
    private static SynthExportSummary ExportAflw2000(string directory, int train, int test, int resolution, int seed)
    {
        var splits = SynthFaceCatalog.OpenTask("landmarks3d", train, 1, test, resolution, seed);
        var rng = new Random(seed);
        var files = 0;
        static MatV5Writer.Variable Pose(FaceSample s)
        {
            var radians = Math.PI / 180;
            return MatV5Writer.Matrix("Pose_Para", new double[,] { { s.Pitch * radians, s.Yaw * radians, s.Roll * radians, 0, 0, 0, 1 } });
        }

        var folders = Spread(splits.Train.Count, [("AFW", 5207), ("HELEN", 37676), ("IBUG", 1786), ("LFPW", 16556)]);
        for (var i = 0; i < splits.Train.Count; i++)
        {
            var sample = splits.Train.Get(i);
            var (jpeg, dx, dy) = Place(sample, rng);
            var name = $"{folders[i]}_{i:D5}";
            Directory.CreateDirectory(Path.Combine(directory, Aflw2000Benchmark.TrainFolder, folders[i]));
            Directory.CreateDirectory(Path.Combine(directory, Aflw2000Benchmark.TrainFolder, "landmarks", folders[i]));
            File.WriteAllBytes(Path.Combine(directory, Aflw2000Benchmark.TrainFolder, folders[i], name + ".jpg"), jpeg);
            File.WriteAllBytes(Path.Combine(directory, Aflw2000Benchmark.TrainFolder, folders[i], name + ".mat"), MatV5Writer.Write([Pose(sample)]));
            var pts = new double[68, 2];
            for (var p = 0; p < 68; p++)
                (pts[p, 0], pts[p, 1]) = (sample.Landmarks3D[3 * p] + dx + 0.5, sample.Landmarks3D[(3 * p) + 1] + dy + 0.5);
            File.WriteAllBytes(Path.Combine(directory, Aflw2000Benchmark.TrainFolder, "landmarks", folders[i], name + "_pts.mat"),
                MatV5Writer.Write([MatV5Writer.Matrix("pts_2d", pts), MatV5Writer.Matrix("pts_3d", pts)]));
            files += 3;
        }

        Directory.CreateDirectory(Path.Combine(directory, Aflw2000Benchmark.TestFolder));
        for (var i = 0; i < splits.Test.Count; i++)
        {
            var sample = splits.Test.Get(i);
            var (jpeg, dx, dy) = Place(sample, rng);
            var name = $"image{i:D5}";
            File.WriteAllBytes(Path.Combine(directory, Aflw2000Benchmark.TestFolder, name + ".jpg"), jpeg);
            var pt3d = new double[3, 68];
            for (var p = 0; p < 68; p++)
                (pt3d[0, p], pt3d[1, p], pt3d[2, p]) = (sample.Landmarks3D[3 * p] + dx + 0.5, sample.Landmarks3D[(3 * p) + 1] + dy + 0.5, sample.Landmarks3D[(3 * p) + 2]);
            File.WriteAllBytes(Path.Combine(directory, Aflw2000Benchmark.TestFolder, name + ".mat"), MatV5Writer.Write([MatV5Writer.Matrix("pt3d_68", pt3d), Pose(sample)]));
            files += 2;
        }

        return new SynthExportSummary("aflw2000-3d", directory, files, new Dictionary<string, int>
        {
            [BenchmarkSplits.Train] = splits.Train.Count,
            [BenchmarkSplits.Test] = splits.Test.Count,
        });
    }

    /// <summary>
    /// SynthFace's emotion task as AffectNet: <c>Manually_Annotated_file_lists/{training,validation}.csv</c> (the face's
    /// box in its canvas, its 68 landmarks, expression 0–7, valence, arousal) and the images under
    /// <c>Manually_Annotated_Images/N/</c>.
    /// </summary>
    private static SynthExportSummary ExportAffectNet(string directory, int train, int test, int resolution, int seed)
    {
        var splits = SynthFaceCatalog.OpenTask("emotion", train, 1, test, resolution, seed);
        Directory.CreateDirectory(Path.Combine(directory, AffectNet.Lists));
        var rng = new Random(seed);
        var files = 0;
        foreach (var (split, file) in AffectNet.ListFiles)
        {
            var faces = split == BenchmarkSplits.Train ? splits.Train : splits.Test;
            var csv = new StringBuilder("subDirectory_filePath,face_x,face_y,face_width,face_height,facial_landmarks,expression,valence,arousal\n");
            for (var i = 0; i < faces.Count; i++)
            {
                var sample = faces.Get(i);
                var (jpeg, dx, dy) = Place(sample, rng);
                var relative = $"{i % 10}/{split}_{i:D5}.jpg";
                var path = Path.Combine(directory, AffectNet.Images, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllBytes(path, jpeg);
                files++;
                var landmarks = string.Join(';', sample.Landmarks.Select((v, k) => (v + (k % 2 == 0 ? dx : dy)).ToString("0.##", CultureInfo.InvariantCulture)));
                csv.Append(CultureInfo.InvariantCulture, $"{relative},{dx},{dy},{sample.Resolution},{sample.Resolution},{landmarks},{sample.Emotion},{sample.Valence:0.######},{sample.Arousal:0.######}\n");
            }

            File.WriteAllText(Path.Combine(directory, AffectNet.Lists, file), csv.ToString());
            files++;
        }

        return new SynthExportSummary("affectnet", directory, files, new Dictionary<string, int>
        {
            [BenchmarkSplits.Train] = splits.Train.Count,
            [BenchmarkSplits.Test] = splits.Test.Count,
        });
    }

    /// <summary>
    /// SynthFace's action-unit task as DISFA: its 27 subjects (each a run of the task's faces, grouped by identity) with
    /// <c>ActionUnit_Labels/SNxxx/SNxxx_auN.txt</c> (the twelve AUs' intensities rounded to DISFA's 0–5 steps), the 66 AAM points
    /// (the 68 less the inner mouth corners, 0-based pixel centres) as <c>Landmark_Points/SNxxx/tmp_frame_lm/SNxxx_NNNN_lm.mat</c>,
    /// and the frames as <c>Frames/SNxxx/NNNNN.jpg</c>. <paramref name="count"/> is rounded down to a multiple of 27 (at least 27).
    /// </summary>
    private static SynthExportSummary ExportDisfa(string directory, int count, int resolution, int seed)
    {
        var subjects = Disfa.Parts.SelectMany(p => p.Subjects).Order(StringComparer.Ordinal).ToList();
        var perSubject = Math.Max(1, count / subjects.Count);
        var faces = SynthFaceCatalog.OpenTask("au", perSubject * subjects.Count, 1, 1, resolution, seed).Train;
        var order = Enumerable.Range(0, faces.Count).Select(i => (Index: i, faces.Get(i).Identity)).OrderBy(x => x.Identity).ThenBy(x => x.Index).Select(x => x.Index).ToArray();
        var units = Disfa.ActionUnits.Select(SynthFaceLabels.IndexOf).ToArray();
        var mouthCorners = new[] { 60, 64 };
        var rng = new Random(seed);
        var files = 0;
        for (var s = 0; s < subjects.Count; s++)
        {
            var subject = subjects[s];
            var labels = Path.Combine(directory, Disfa.LabelsFolder, subject);
            var landmarks = Path.Combine(directory, Disfa.LandmarksFolder, subject, "tmp_frame_lm");
            Directory.CreateDirectory(labels);
            Directory.CreateDirectory(landmarks);
            Directory.CreateDirectory(Path.Combine(directory, Disfa.FramesFolder, subject));
            var series = units.Select(_ => new StringBuilder()).ToArray();
            for (var f = 1; f <= perSubject; f++)
            {
                var sample = faces.Get(order[(s * perSubject) + f - 1]);
                var (jpeg, dx, dy) = Place(sample, rng);
                File.WriteAllBytes(Path.Combine(directory, Disfa.FramePath(subject, f)), jpeg);
                var pts = new double[Disfa.LandmarkCount, 2];
                var p = 0;
                for (var k = 0; k < 68; k++)
                {
                    if (mouthCorners.Contains(k))
                        continue;
                    (pts[p, 0], pts[p, 1]) = (sample.Landmarks[2 * k] + dx - 0.5, sample.Landmarks[(2 * k) + 1] + dy - 0.5);
                    p++;
                }

                File.WriteAllBytes(Path.Combine(landmarks, $"{subject}_{f - 1:D4}_lm.mat"), MatV5Writer.Write([MatV5Writer.Matrix("pts", pts)]));
                for (var u = 0; u < units.Length; u++)
                    series[u].Append(CultureInfo.InvariantCulture, $"{f},{Math.Clamp((int)MathF.Round(sample.ActionUnits[units[u]]), 0, 5)}\n");
                files += 2;
            }

            for (var u = 0; u < units.Length; u++)
                File.WriteAllText(Path.Combine(labels, $"{subject}_au{Disfa.ActionUnits[u]}.txt"), series[u].ToString());
            files += units.Length;
        }

        return new SynthExportSummary("disfa", directory, files, new Dictionary<string, int>
        {
            [BenchmarkSplits.Train] = perSubject * subjects.Count,
            [BenchmarkSplits.Test] = 0,
        });
    }

    /// <summary>
    /// SynthFace's recognition task as LFW: every face under <c>lfw/Person_NNNNN/Person_NNNNN_NNNN.jpg</c>, centred in a canvas
    /// its crop rule keeps exactly (the face is 0.6 of the canvas), and <c>pairs.txt</c> of ten folds drawn from the test
    /// identities' faces (each fold as many same-person pairs as different-person ones; at least one of each). The
    /// training people are named in no pair, as LFW's training split is read.
    /// </summary>
    private static SynthExportSummary ExportLfw(string directory, int train, int test, int resolution, int seed)
    {
        var splits = SynthFaceCatalog.OpenTask("recognition", train, 1, test, resolution, seed);
        var root = Path.Combine(directory, Lfw.ImageFolders[0]);
        var rng = new Random(seed);
        var files = 0;
        var people = new Dictionary<int, List<int>>();
        foreach (var (faces, offset) in new[] { (splits.Train, 0), (splits.Test, 1_000_000) })
        {
            for (var i = 0; i < faces.Count; i++)
            {
                var sample = faces.Get(i);
                var person = sample.Identity + offset;
                if (!people.TryGetValue(person, out var images))
                    people[person] = images = [];
                images.Add(images.Count + 1);
                var name = LfwName(person);
                Directory.CreateDirectory(Path.Combine(root, name));
                File.WriteAllBytes(Path.Combine(root, VerificationPairsReader.ImagePath(name, images.Count)), PlaceCentred(sample, Lfw.CropShare, rng));
                files++;
            }
        }

        var tested = people.Keys.Where(p => p >= 1_000_000).Order().ToList();
        var repeated = tested.Where(p => people[p].Count >= 2).ToList();
        if (repeated.Count == 0 || tested.Count < 2)
            throw new ArgumentException($"{test} test faces give no person two images or fewer than two people; LFW's pairs need both", nameof(test));
        var perFold = Math.Max(1, test / 20);
        var pairs = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"10\t{perFold}\n"));
        for (var fold = 0; fold < 10; fold++)
        {
            for (var k = 0; k < perFold; k++)
            {
                var person = repeated[rng.Next(repeated.Count)];
                var n = people[person].Count;
                var a = rng.Next(1, n + 1);
                var b = 1 + ((a - 1 + rng.Next(1, n)) % n);
                pairs.Append(CultureInfo.InvariantCulture, $"{LfwName(person)}\t{Math.Min(a, b)}\t{Math.Max(a, b)}\n");
            }

            for (var k = 0; k < perFold; k++)
            {
                var first = rng.Next(tested.Count);
                var second = (first + rng.Next(1, tested.Count)) % tested.Count;
                var (p, q) = (tested[first], tested[second]);
                pairs.Append(CultureInfo.InvariantCulture, $"{LfwName(p)}\t{rng.Next(1, people[p].Count + 1)}\t{LfwName(q)}\t{rng.Next(1, people[q].Count + 1)}\n");
            }
        }

        File.WriteAllText(Path.Combine(directory, Lfw.PairsFile), pairs.ToString());
        return new SynthExportSummary("lfw", directory, files + 1, new Dictionary<string, int>
        {
            [BenchmarkSplits.Train] = splits.Train.Count,
            [BenchmarkSplits.Test] = splits.Test.Count,
        });
    }

    /// <summary>
    /// SynthFace's recognition task as IJB-B with training people beside it: the test identities' faces as <c>IJBB/loose_crop/N.jpg</c>
    /// (placed in noise canvases) with their five points (eye centres, nose tip, mouth corners; 0-based pixel centres) and a detector
    /// score, each identity's faces dealt into two templates of media of up to two faces, and every pair of templates listed (one
    /// person when they share an identity); the training identities under <c>train/Person_NNNNN/</c> with their five points.
    /// </summary>
    private static SynthExportSummary ExportIjbb(string directory, int train, int test, int resolution, int seed)
    {
        var splits = SynthFaceCatalog.OpenTask("recognition", train, 1, test, resolution, seed);
        var rng = new Random(seed);
        var files = 0;
        static string FivePoints(FaceSample sample, int dx, int dy)
        {
            var l = sample.Landmarks;
            (double X, double Y) Mean(int first) => (Enumerable.Range(first, 6).Average(i => l[2 * i]), Enumerable.Range(first, 6).Average(i => l[(2 * i) + 1]));
            var points = new[] { Mean(36), Mean(42), (l[60], l[61]), (l[96], l[97]), (l[108], l[109]) };
            return string.Join(' ', points.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Item1 + dx - 0.5:0.###} {p.Item2 + dy - 0.5:0.###}")));
        }

        var trainPoints = new StringBuilder();
        var counts = new Dictionary<int, int>();
        for (var i = 0; i < splits.Train.Count; i++)
        {
            var sample = splits.Train.Get(i);
            var name = LfwName(sample.Identity);
            counts[sample.Identity] = counts.GetValueOrDefault(sample.Identity) + 1;
            var relative = string.Create(CultureInfo.InvariantCulture, $"{name}/{counts[sample.Identity]:D4}.jpg");
            var (jpeg, dx, dy) = Place(sample, rng);
            Directory.CreateDirectory(Path.Combine(directory, Ijbb.TrainFolder, name));
            File.WriteAllBytes(Path.Combine(directory, Ijbb.TrainFolder, relative), jpeg);
            trainPoints.Append(CultureInfo.InvariantCulture, $"{relative} {FivePoints(sample, dx, dy)}\n");
            files++;
        }

        File.WriteAllText(Path.Combine(directory, Ijbb.TrainPointsFile), trainPoints.ToString());
        var root = Path.Combine(directory, "IJBB");
        Directory.CreateDirectory(Path.Combine(root, Ijbb.ImagesFolder));
        Directory.CreateDirectory(Path.Combine(root, "meta"));
        var (faceList, points) = (new StringBuilder(), new StringBuilder());
        var templates = new List<(int Template, int Identity)>();
        var byIdentity = Enumerable.Range(0, splits.Test.Count).Select(i => splits.Test.Get(i)).Select((s, i) => (Sample: s, Index: i)).GroupBy(x => x.Sample.Identity).OrderBy(g => g.Key);
        foreach (var person in byIdentity)
        {
            var faces = person.ToList();
            var first = templates.Count;
            templates.Add((first, person.Key));
            if (faces.Count > 1)
                templates.Add((first + 1, person.Key));
            for (var k = 0; k < faces.Count; k++)
            {
                var template = faces.Count > 1 ? first + (k % 2) : first;
                var media = (10 * template) + (k / 4);
                var image = string.Create(CultureInfo.InvariantCulture, $"{faces[k].Index + 1}.jpg");
                var (jpeg, dx, dy) = Place(faces[k].Sample, rng);
                File.WriteAllBytes(Path.Combine(root, Ijbb.ImagesFolder, image), jpeg);
                files++;
                faceList.Append(CultureInfo.InvariantCulture, $"{image} {template} {media}\n");
                points.Append(CultureInfo.InvariantCulture, $"{image} {FivePoints(faces[k].Sample, dx, dy)} {0.6 + (0.4 * rng.NextDouble()):0.####}\n");
            }
        }

        var pairs = new StringBuilder();
        for (var a = 0; a < templates.Count; a++)
        {
            for (var b = a + 1; b < templates.Count; b++)
                pairs.Append(CultureInfo.InvariantCulture, $"{templates[a].Template} {templates[b].Template} {(templates[a].Identity == templates[b].Identity ? 1 : 0)}\n");
        }

        File.WriteAllText(Path.Combine(root, Ijbb.FacesFile), faceList.ToString());
        File.WriteAllText(Path.Combine(root, Ijbb.PointsFile), points.ToString());
        File.WriteAllText(Path.Combine(root, Ijbb.PairsFile), pairs.ToString());
        return new SynthExportSummary("ijbb", directory, files + 4, new Dictionary<string, int>
        {
            [BenchmarkSplits.Train] = splits.Train.Count,
            [BenchmarkSplits.Test] = splits.Test.Count,
        });
    }

    private static string LfwName(int person) => string.Create(CultureInfo.InvariantCulture, $"Person_{person % 1_000_000:D5}{(person >= 1_000_000 ? "_T" : "")}");

    /// <summary>The face centred on a canvas of seeded noise in which it is <paramref name="share"/> of the side; as a JPEG.</summary>
    private static byte[] PlaceCentred(FaceSample sample, float share, Random rng)
    {
        var r = sample.Resolution;
        var side = (int)Math.Round(r / share);
        return Place(sample, rng, side, (side - r) / 2, (side - r) / 2).Jpeg;
    }

    /// <summary>Assigns <paramref name="count"/> items to folders in the given proportions, in order.</summary>
    private static string[] Spread(int count, (string Folder, int Weight)[] folders)
    {
        var total = folders.Sum(f => f.Weight);
        var result = new string[count];
        var start = 0;
        double cumulative = 0;
        for (var f = 0; f < folders.Length; f++)
        {
            cumulative += folders[f].Weight;
            var end = f == folders.Length - 1 ? count : (int)Math.Round(count * cumulative / total);
            for (var i = start; i < end; i++)
                result[i] = folders[f].Folder;
            start = end;
        }

        return result;
    }

    private static int Write300W(string directory, string folder, string stem, FaceSample sample, Random rng)
    {
        var path = Path.Combine(directory, folder);
        Directory.CreateDirectory(path);
        var (jpeg, dx, dy) = Place(sample, rng);
        File.WriteAllBytes(Path.Combine(path, stem + ".jpg"), jpeg);
        // .pts holds 1-based pixel centres: pixel i (spanning [i, i + 1)) has its centre at i + 1.
        var text = new StringBuilder("version: 1\nn_points:  68\n{\n");
        for (var p = 0; p < 68; p++)
            text.Append(CultureInfo.InvariantCulture, $"{sample.Landmarks[2 * p] + dx + 0.5f:0.###} {sample.Landmarks[(2 * p) + 1] + dy + 0.5f:0.###}\n");
        text.Append("}\n");
        File.WriteAllText(Path.Combine(path, stem + ".pts"), text.ToString());
        return 2;
    }

    /// <summary>The face on a canvas of seeded noise, <see cref="CanvasScale"/> times its size, at a seeded offset; as a JPEG.</summary>
    private static (byte[] Jpeg, int Dx, int Dy) Place(FaceSample sample, Random rng)
    {
        var r = sample.Resolution;
        var side = (int)Math.Round(r * CanvasScale);
        return Place(sample, rng, side, rng.Next(0, side - r + 1), rng.Next(0, side - r + 1));
    }

    /// <summary>The face at (<paramref name="dx"/>, <paramref name="dy"/>) on a square canvas of seeded noise; as a JPEG.</summary>
    private static (byte[] Jpeg, int Dx, int Dy) Place(FaceSample sample, Random rng, int side, int dx, int dy)
    {
        var r = sample.Resolution;
        var (width, height) = (side, side);
        var pixels = new byte[width * height * 4];
        var (br, bg, bb) = (rng.Next(40, 200), rng.Next(40, 200), rng.Next(40, 200));
        for (var i = 0; i < width * height; i++)
        {
            var noise = rng.Next(-25, 26);
            pixels[(4 * i) + 0] = (byte)Math.Clamp(br + noise, 0, 255);
            pixels[(4 * i) + 1] = (byte)Math.Clamp(bg + noise, 0, 255);
            pixels[(4 * i) + 2] = (byte)Math.Clamp(bb + noise, 0, 255);
            pixels[(4 * i) + 3] = 255;
        }

        var plane = r * r;
        for (var y = 0; y < r; y++)
        {
            for (var x = 0; x < r; x++)
            {
                var o = 4 * (((y + dy) * width) + x + dx);
                for (var c = 0; c < 3; c++)
                    pixels[o + c] = (byte)Math.Clamp((int)MathF.Round(sample.Pixels[(c * plane) + (y * r) + x] * 255f), 0, 255);
            }
        }

        return (ImageDecoder.EncodeJpeg(pixels, width, height, 95, "a SynthFace canvas"), dx, dy);
    }
}
