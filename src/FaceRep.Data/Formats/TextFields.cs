using System.Globalization;

namespace FaceRep.Data.Formats;

/// <summary>Invariant-culture parsing of the fields of text annotation files, with errors that name the place.</summary>
internal static class TextFields
{
    private static readonly char[] Whitespace = [' ', '\t'];

    public static string[] SplitWhitespace(string line) => line.Split(Whitespace, StringSplitOptions.RemoveEmptyEntries);

    public static bool TryFloat(string text, out float value) =>
        float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && float.IsFinite(value);

    public static bool TryInt(string text, out int value) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    public static float Float(string text, string file, int line, string what) =>
        TryFloat(text.Trim(), out var v) ? v : throw new DataFormatException(file, line, text, $"{what} is not a finite number");

    public static int Int(string text, string file, int line, string what) =>
        TryInt(text.Trim(), out var v) ? v : throw new DataFormatException(file, line, text, $"{what} is not an integer");

    /// <summary>Splits one CSV line on commas, honouring double quotes ("" inside quotes is a quote).</summary>
    public static List<string> SplitCsv(string line, string file, int lineNumber)
    {
        var fields = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"')
                {
                    if (i + 1 < line.Length && line[i + 1] == '"')
                    {
                        current.Append('"');
                        i++;
                    }
                    else
                    {
                        quoted = false;
                    }
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        if (quoted)
        {
            throw new DataFormatException(file, lineNumber, line, "unterminated quoted field");
        }

        fields.Add(current.ToString());
        return fields;
    }

    /// <summary>The lines of a text file with 1-based numbers; a UTF-8 BOM and trailing '\r' are removed.</summary>
    public static IEnumerable<(int Number, string Text)> NumberedLines(string path)
    {
        var n = 0;
        foreach (var line in File.ReadLines(path))
        {
            n++;
            yield return (n, line.TrimEnd('\r'));
        }
    }
}
