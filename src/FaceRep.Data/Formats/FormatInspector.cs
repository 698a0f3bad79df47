using System.Globalization;

namespace FaceRep.Data.Formats;

/// <summary>How many samples carry one kind of label.</summary>
/// <param name="Label">What is counted, e.g. "identity", "landmarks", "AU12 > 0".</param>
/// <param name="Count">Samples that carry it.</param>
/// <param name="Total">Samples considered.</param>
/// <param name="Detail">Extra words, e.g. "3 identities".</param>
public sealed record LabelCoverage(string Label, int Count, int Total, string? Detail = null)
{
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Label}: {Count}/{Total}{(Detail is null ? "" : $" ({Detail})")}");
}

/// <summary>What <see cref="FormatInspector.Inspect"/> found at a path.</summary>
public sealed record DatasetSummary
{
    /// <summary>The path inspected.</summary>
    public required string Path { get; init; }

    /// <summary>The detected format.</summary>
    public required DatasetFormat Format { get; init; }

    /// <summary>Number of samples (images, annotated faces, pairs or frames, by format).</summary>
    public int SampleCount { get; init; }

    /// <summary>Label coverage, one entry per kind of label.</summary>
    public IReadOnlyList<LabelCoverage> Coverage { get; init; } = [];

    /// <summary>Images (or per-sample files) checked for corruption.</summary>
    public int Checked { get; init; }

    /// <summary>Checked items that could not be decoded or parsed.</summary>
    public int CorruptCount { get; init; }

    /// <summary>The first few corrupt items, each "name: reason".</summary>
    public IReadOnlyList<string> FirstCorrupt { get; init; } = [];

    /// <summary>Other observations.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>Why the path could not be read as its format, or null.</summary>
    public string? Error { get; init; }

    /// <summary>The summary as printable lines.</summary>
    public IReadOnlyList<string> Lines()
    {
        var lines = new List<string>
        {
            $"path: {Path}",
            $"format: {Format}",
        };
        if (Error is not null)
        {
            lines.Add($"error: {Error}");
            return lines;
        }

        lines.Add(string.Create(CultureInfo.InvariantCulture, $"samples: {SampleCount}"));
        lines.AddRange(Coverage.Select(c => c.ToString()));
        lines.Add(string.Create(CultureInfo.InvariantCulture, $"checked: {Checked}"));
        lines.Add(string.Create(CultureInfo.InvariantCulture, $"corrupt: {CorruptCount}"));
        lines.AddRange(FirstCorrupt.Select(c => $"  {c}"));
        lines.AddRange(Notes.Select(n => $"note: {n}"));
        return lines;
    }

    public override string ToString() => string.Join(Environment.NewLine, Lines());
}

/// <summary>Detects the format at a path and summarises it: counts, label coverage and corrupt items.</summary>
public static class FormatInspector
{
    /// <summary>How many corrupt items a summary names.</summary>
    public const int ListedCorrupt = 5;

    private static readonly EnumerationOptions Recursive = new() { RecurseSubdirectories = true, IgnoreInaccessible = true, MatchCasing = MatchCasing.CaseInsensitive };
    private static readonly string[] ImageSiblingExtensions = [".jpg", ".jpeg", ".png", ".JPG", ".JPEG", ".PNG"];

    /// <summary>
    /// Inspects <paramref name="path"/>. Image formats decode every image, or, with <paramref name="maxSamples"/>,
    /// that many evenly spaced ones; directories of per-sample files parse every file (and decode their images)
    /// up to the same cap. A single DISFA AU file is inspected together with the AU files beside it. A file that
    /// does not follow its format gives a summary with <see cref="DatasetSummary.Error"/>.
    /// </summary>
    public static DatasetSummary Inspect(string path, int? maxSamples = null)
    {
        if (maxSamples is { } cap)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(cap, 1, nameof(maxSamples));
        }

        var format = FormatDetector.Detect(path);
        try
        {
            return format switch
            {
                DatasetFormat.ImageFolders => ImageFolders(path, maxSamples),
                DatasetFormat.Hdf5Images => Hdf5(path, maxSamples),
                DatasetFormat.Pts => Pts(path, maxSamples),
                DatasetFormat.WflwAnnotations => Wflw(path),
                DatasetFormat.Aflw2000Mat => Aflw2000(path, maxSamples),
                DatasetFormat.DisfaAu => Disfa(path),
                DatasetFormat.AffectNetCsv => AffectNet(path),
                DatasetFormat.VerificationPairs => Pairs(path),
                _ => new DatasetSummary { Path = path, Format = format, Error = "format not recognised" },
            };
        }
        catch (DataFormatException e)
        {
            return new DatasetSummary { Path = path, Format = format, Error = e.Message };
        }
    }

    /// <summary>Indices of the items to check: all, or <paramref name="cap"/> evenly spaced ones.</summary>
    internal static IEnumerable<int> Selection(int count, int? cap) =>
        cap is { } c && c < count ? Enumerable.Range(0, c).Select(i => (int)((long)i * count / c)) : Enumerable.Range(0, count);

    private static DatasetSummary ImageFolders(string path, int? cap)
    {
        var data = ImageFolderReader.Read(path);
        var check = new Checker();
        foreach (var i in Selection(data.Records.Count, cap))
        {
            check.Image(data.Records[i].Path);
        }

        var perIdentity = data.Records.CountBy(r => r.Label).Select(g => g.Value).ToList();
        var notes = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture, $"{data.Identities.Count} identities, {perIdentity.Min()}–{perIdentity.Max()} images each"),
        };
        if (data.IgnoredFiles.Count > 0)
        {
            notes.Add(string.Create(CultureInfo.InvariantCulture, $"{data.IgnoredFiles.Count} files outside the layout ignored, e.g. {data.IgnoredFiles[0]}"));
        }

        return check.Summary(path, DatasetFormat.ImageFolders, data.Records.Count, cap,
            [new LabelCoverage("identity", data.Records.Count, data.Records.Count, $"{data.Identities.Count} identities")], notes);
    }

    private static DatasetSummary Hdf5(string path, int? cap)
    {
        using var file = Hdf5ImageFile.Open(path);
        var check = new Checker();
        foreach (var i in Selection(file.Count, cap))
        {
            check.Run(file.ItemName(i), () => ImageDecoder.Verify(file.ReadEncoded(i), file.ItemName(i)));
        }

        return check.Summary(path, DatasetFormat.Hdf5Images, file.Count, cap, [],
            [$"dataset '{file.DatasetName}' ({file.Layout} layout): encoded images, no labels"]);
    }

    private static DatasetSummary Pts(string path, int? cap)
    {
        var files = Directory.Exists(path)
            ? [.. Directory.EnumerateFiles(path, "*.pts", Recursive).Order(StringComparer.Ordinal)]
            : new List<string> { path };
        var check = new Checker();
        var parsed = 0;
        var withImage = 0;
        var pointCounts = new SortedSet<int>();
        foreach (var i in Selection(files.Count, cap))
        {
            var annotation = check.Run(files[i], () => PtsReader.Read(files[i]));
            if (annotation is null)
            {
                continue;
            }

            parsed++;
            pointCounts.Add(annotation.PointCount);
            if (SiblingImage(files[i]) is { } image)
            {
                withImage++;
                check.Image(image);
            }
        }

        var considered = Math.Min(files.Count, cap ?? files.Count);
        return check.Summary(path, DatasetFormat.Pts, files.Count, cap,
        [
            new LabelCoverage("landmarks", parsed, considered, $"{string.Join('/', pointCounts)} points; 0-based pixel centres"),
            new LabelCoverage("image beside the .pts", withImage, considered),
        ], []);
    }

    private static DatasetSummary Aflw2000(string path, int? cap)
    {
        var files = Directory.Exists(path)
            ? [.. Directory.EnumerateFiles(path, "*.mat", Recursive).Order(StringComparer.Ordinal)]
            : new List<string> { path };
        var check = new Checker();
        var parsed = 0;
        var withImage = 0;
        foreach (var i in Selection(files.Count, cap))
        {
            if (check.Run(files[i], () => Aflw2000Reader.Read(files[i])) is null)
            {
                continue;
            }

            parsed++;
            if (SiblingImage(files[i]) is { } image)
            {
                withImage++;
                check.Image(image);
            }
        }

        var considered = Math.Min(files.Count, cap ?? files.Count);
        return check.Summary(path, DatasetFormat.Aflw2000Mat, files.Count, cap,
        [
            new LabelCoverage("3-D landmarks and pose", parsed, considered, "68 points; pitch, yaw, roll"),
            new LabelCoverage("image beside the .mat", withImage, considered),
        ], []);
    }

    private static DatasetSummary Wflw(string path)
    {
        var rows = WflwReader.Read(path);
        var n = rows.Count;
        return new DatasetSummary
        {
            Path = path,
            Format = DatasetFormat.WflwAnnotations,
            SampleCount = n,
            Coverage =
            [
                new LabelCoverage("landmarks", n, n, "98 points and a box"),
                new LabelCoverage("pose", rows.Count(r => r.Attributes.Pose), n),
                new LabelCoverage("expression", rows.Count(r => r.Attributes.Expression), n),
                new LabelCoverage("illumination", rows.Count(r => r.Attributes.Illumination), n),
                new LabelCoverage("make-up", rows.Count(r => r.Attributes.MakeUp), n),
                new LabelCoverage("occlusion", rows.Count(r => r.Attributes.Occlusion), n),
                new LabelCoverage("blur", rows.Count(r => r.Attributes.Blur), n),
            ],
            Notes = [string.Create(CultureInfo.InvariantCulture, $"{rows.Select(r => r.ImagePath).Distinct(StringComparer.Ordinal).Count()} distinct images; images not checked (paths are relative to the WFLW image root)")],
        };
    }

    private static DatasetSummary Disfa(string path)
    {
        var source = File.Exists(path) ? Path.GetDirectoryName(Path.GetFullPath(path))! : path;
        var subjects = DisfaAuReader.Read(source);
        var frames = subjects.Sum(s => s.FrameCount);
        var aus = subjects.SelectMany(s => s.ActionUnits).Distinct().Order().ToList();
        var coverage = new List<LabelCoverage>
        {
            new("AU intensities", subjects.Where(s => aus.All(s.ActionUnits.Contains)).Sum(s => s.FrameCount), frames, $"{aus.Count} AUs: {string.Join(' ', aus)}"),
        };
        foreach (var au in aus)
        {
            var active = subjects.Where(s => s.ActionUnits.Contains(au))
                .Sum(s => Enumerable.Range(s.FirstFrame, s.FrameCount).Count(f => s.Intensity(f, au) > 0));
            coverage.Add(new LabelCoverage(string.Create(CultureInfo.InvariantCulture, $"AU{au} > 0"), active, frames));
        }

        return new DatasetSummary
        {
            Path = path,
            Format = DatasetFormat.DisfaAu,
            SampleCount = frames,
            Coverage = coverage,
            Notes = [string.Create(CultureInfo.InvariantCulture, $"{subjects.Count} subjects: {string.Join(' ', subjects.Select(s => s.Subject))}")],
        };
    }

    private static DatasetSummary AffectNet(string path)
    {
        var table = AffectNetReader.Read(path);
        var rows = table.Records;
        var n = rows.Count;
        var histogram = string.Join(", ", rows.CountBy(r => r.Expression).OrderBy(p => p.Key)
            .Select(p => string.Create(CultureInfo.InvariantCulture, $"{AffectNetReader.ExpressionNames[p.Key]} {p.Value}")));
        var excluded = table.Excluded.Count == 0
            ? "none"
            : string.Join(", ", table.Excluded.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key} ({AffectNetReader.ExcludedNames[p.Key]}) {p.Value}")));
        return new DatasetSummary
        {
            Path = path,
            Format = DatasetFormat.AffectNetCsv,
            SampleCount = n,
            Coverage =
            [
                new LabelCoverage("expression", n, n, histogram.Length == 0 ? null : histogram),
                new LabelCoverage("landmarks", rows.Count(r => r.Landmarks is not null), n),
                new LabelCoverage("valence", rows.Count(r => r.Valence is not null), n),
                new LabelCoverage("arousal", rows.Count(r => r.Arousal is not null), n),
            ],
            Notes = [string.Create(CultureInfo.InvariantCulture, $"excluded {table.ExcludedCount} rows: {excluded}"), "images not checked (paths are relative to the AffectNet image root)"],
        };
    }

    private static DatasetSummary Pairs(string path)
    {
        var pairs = VerificationPairsReader.Read(path);
        var n = pairs.Pairs.Count;
        var people = pairs.Pairs.SelectMany(p => new[] { p.NameA, p.NameB }).Distinct(StringComparer.Ordinal).Count();
        return new DatasetSummary
        {
            Path = path,
            Format = DatasetFormat.VerificationPairs,
            SampleCount = n,
            Coverage =
            [
                new LabelCoverage("same-person pairs", pairs.Pairs.Count(p => p.Same), n),
                new LabelCoverage("different-person pairs", pairs.Pairs.Count(p => !p.Same), n),
            ],
            Notes =
            [
                string.Create(CultureInfo.InvariantCulture, $"{pairs.Folds} folds of {2 * pairs.PairsPerFold} pairs; {people} people"),
                "images not checked (paths name/name_%04d.jpg are relative to the image root)",
            ],
        };
    }

    private static string? SiblingImage(string annotation)
    {
        var stem = Path.ChangeExtension(annotation, null);
        return ImageSiblingExtensions.Select(e => stem + e).FirstOrDefault(File.Exists);
    }

    private sealed class Checker
    {
        private readonly List<string> _corrupt = [];

        public int Checked { get; private set; }

        public int Corrupt { get; private set; }

        public void Image(string path) => Run(path, () => ImageDecoder.VerifyFile(path));

        public T? Run<T>(string item, Func<T> check)
        {
            Checked++;
            try
            {
                return check();
            }
            catch (CorruptSampleException e)
            {
                Fail(item, e.Reason);
            }
            catch (DataFormatException e)
            {
                Fail(item, e.Reason + (e.Line is { } l ? string.Create(CultureInfo.InvariantCulture, $" (line {l})") : ""));
            }

            return default;
        }

        public DatasetSummary Summary(string path, DatasetFormat format, int samples, int? cap, IReadOnlyList<LabelCoverage> coverage, IReadOnlyList<string> notes)
        {
            var allNotes = notes.ToList();
            if (cap is { } c && c < samples)
            {
                allNotes.Add(string.Create(CultureInfo.InvariantCulture, $"checked {c} of {samples} samples, evenly spaced (cap {c})"));
            }

            return new DatasetSummary
            {
                Path = path,
                Format = format,
                SampleCount = samples,
                Coverage = coverage,
                Checked = Checked,
                CorruptCount = Corrupt,
                FirstCorrupt = _corrupt,
                Notes = allNotes,
            };
        }

        private void Fail(string item, string reason)
        {
            Corrupt++;
            if (_corrupt.Count < ListedCorrupt)
            {
                _corrupt.Add($"{item}: {reason}");
            }
        }
    }
}
