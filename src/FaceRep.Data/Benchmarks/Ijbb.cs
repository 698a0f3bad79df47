using System.Globalization;
using FaceRep.Core.Metrics;
using FaceRep.Data.Formats;
using FaceRep.Data.ImageSets;

namespace FaceRep.Data.Benchmarks;

/// <summary>
/// IJB-B's 1:1 template verification as insightface's IJB evaluation reads it, under <c>IJBB/</c> (or the source itself):
/// <c>meta/ijbb_face_tid_mid.txt</c> (image, template, media), <c>meta/ijbb_template_pair_label.txt</c> (template,
/// template, 1 for one person), <c>meta/ijbb_name_5pts_score.txt</c> (image, five points, detector score) and the images
/// under <c>loose_crop/</c>. Each face is aligned on its five points to ArcFace's 112 × 112 template. IJB-B's protocol
/// files name no subject outside its pairs, so the head's training split comes from beside it: <c>train/&lt;Name&gt;/*.jpg</c>,
/// people who are not IJB-B's subjects (aligned faces, used whole; or aligned on their five points when
/// <c>train/five_points.txt</c> gives them as <c>Name/image.jpg x1 y1 … x5 y5</c>).
/// A test face's <see cref="BenchmarkItem.Values"/> are its template, its media, its detector score and, on the first face
/// of a template, each pair that template begins: the other template + 1, negated for a pair of two people.
/// </summary>
public sealed class Ijbb : BenchmarkKind
{
    /// <summary>The face list, the pair list and the five points, relative to the IJB-B folder.</summary>
    public const string FacesFile = "meta/ijbb_face_tid_mid.txt";

    /// <summary>The template pairs.</summary>
    public const string PairsFile = "meta/ijbb_template_pair_label.txt";

    /// <summary>The five points and detector scores.</summary>
    public const string PointsFile = "meta/ijbb_name_5pts_score.txt";

    /// <summary>The image folder.</summary>
    public const string ImagesFolder = "loose_crop";

    /// <summary>The training people's folder, relative to the source.</summary>
    public const string TrainFolder = "train";

    /// <summary>The training faces' optional five points, relative to the source.</summary>
    public const string TrainPointsFile = "train/five_points.txt";

    /// <summary>The false accept rates TAR is read at.</summary>
    public static IReadOnlyList<(double Far, MetricDefinition Metric)> Fars { get; } =
    [
        (1e-5, MetricDefinitions.TarAtFar1e5), (1e-4, MetricDefinitions.TarAtFar1e4), (1e-3, MetricDefinitions.TarAtFar1e3),
        (1e-2, MetricDefinitions.TarAtFar1e2), (1e-1, MetricDefinitions.TarAtFar1e1),
    ];

    /// <inheritdoc />
    public override string Name => "ijbb";

    /// <inheritdoc />
    public override string Task => "recognition";

    /// <inheritdoc />
    public override int DefaultSize => 112;

    /// <inheritdoc />
    public override string CropRule => "insightface: the five points aligned to ArcFace's 112 × 112 template by a least-squares similarity";

    /// <summary>The folder holding <c>meta/</c> and <c>loose_crop/</c>.</summary>
    public static string Root(string source) => Directory.Exists(Path.Combine(source, "IJBB")) ? Path.Combine(source, "IJBB") : source;

    /// <inheritdoc />
    public override IReadOnlyList<SourceFace> Read(string source, ICollection<SkippedItem> skipped)
    {
        var root = Root(source);
        var missing = new[] { FacesFile, PairsFile, PointsFile }.Where(f => !File.Exists(Path.Combine(root, f)))
            .Concat(new[] { ImagesFolder }.Where(f => !Directory.Exists(Path.Combine(root, f))).Select(f => f + "/")).ToList();
        if (missing.Count > 0)
            throw new BenchmarkSourceException($"{source} is not IJB-B's layout: {string.Join(", ", missing)} {(missing.Count == 1 ? "is" : "are")} missing");
        if (!Directory.Exists(Path.Combine(source, TrainFolder)))
            throw new BenchmarkSourceException(
                $"{source} has no {TrainFolder}/ folder: IJB-B's protocol names no subject outside its pairs, so the training people come from beside it " +
                $"({TrainFolder}/<Name>/*.jpg, people who are not IJB-B's subjects)");
        var prefix = Path.GetRelativePath(source, root) is "." ? "" : Path.GetRelativePath(source, root) + "/";
        var faces = new List<SourceFace>();
        ReadTraining(source, faces, skipped);

        var points = new Dictionary<string, (float[] Points, float Score)>(StringComparer.Ordinal);
        foreach (var (line, fields) in Lines(root, PointsFile, 12))
            points[fields[0]] = ([.. fields.Skip(1).Take(10).Select(v => Number(v, root, PointsFile, line))], Number(fields[11], root, PointsFile, line));
        var templateFaces = new List<(string Image, int Template, int Media, int Line)>();
        foreach (var (line, fields) in Lines(root, FacesFile, 3))
            templateFaces.Add((fields[0], Integer(fields[1], root, FacesFile, line), Integer(fields[2], root, FacesFile, line), line));
        var pairs = new Dictionary<int, List<int>>();
        foreach (var (line, fields) in Lines(root, PairsFile, 3))
        {
            var (first, second, label) = (Integer(fields[0], root, PairsFile, line), Integer(fields[1], root, PairsFile, line), Integer(fields[2], root, PairsFile, line));
            if (label is not (0 or 1))
                throw new BenchmarkSourceException($"{Path.Combine(root, PairsFile)}:{line}: label '{fields[2]}' must be 1 (one person) or 0 (two)");
            if (!pairs.TryGetValue(first, out var partners))
                pairs[first] = partners = [];
            partners.Add(label == 1 ? second + 1 : -(second + 1));
        }

        var kept = new HashSet<int>();
        var carried = new HashSet<int>();
        var images = Path.Combine(root, ImagesFolder);
        foreach (var (image, template, media, line) in templateFaces)
        {
            var item = $"{prefix}{FacesFile}:{line} ({image})";
            var path = Path.Combine(images, image);
            if (!File.Exists(path))
            {
                skipped.Add(new SkippedItem(item, $"no image {prefix}{ImagesFolder}/{image}"));
                continue;
            }

            if (!points.TryGetValue(image, out var found))
            {
                skipped.Add(new SkippedItem(item, $"no five points for it in {prefix}{PointsFile}"));
                continue;
            }

            Similarity alignment;
            try
            {
                alignment = FivePointAlignment.Estimate(found.Points, [.. FivePointAlignment.ArcFace112]);
            }
            catch (ArgumentException e)
            {
                skipped.Add(new SkippedItem(item, e.Message));
                continue;
            }

            // Decoded here, so a face that could not be cropped never carries its template's pairs away with it.
            if (Unusable(path, alignment, item) is { } reason)
            {
                skipped.Add(new SkippedItem(item, reason));
                continue;
            }

            // The first face of a template carries the pairs it begins.
            var values = new List<float> { template, media, found.Score };
            if (carried.Add(template) && pairs.TryGetValue(template, out var partners))
                values.AddRange(partners.Select(p => (float)p));
            kept.Add(template);
            faces.Add(new SourceFace
            {
                Source = item,
                ImagePath = path,
                Split = BenchmarkSplits.Test,
                Alignment = alignment,
                Region = Bounds(alignment),
                Values = [.. values],
            });
        }

        var lost = pairs.Sum(p => p.Value.Count(q => !kept.Contains(p.Key) || !kept.Contains(Math.Abs(q) - 1)));
        if (lost > 0)
            skipped.Add(new SkippedItem($"{prefix}{PairsFile}", $"{lost:N0} pair(s) name a template none of whose faces could be used; they are left out"));
        if (!faces.Any(f => f.Split == BenchmarkSplits.Test))
            throw new BenchmarkSourceException($"{Path.Combine(root, FacesFile)}: no face could be used ({skipped.Count} skipped)");
        return faces;
    }

    /// <summary>Why the face cannot be cropped (the image does not decode, or the aligned crop misses it), or null.</summary>
    private static string? Unusable(string path, Similarity alignment, string item)
    {
        try
        {
            var (width, height) = ImageDecoder.Verify(ImageDecoder.ReadFile(path), item);
            var region = Bounds(alignment);
            return region.X >= width || region.Y >= height || region.X + region.Width <= 0 || region.Y + region.Height <= 0
                ? $"its aligned crop lies outside the {width}×{height} image"
                : null;
        }
        catch (CorruptSampleException e)
        {
            return e.Message;
        }
    }

    /// <summary>The square of the image a 112-pixel crop of <paramref name="alignment"/> covers (for the check that it meets the image).</summary>
    private static ImageRegion Bounds(Similarity alignment)
    {
        var back = alignment.Inverse();
        var (cx, cy) = back.Apply(55.5, 55.5);
        var side = (float)(112 / alignment.Scale);
        return new ImageRegion((float)cx + 0.5f - (side / 2), (float)cy + 0.5f - (side / 2), side, side);
    }

    private static void ReadTraining(string source, List<SourceFace> faces, ICollection<SkippedItem> skipped)
    {
        var train = Path.Combine(source, TrainFolder);
        var points = new Dictionary<string, float[]>(StringComparer.Ordinal);
        if (File.Exists(Path.Combine(source, TrainPointsFile)))
        {
            foreach (var (line, fields) in Lines(source, TrainPointsFile, 11))
                points[fields[0]] = [.. fields.Skip(1).Select(v => Number(v, source, TrainPointsFile, line))];
        }

        var people = Directory.EnumerateDirectories(train).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();
        for (var subject = 0; subject < people.Count; subject++)
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(train, people[subject]), "*.jpg").Order(StringComparer.Ordinal))
            {
                var relative = $"{people[subject]}/{Path.GetFileName(file)}";
                (int Width, int Height) size;
                try
                {
                    size = ImageDecoder.Probe(ImageDecoder.ReadFile(file), relative);
                }
                catch (CorruptSampleException e)
                {
                    skipped.Add(new SkippedItem($"{TrainFolder}/{relative}", e.Message));
                    continue;
                }

                Similarity? alignment = null;
                if (points.TryGetValue(relative, out var five))
                {
                    try
                    {
                        alignment = FivePointAlignment.Estimate(five, [.. FivePointAlignment.ArcFace112]);
                    }
                    catch (ArgumentException e)
                    {
                        skipped.Add(new SkippedItem($"{TrainFolder}/{relative}", $"its five points in {TrainPointsFile}: {e.Message}"));
                        continue;
                    }
                }

                var side = Math.Min(size.Width, size.Height);
                faces.Add(new SourceFace
                {
                    Source = $"{TrainFolder}/{relative}",
                    ImagePath = file,
                    Split = BenchmarkSplits.Train,
                    Subject = subject,
                    Alignment = alignment,
                    Region = alignment is { } a ? Bounds(a) : new ImageRegion((size.Width - side) / 2f, (size.Height - side) / 2f, side, side),
                });
            }
        }

        if (!faces.Any(f => f.Split == BenchmarkSplits.Train))
            throw new BenchmarkSourceException($"{train} holds no training face (<Name>/*.jpg)");
    }

    private static IEnumerable<(int Line, string[] Fields)> Lines(string root, string file, int fields)
    {
        var path = Path.Combine(root, file);
        foreach (var (number, raw) in TextFields.NumberedLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0)
                continue;
            var parts = TextFields.SplitWhitespace(line);
            if (parts.Length != fields)
                throw new BenchmarkSourceException($"{path}:{number}: {parts.Length} fields; each line of {Path.GetFileName(file)} has {fields}");
            yield return (number, parts);
        }
    }

    private static float Number(string text, string root, string file, int line) =>
        float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && float.IsFinite(v)
            ? v
            : throw new BenchmarkSourceException($"{Path.Combine(root, file)}:{line}: '{text}' is not a finite number");

    private static int Integer(string text, string root, string file, int line) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 0
            ? v
            : throw new BenchmarkSourceException($"{Path.Combine(root, file)}:{line}: '{text}' is not a non-negative whole number");

    /// <summary>
    /// insightface's IJB-B 1:1 evaluation (its TestMode N0 D1 F1: unit image features, weighted by detector score, flip-summed
    /// by the job): each template's feature is the sum over its media of the mean of the media's weighted image features,
    /// L2-normalised; each pair's score is its templates' cosine; TAR at FAR 1e-5 … 1e-1 read off scikit-learn's ROC curve.
    /// Faces that are not IJB-B's (a validation part of the training people) are paired as a verification set and scored the same way.
    /// </summary>
    public override IReadOnlyDictionary<string, double> Metrics(IReadOnlyList<BenchmarkItem> items, ReadOnlySpan<float> predictions)
    {
        if (items.Count == 0 || predictions.Length % items.Count != 0)
            throw new ArgumentException($"{predictions.Length} predicted values for {items.Count} faces", nameof(predictions));
        var dimensions = predictions.Length / items.Count;
        List<float> scores = [];
        List<bool> same = [];
        if (items.All(i => i.Values.Length >= 3))
        {
            var (templates, features) = VerificationProtocols.TemplateFeatures(predictions, dimensions,
                [.. items.Select(i => (int)i.Values[0])], [.. items.Select(i => (int)i.Values[1])], [.. items.Select(i => (double)i.Values[2])]);
            var row = templates.Select((t, k) => (t, k)).ToDictionary(x => x.t, x => x.k);
            foreach (var item in items.Where(i => i.Values.Length > 3))
            {
                var first = row[(int)item.Values[0]];
                foreach (var partner in item.Values.Skip(3))
                {
                    if (!row.TryGetValue((int)Math.Abs(partner) - 1, out var second))
                        continue;
                    double dot = 0;
                    for (var k = 0; k < dimensions; k++)
                        dot += features[(first * dimensions) + k] * features[(second * dimensions) + k];
                    scores.Add((float)dot);
                    same.Add(partner > 0);
                }
            }
        }
        else
        {
            foreach (var (a, b, genuine) in VerificationSets.MadePairs(items))
            {
                scores.Add(VerificationSets.Cosine(predictions.Slice(a * dimensions, dimensions), predictions.Slice(b * dimensions, dimensions)));
                same.Add(genuine);
            }
        }

        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        if (!same.Contains(true) || !same.Contains(false))
        {
            // Pairs of one kind only (too small a validation part): no value.
            foreach (var (_, metric) in Fars)
                metrics[metric.Name] = double.NaN;
            return metrics;
        }

        var tars = VerificationProtocols.TarAtFarsFromRoc(scores.ToArray(), same.ToArray(), [.. Fars.Select(f => f.Far)]);
        for (var k = 0; k < Fars.Count; k++)
            metrics[Fars[k].Metric.Name] = tars[k];
        return metrics;
    }
}
