using FaceRep.Core.Metrics;
using FaceRep.Data.Formats;
using FaceRep.Data.ImageSets;

namespace FaceRep.Data.Benchmarks;

/// <summary>
/// LFW as its authors distribute it: <c>pairs.txt</c> (View 2: ten folds of 300 same-person and 300 different-person
/// pairs) beside the images, <c>&lt;Name&gt;/&lt;Name&gt;_NNNN.jpg</c>, under <c>lfw/</c> (or <c>lfw-deepfunneled/</c>,
/// <c>lfw_funneled/</c>, or the source itself). The test split is the pairs: each pair is two test faces, in the
/// file's order. The training split is every image of the people no pair names, so the head never sees a test
/// identity. Crop: LFW holds no landmarks, so five-point alignment cannot be done from its files; the crop is the
/// centred square of 0.6 × the image's shorter side (150 px of LFW's 250: its faces were detected and enlarged 2.2 times,
/// so a face spans about the central 114 px). Scored as insightface scores LFW: ten folds, the threshold chosen on nine.
/// </summary>
public sealed class Lfw : BenchmarkKind
{
    /// <summary>The pairs file.</summary>
    public const string PairsFile = "pairs.txt";

    /// <summary>The image folders LFW's archives unpack to, in the order they are looked for.</summary>
    public static IReadOnlyList<string> ImageFolders { get; } = ["lfw", "lfw-deepfunneled", "lfw_funneled"];

    /// <summary>The share of the image's shorter side the centred crop keeps.</summary>
    public const float CropShare = 0.6f;

    /// <inheritdoc />
    public override string Name => "lfw";

    /// <inheritdoc />
    public override string Task => "recognition";

    /// <inheritdoc />
    public override int DefaultSize => 112;

    /// <inheritdoc />
    public override string CropRule => "LFW has no landmarks: the centred square of 0.6 × the shorter side (150 px of 250)";

    /// <summary>The folder holding the people's folders.</summary>
    public static string ImageRoot(string source) =>
        ImageFolders.Select(f => Path.Combine(source, f)).FirstOrDefault(Directory.Exists) ?? source;

    /// <summary>The centred crop of an image of the given size.</summary>
    public static ImageRegion Region(int width, int height)
    {
        var side = Math.Min(width, height) * CropShare;
        return new ImageRegion((width - side) / 2, (height - side) / 2, side, side);
    }

    /// <inheritdoc />
    public override IReadOnlyList<SourceFace> Read(string source, ICollection<SkippedItem> skipped)
    {
        var pairsPath = Path.Combine(source, PairsFile);
        if (!File.Exists(pairsPath))
            throw new BenchmarkSourceException($"{source} is not LFW's layout: {PairsFile} is missing (LFW's View 2 pairs, beside the image folder)");
        VerificationPairs pairs;
        try
        {
            pairs = VerificationPairsReader.Read(pairsPath);
        }
        catch (DataFormatException e)
        {
            throw new BenchmarkSourceException(e.Message);
        }

        var root = ImageRoot(source);
        var people = Directory.EnumerateDirectories(root).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();
        if (people.Count == 0)
            throw new BenchmarkSourceException($"{root} holds no person's folder (<Name>/<Name>_0001.jpg); LFW unpacks to {string.Join(", ", ImageFolders.Select(f => f + "/"))}");
        var subject = people.Select((p, i) => (p, i)).ToDictionary(x => x.p, x => x.i, StringComparer.Ordinal);
        var named = pairs.Pairs.SelectMany(p => new[] { p.NameA, p.NameB }).ToHashSet(StringComparer.Ordinal);
        var prefix = Path.GetRelativePath(source, root) is "." ? "" : Path.GetRelativePath(source, root) + "/";
        var sizes = new Dictionary<string, (int Width, int Height)?>(StringComparer.Ordinal);
        (int Width, int Height)? SizeOf(string relative)
        {
            if (sizes.TryGetValue(relative, out var known))
                return known;
            var path = Path.Combine(root, relative);
            (int, int)? size = null;
            if (File.Exists(path))
            {
                try
                {
                    size = ImageDecoder.Probe(ImageDecoder.ReadFile(path), relative);
                }
                catch (CorruptSampleException)
                {
                }
            }

            return sizes[relative] = size;
        }

        var faces = new List<SourceFace>();
        foreach (var person in people.Where(p => !named.Contains(p)))
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(root, person), "*.jpg").Order(StringComparer.Ordinal))
            {
                var relative = $"{person}/{Path.GetFileName(file)}";
                if (SizeOf(relative) is not { } size)
                {
                    skipped.Add(new SkippedItem(prefix + relative, "not a readable image"));
                    continue;
                }

                faces.Add(new SourceFace { Source = prefix + relative, ImagePath = file, Split = BenchmarkSplits.Train, Subject = subject[person], Region = Region(size.Width, size.Height) });
            }
        }

        var index = 0;
        foreach (var pair in pairs.Pairs)
        {
            var sides = new[] { (pair.NameA, pair.PathA), (pair.NameB, pair.PathB) };
            var missing = sides.Where(s => SizeOf(s.Item2) is null).Select(s => prefix + s.Item2).ToList();
            var item = $"{PairsFile}:{pair.Line}";
            if (missing.Count > 0)
            {
                skipped.Add(new SkippedItem(item, $"no readable image {string.Join(" or ", missing)}: the pair is left out"));
                continue;
            }

            for (var side = 0; side < 2; side++)
            {
                var (name, relative) = sides[side];
                var size = SizeOf(relative)!.Value;
                faces.Add(new SourceFace
                {
                    Source = $"{item} {(side == 0 ? 'a' : 'b')} ({prefix}{relative})",
                    ImagePath = Path.Combine(root, relative),
                    Split = BenchmarkSplits.Test,
                    Subject = subject.GetValueOrDefault(name, -1),
                    Class = pair.Same ? 1 : 0,
                    Values = [index, side, pair.Fold],
                    Region = Region(size.Width, size.Height),
                });
            }

            index++;
        }

        if (index < 10)
            throw new BenchmarkSourceException($"{pairsPath}: only {index} pair(s) have both images; LFW's ten folds need at least 10");
        return faces;
    }

    /// <summary>
    /// insightface's LFW protocol on the pairs (in the file's order, ten contiguous folds, each fold's threshold chosen on the
    /// other nine): <c>acc_10fold</c> and its standard deviation over the folds, and the ROC AUC of cosine similarity over all
    /// pairs. Faces that are not pairs (a validation part of the training split) are paired as verification sets are: each
    /// person's images in turn, and as many pairs of different people, interleaved; when they make fewer than ten pairs,
    /// or pairs of one kind only, every metric is NaN (no value).
    /// </summary>
    public override IReadOnlyDictionary<string, double> Metrics(IReadOnlyList<BenchmarkItem> items, ReadOnlySpan<float> predictions)
    {
        if (items.Count == 0 || predictions.Length % items.Count != 0)
            throw new ArgumentException($"{predictions.Length} predicted values for {items.Count} faces", nameof(predictions));
        var dimensions = predictions.Length / items.Count;
        var official = items.All(i => i.Values.Length == 3);
        var pairs = official ? OfficialPairs(items) : VerificationSets.MadePairs(items);
        if (!official && (pairs.Count < 10 || pairs.All(p => p.Same) || !pairs.Any(p => p.Same)))
        {
            // Too few faces, or people, to make ten folds of same and different pairs: no value, not a failure.
            return new Dictionary<string, double>(StringComparer.Ordinal)
            {
                [MetricDefinitions.TenFoldAccuracy.Name] = double.NaN,
                [MetricDefinitions.TenFoldAccuracyStd.Name] = double.NaN,
                [MetricDefinitions.RocAuc.Name] = double.NaN,
            };
        }

        if (pairs.Count < 10)
            throw new ArgumentException($"{pairs.Count} pairs cannot make LFW's ten folds", nameof(items));
        var first = new float[pairs.Count * dimensions];
        var second = new float[pairs.Count * dimensions];
        var same = new bool[pairs.Count];
        for (var p = 0; p < pairs.Count; p++)
        {
            predictions.Slice(pairs[p].A * dimensions, dimensions).CopyTo(first.AsSpan(p * dimensions));
            predictions.Slice(pairs[p].B * dimensions, dimensions).CopyTo(second.AsSpan(p * dimensions));
            same[p] = pairs[p].Same;
        }

        var accuracy = VerificationProtocols.TenFold(first, second, dimensions, same);
        var cosine = new float[pairs.Count];
        for (var p = 0; p < pairs.Count; p++)
            cosine[p] = VerificationSets.Cosine(first.AsSpan(p * dimensions, dimensions), second.AsSpan(p * dimensions, dimensions));
        return new Dictionary<string, double>(StringComparer.Ordinal)
        {
            [MetricDefinitions.TenFoldAccuracy.Name] = accuracy.Mean,
            [MetricDefinitions.TenFoldAccuracyStd.Name] = accuracy.Std,
            [MetricDefinitions.RocAuc.Name] = VerificationMetrics.RocAuc(cosine, same),
        };
    }

    /// <summary>The pairs the test faces are, by their pair number, in the pairs file's order.</summary>
    private static List<(int A, int B, bool Same)> OfficialPairs(IReadOnlyList<BenchmarkItem> items)
    {
        var sides = new SortedDictionary<int, int[]>();
        for (var i = 0; i < items.Count; i++)
        {
            var (pair, side) = ((int)items[i].Values[0], (int)items[i].Values[1]);
            if (!sides.TryGetValue(pair, out var both))
                sides[pair] = both = [-1, -1];
            both[side] = i;
        }

        return [.. sides.Values.Where(s => s[0] >= 0 && s[1] >= 0).Select(s => (s[0], s[1], items[s[0]].Class == 1))];
    }
}
