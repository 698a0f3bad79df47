namespace FaceRep.Data.Formats;

/// <summary>The landmarks of one 300W / AFLW <c>.pts</c> file.</summary>
/// <param name="Path">The file read.</param>
/// <param name="Version">The <c>version:</c> header value.</param>
/// <param name="Points">x0, y0, x1, y1, … in 0-based pixel-centre coordinates (see <see cref="PtsReader"/>).</param>
public sealed record PtsAnnotation(string Path, int Version, float[] Points)
{
    /// <summary>Number of points (the file's <c>n_points</c>).</summary>
    public int PointCount => Points.Length / 2;
}

/// <summary>
/// Reads <c>.pts</c> landmark files:
/// <code>
/// version: 1
/// n_points:  68
/// {
/// x y
/// …
/// }
/// </code>
/// 300W coordinates follow MATLAB's 1-based convention (the centre of the top-left pixel is (1, 1)); the
/// reader subtracts 1 from x and y, giving 0-based pixel-centre coordinates (top-left pixel centre (0, 0)).
/// </summary>
public static class PtsReader
{
    /// <summary>What the reader subtracts from every stored coordinate.</summary>
    public const float OneBasedOffset = 1f;

    /// <summary>Reads and validates one <c>.pts</c> file.</summary>
    public static PtsAnnotation Read(string path)
    {
        int? version = null;
        int? declared = null;
        var open = false;
        var closed = false;
        var points = new List<float>();
        var lastLine = 0;
        foreach (var (number, raw) in TextFields.NumberedLines(path))
        {
            lastLine = number;
            var line = raw.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (closed)
            {
                throw new DataFormatException(path, number, line, "text after the closing '}'");
            }

            if (!open)
            {
                if (TryHeader(line, "version:", out var v))
                {
                    version = TextFields.Int(v, path, number, "version");
                }
                else if (TryHeader(line, "n_points:", out var n))
                {
                    declared = TextFields.Int(n, path, number, "n_points");
                    if (declared <= 0)
                    {
                        throw new DataFormatException(path, number, n, "n_points must be positive");
                    }
                }
                else if (line == "{")
                {
                    if (declared is null)
                    {
                        throw new DataFormatException(path, number, line, "'{' before the n_points header");
                    }

                    open = true;
                }
                else
                {
                    throw new DataFormatException(path, number, line, "expected 'version:', 'n_points:' or '{'");
                }

                continue;
            }

            if (line == "}")
            {
                if (points.Count / 2 != declared)
                {
                    throw new DataFormatException(path, number, line, $"n_points is {declared} but {points.Count / 2} points precede the closing '}}'");
                }

                closed = true;
                continue;
            }

            var fields = TextFields.SplitWhitespace(line);
            if (fields.Length != 2)
            {
                throw new DataFormatException(path, number, line, "a point line must hold exactly two numbers 'x y'");
            }

            if (points.Count / 2 == declared)
            {
                throw new DataFormatException(path, number, line, $"more than n_points = {declared} points");
            }

            points.Add(TextFields.Float(fields[0], path, number, "x") - OneBasedOffset);
            points.Add(TextFields.Float(fields[1], path, number, "y") - OneBasedOffset);
        }

        if (!closed)
        {
            throw new DataFormatException(path, lastLine, null, open ? "missing the closing '}'" : "missing the '{' that opens the points");
        }

        return new PtsAnnotation(path, version ?? 1, [.. points]);
    }

    private static bool TryHeader(string line, string key, out string value)
    {
        if (line.StartsWith(key, StringComparison.OrdinalIgnoreCase))
        {
            value = line[key.Length..].Trim();
            return true;
        }

        value = "";
        return false;
    }
}
