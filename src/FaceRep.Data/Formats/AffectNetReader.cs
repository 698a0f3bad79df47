namespace FaceRep.Data.Formats;

/// <summary>One kept row of an AffectNet-style CSV.</summary>
/// <param name="Line">1-based line number in the file.</param>
/// <param name="ImagePath">The <c>subDirectory_filePath</c> field.</param>
/// <param name="FaceX">Face box left.</param>
/// <param name="FaceY">Face box top.</param>
/// <param name="FaceWidth">Face box width.</param>
/// <param name="FaceHeight">Face box height.</param>
/// <param name="Landmarks">68 points as x0, y0, … (136 values), or null when the field is empty.</param>
/// <param name="Expression">0 neutral, 1 happy, 2 sad, 3 surprise, 4 fear, 5 disgust, 6 anger, 7 contempt.</param>
/// <param name="Valence">In [−1, 1], or null when missing (−2 in the file).</param>
/// <param name="Arousal">In [−1, 1], or null when missing (−2 in the file).</param>
public sealed record AffectNetRecord(
    int Line, string ImagePath, float FaceX, float FaceY, float FaceWidth, float FaceHeight,
    float[]? Landmarks, int Expression, float? Valence, float? Arousal);

/// <summary>The rows of an AffectNet-style CSV: the kept records and the counts of excluded ones.</summary>
/// <param name="Path">The file read.</param>
/// <param name="Records">Rows with expression 0–7.</param>
/// <param name="Excluded">Rows left out, by expression code (8 none, 9 uncertain, 10 non-face); codes with no rows are absent.</param>
public sealed record AffectNetTable(string Path, IReadOnlyList<AffectNetRecord> Records, IReadOnlyDictionary<int, int> Excluded)
{
    /// <summary>Total rows left out.</summary>
    public int ExcludedCount => Excluded.Values.Sum();
}

/// <summary>
/// Reads AffectNet-style CSVs with the header
/// <c>subDirectory_filePath,face_x,face_y,face_width,face_height,facial_landmarks,expression,valence,arousal</c>
/// (columns found by name). Landmarks are <c>x;y;x;y;…</c> (68 points). Expressions 0–7 are kept; 8–10
/// (none, uncertain, non-face) are counted as excluded. Valence and arousal lie in [−1, 1]; −2 marks them missing.
/// </summary>
public static class AffectNetReader
{
    /// <summary>The eight kept expression classes, by code.</summary>
    public static readonly IReadOnlyList<string> ExpressionNames = ["neutral", "happy", "sad", "surprise", "fear", "disgust", "anger", "contempt"];

    /// <summary>Names of the excluded codes 8, 9 and 10.</summary>
    public static readonly IReadOnlyDictionary<int, string> ExcludedNames = new Dictionary<int, string> { [8] = "none", [9] = "uncertain", [10] = "non-face" };

    /// <summary>Landmarks per face.</summary>
    public const int PointCount = 68;

    /// <summary>The value that marks a missing valence or arousal.</summary>
    public const float Missing = -2f;

    /// <summary>The header's column names.</summary>
    public static readonly IReadOnlyList<string> Columns =
        ["subDirectory_filePath", "face_x", "face_y", "face_width", "face_height", "facial_landmarks", "expression", "valence", "arousal"];

    /// <summary>Reads and validates the whole file.</summary>
    public static AffectNetTable Read(string path) => Read(path, null);

    /// <summary>
    /// Reads the file, passing each row it cannot read to <paramref name="bad"/> with why and leaving it out
    /// (with null, the first such row throws). A file without its header always throws.
    /// </summary>
    public static AffectNetTable Read(string path, Action<DataFormatException>? bad)
    {
        var records = new List<AffectNetRecord>();
        var excluded = new SortedDictionary<int, int>();
        int[]? index = null;
        foreach (var (number, raw) in TextFields.NumberedLines(path))
        {
            if (raw.Trim().Length == 0)
            {
                continue;
            }

            var fields = TextFields.SplitCsv(raw, path, number);
            if (index is null)
            {
                index = MapHeader(fields, path, number);
                continue;
            }

            AffectNetRecord record;
            try
            {
                if (fields.Count != index.Length)
                {
                    throw new DataFormatException(path, number, $"{fields.Count} fields", $"expected {index.Length} fields as in the header");
                }

                record = ParseRow(fields, index, path, number);
            }
            catch (DataFormatException e) when (bad is not null)
            {
                bad(e);
                continue;
            }

            if (record.Expression >= ExpressionNames.Count)
            {
                excluded[record.Expression] = excluded.GetValueOrDefault(record.Expression) + 1;
            }
            else
            {
                records.Add(record);
            }
        }

        if (index is null)
        {
            throw new DataFormatException(path, null, null, "empty file: no header");
        }

        return new AffectNetTable(path, records, excluded);
    }

    private static int[] MapHeader(List<string> header, string path, int number)
    {
        var names = header.Select(h => h.Trim()).ToList();
        var index = new int[header.Count];
        Array.Fill(index, -1);
        for (var c = 0; c < Columns.Count; c++)
        {
            var at = names.IndexOf(Columns[c]);
            if (at < 0)
            {
                throw new DataFormatException(path, number, string.Join(',', names), $"header has no column '{Columns[c]}'");
            }

            index[c] = at;
        }

        return index;
    }

    private static AffectNetRecord ParseRow(List<string> f, int[] index, string path, int number)
    {
        string Field(int column) => f[index[column]].Trim();

        var imagePath = Field(0);
        if (imagePath.Length == 0)
        {
            throw new DataFormatException(path, number, imagePath, "subDirectory_filePath is empty");
        }

        var x = TextFields.Float(Field(1), path, number, "face_x");
        var y = TextFields.Float(Field(2), path, number, "face_y");
        var w = TextFields.Float(Field(3), path, number, "face_width");
        var h = TextFields.Float(Field(4), path, number, "face_height");
        if (w <= 0 || h <= 0)
        {
            throw new DataFormatException(path, number, $"{Field(3)}x{Field(4)}", "face_width and face_height must be positive");
        }

        var landmarks = ParseLandmarks(Field(5), path, number);
        var expression = TextFields.Int(Field(6), path, number, "expression");
        if (expression is < 0 or > 10)
        {
            throw new DataFormatException(path, number, Field(6), "expression must be 0–10");
        }

        var valence = Affect(Field(7), path, number, "valence");
        var arousal = Affect(Field(8), path, number, "arousal");
        return new AffectNetRecord(number, imagePath, x, y, w, h, landmarks, expression, valence, arousal);
    }

    private static float[]? ParseLandmarks(string text, string path, int number)
    {
        if (text.Length == 0)
        {
            return null;
        }

        var parts = text.Split(';', StringSplitOptions.TrimEntries);
        if (parts.Length > 0 && parts[^1].Length == 0)
        {
            parts = parts[..^1];
        }

        if (parts.Length != 2 * PointCount)
        {
            throw new DataFormatException(path, number, $"{parts.Length} values", $"facial_landmarks must hold {2 * PointCount} values x;y;… ({PointCount} points)");
        }

        var values = new float[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            values[i] = TextFields.Float(parts[i], path, number, $"facial_landmarks value {i + 1}");
        }

        return values;
    }

    private static float? Affect(string text, string path, int number, string what)
    {
        var v = TextFields.Float(text, path, number, what);
        if (v == Missing)
        {
            return null;
        }

        return v is < -1f or > 1f ? throw new DataFormatException(path, number, text, $"{what} must lie in [-1, 1] (or be -2 for missing)") : v;
    }
}
