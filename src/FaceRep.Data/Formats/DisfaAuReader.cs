using System.Text.RegularExpressions;

namespace FaceRep.Data.Formats;

/// <summary>The action-unit intensities of one subject: a table of frames × action units.</summary>
public sealed class DisfaSubject
{
    private readonly byte[] _intensities;
    private readonly int[] _actionUnits;

    internal DisfaSubject(string subject, int[] actionUnits, int firstFrame, int frameCount, byte[] intensities, IReadOnlyList<string> files)
    {
        Subject = subject;
        _actionUnits = actionUnits;
        FirstFrame = firstFrame;
        FrameCount = frameCount;
        _intensities = intensities;
        Files = files;
    }

    /// <summary>The subject's name (the file-name prefix, e.g. <c>SN001</c>).</summary>
    public string Subject { get; }

    /// <summary>The action units present, ascending (e.g. 1, 2, 4, 5, 6, 9, 12, 15, 17, 20, 25, 26).</summary>
    public IReadOnlyList<int> ActionUnits => _actionUnits;

    /// <summary>The first frame number (1 in DISFA).</summary>
    public int FirstFrame { get; }

    /// <summary>Number of frames; frames run from <see cref="FirstFrame"/> without gaps.</summary>
    public int FrameCount { get; }

    /// <summary>The files read, in action-unit order.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>Intensity (0–5) of <paramref name="actionUnit"/> at frame number <paramref name="frame"/>.</summary>
    public int Intensity(int frame, int actionUnit)
    {
        var column = Array.IndexOf(_actionUnits, actionUnit);
        if (column < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(actionUnit), actionUnit, $"{Subject} has no AU{actionUnit}");
        }

        var row = frame - FirstFrame;
        ArgumentOutOfRangeException.ThrowIfNegative(row, nameof(frame));
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, FrameCount, nameof(frame));
        return _intensities[(row * _actionUnits.Length) + column];
    }

    /// <summary>The intensities of every action unit at frame number <paramref name="frame"/>, in <see cref="ActionUnits"/> order.</summary>
    public int[] FrameIntensities(int frame) => [.. ActionUnits.Select(au => Intensity(frame, au))];
}

/// <summary>
/// Reads DISFA-style action-unit intensity labels: per subject one file per AU, named
/// <c>&lt;subject&gt;_au&lt;n&gt;.txt</c> (e.g. <c>SN001_au12.txt</c>), each line <c>frame,intensity</c> with
/// intensity 0–5. Frames must run consecutively, and every AU file of a subject must cover the same frames.
/// </summary>
public static partial class DisfaAuReader
{
    /// <summary>Highest intensity on the FACS A–E scale.</summary>
    public const int MaxIntensity = 5;

    /// <summary>
    /// Reads every AU file under <paramref name="path"/> (a directory, searched recursively, or one AU file)
    /// and groups them by subject (ordinal order).
    /// </summary>
    public static IReadOnlyList<DisfaSubject> Read(string path)
    {
        string[] files;
        if (Directory.Exists(path))
        {
            files = [.. Directory.EnumerateFiles(path, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true }).Where(IsAuFile)];
            if (files.Length == 0)
            {
                throw new DataFormatException(path, null, null, "no AU files named <subject>_au<n>.txt");
            }
        }
        else if (File.Exists(path))
        {
            if (!IsAuFile(path))
            {
                throw new DataFormatException(path, null, Path.GetFileName(path), "file name must look like <subject>_au<n>.txt");
            }

            files = [path];
        }
        else
        {
            throw new FileNotFoundException($"{path}: no such file or directory", path);
        }

        return [.. files
            .Select(f => (File: f, Name: ParseName(f)))
            .GroupBy(x => x.Name.Subject, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => ReadSubject(g.Key, [.. g.Select(x => (x.File, x.Name.ActionUnit))]))];
    }

    /// <summary>True when the file name looks like <c>&lt;subject&gt;_au&lt;n&gt;.txt</c>.</summary>
    public static bool IsAuFile(string path) => AuFileName().IsMatch(Path.GetFileName(path));

    private static (string Subject, int ActionUnit) ParseName(string path)
    {
        var m = AuFileName().Match(Path.GetFileName(path));
        return (m.Groups["subject"].Value, int.Parse(m.Groups["au"].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    private static DisfaSubject ReadSubject(string subject, List<(string File, int ActionUnit)> files)
    {
        files.Sort((a, b) => a.ActionUnit.CompareTo(b.ActionUnit));
        for (var i = 1; i < files.Count; i++)
        {
            if (files[i].ActionUnit == files[i - 1].ActionUnit)
            {
                throw new DataFormatException(files[i].File, null, $"AU{files[i].ActionUnit}", $"{subject} has two files for the same AU (also {files[i - 1].File})");
            }
        }

        var columns = files.Select(f => (f.File, Series: ReadSeries(f.File))).ToList();
        var (refFile, reference) = columns[0];
        foreach (var (file, series) in columns.Skip(1))
        {
            if (series.First != reference.First || series.Values.Count != reference.Values.Count)
            {
                throw new DataFormatException(
                    file, null, $"frames {series.First}–{series.First + series.Values.Count - 1}",
                    $"covers different frames from {refFile} (frames {reference.First}–{reference.First + reference.Values.Count - 1})");
            }
        }

        var frames = reference.Values.Count;
        var aus = files.Count;
        var table = new byte[frames * aus];
        for (var c = 0; c < aus; c++)
        {
            var values = columns[c].Series.Values;
            for (var r = 0; r < frames; r++)
            {
                table[(r * aus) + c] = values[r];
            }
        }

        return new DisfaSubject(subject, [.. files.Select(f => f.ActionUnit)], reference.First, frames, table, [.. files.Select(f => f.File)]);
    }

    private static (int First, List<byte> Values) ReadSeries(string path)
    {
        int? first = null;
        var previous = 0;
        var values = new List<byte>();
        foreach (var (number, raw) in TextFields.NumberedLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var parts = line.Split([',', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2)
            {
                throw new DataFormatException(path, number, line, "expected 'frame,intensity'");
            }

            var frame = TextFields.Int(parts[0], path, number, "frame");
            var intensity = TextFields.Int(parts[1], path, number, "intensity");
            if (intensity is < 0 or > MaxIntensity)
            {
                throw new DataFormatException(path, number, parts[1], $"intensity must be 0–{MaxIntensity}");
            }

            if (first is null)
            {
                first = frame;
            }
            else if (frame == previous)
            {
                throw new DataFormatException(path, number, parts[0], $"frame {frame} appears twice");
            }
            else if (frame < previous)
            {
                throw new DataFormatException(path, number, parts[0], $"frame {frame} follows frame {previous}: frames must ascend");
            }
            else if (frame != previous + 1)
            {
                var missing = frame == previous + 2 ? $"frame {previous + 1} is missing" : $"frames {previous + 1}–{frame - 1} are missing";
                throw new DataFormatException(path, number, parts[0], $"frame {frame} follows frame {previous}: {missing}");
            }

            previous = frame;
            values.Add((byte)intensity);
        }

        if (first is null)
        {
            throw new DataFormatException(path, null, null, "no frames");
        }

        return (first.Value, values);
    }

    [GeneratedRegex(@"^(?<subject>.+?)_au(?<au>\d+)\.txt$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AuFileName();
}
