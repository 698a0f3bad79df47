namespace FaceRep.Data.Formats;

/// <summary>The six WFLW attribute flags, in file order.</summary>
public sealed record WflwAttributes(bool Pose, bool Expression, bool Illumination, bool MakeUp, bool Occlusion, bool Blur);

/// <summary>One line of a WFLW annotation file.</summary>
/// <param name="Line">1-based line number in the file.</param>
/// <param name="Points">98 points as x0, y0, …, x97, y97 (196 values, as stored).</param>
/// <param name="XMin">Face box left.</param>
/// <param name="YMin">Face box top.</param>
/// <param name="XMax">Face box right.</param>
/// <param name="YMax">Face box bottom.</param>
/// <param name="Attributes">The six attribute flags.</param>
/// <param name="ImagePath">Image path relative to the WFLW image root.</param>
public sealed record WflwAnnotation(int Line, float[] Points, float XMin, float YMin, float XMax, float YMax, WflwAttributes Attributes, string ImagePath);

/// <summary>
/// Reads WFLW annotation files (<c>list_98pt_rect_attr_train.txt</c> style): one face per line, 196
/// coordinates, the box x_min y_min x_max y_max, six 0/1 flags (pose, expression, illumination, make-up,
/// occlusion, blur) and the image path, separated by whitespace.
/// </summary>
public static class WflwReader
{
    /// <summary>Landmarks per face.</summary>
    public const int PointCount = 98;

    /// <summary>Numeric fields before the path: 196 coordinates, 4 box values, 6 flags.</summary>
    public const int NumericFields = (2 * PointCount) + 4 + 6;

    private static readonly string[] AttributeNames = ["pose", "expression", "illumination", "make-up", "occlusion", "blur"];

    /// <summary>Reads and validates every non-blank line.</summary>
    public static IReadOnlyList<WflwAnnotation> Read(string path)
    {
        var result = new List<WflwAnnotation>();
        foreach (var (number, raw) in TextFields.NumberedLines(path))
        {
            var line = raw.Trim();
            if (line.Length > 0)
            {
                result.Add(ParseLine(line, path, number));
            }
        }

        if (result.Count == 0)
        {
            throw new DataFormatException(path, null, null, "no annotation lines");
        }

        return result;
    }

    /// <summary>Reads every line it can; each line it cannot is passed to <paramref name="bad"/> with why, and left out.</summary>
    public static IReadOnlyList<WflwAnnotation> ReadEach(string path, Action<DataFormatException> bad)
    {
        var result = new List<WflwAnnotation>();
        foreach (var (number, raw) in TextFields.NumberedLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0)
                continue;
            try
            {
                result.Add(ParseLine(line, path, number));
            }
            catch (DataFormatException e)
            {
                bad(e);
            }
        }

        return result;
    }

    private static WflwAnnotation ParseLine(string line, string path, int number)
    {
        var fields = TextFields.SplitWhitespace(line);
        if (fields.Length < NumericFields + 1)
        {
            throw new DataFormatException(path, number, $"{fields.Length} fields", $"expected {NumericFields} numbers and an image path ({NumericFields + 1} fields)");
        }

        var points = new float[2 * PointCount];
        for (var i = 0; i < points.Length; i++)
        {
            points[i] = TextFields.Float(fields[i], path, number, $"coordinate {i + 1}");
        }

        var box = new float[4];
        for (var i = 0; i < 4; i++)
        {
            box[i] = TextFields.Float(fields[(2 * PointCount) + i], path, number, $"box value {i + 1}");
        }

        if (box[2] < box[0] || box[3] < box[1])
        {
            throw new DataFormatException(path, number, string.Join(' ', fields[(2 * PointCount)..((2 * PointCount) + 4)]), "box must satisfy x_min ≤ x_max and y_min ≤ y_max");
        }

        var flags = new bool[6];
        for (var i = 0; i < 6; i++)
        {
            var text = fields[(2 * PointCount) + 4 + i];
            flags[i] = text switch
            {
                "0" => false,
                "1" => true,
                _ => throw new DataFormatException(path, number, text, $"the {AttributeNames[i]} flag must be 0 or 1"),
            };
        }

        var imagePath = string.Join(' ', fields[NumericFields..]);
        if (TextFields.TryFloat(imagePath, out _))
        {
            throw new DataFormatException(path, number, imagePath, "the last field must be an image path, not a number");
        }

        return new WflwAnnotation(
            number, points, box[0], box[1], box[2], box[3],
            new WflwAttributes(flags[0], flags[1], flags[2], flags[3], flags[4], flags[5]),
            imagePath);
    }
}
