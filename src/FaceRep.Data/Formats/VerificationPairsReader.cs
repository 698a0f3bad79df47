using System.Globalization;

namespace FaceRep.Data.Formats;

/// <summary>One verification pair.</summary>
/// <param name="Line">1-based line number in the file.</param>
/// <param name="Fold">0-based fold index.</param>
/// <param name="Same">True for a same-person pair.</param>
/// <param name="NameA">First person.</param>
/// <param name="ImageA">First image number (1-based, as in the file).</param>
/// <param name="NameB">Second person (equal to <paramref name="NameA"/> when <paramref name="Same"/>).</param>
/// <param name="ImageB">Second image number.</param>
public sealed record VerificationPair(int Line, int Fold, bool Same, string NameA, int ImageA, string NameB, int ImageB)
{
    /// <summary>First image, relative to the image root: <c>name/name_%04d.jpg</c>.</summary>
    public string PathA => VerificationPairsReader.ImagePath(NameA, ImageA);

    /// <summary>Second image, relative to the image root.</summary>
    public string PathB => VerificationPairsReader.ImagePath(NameB, ImageB);
}

/// <summary>The pairs of a verification protocol file.</summary>
/// <param name="Path">The file read.</param>
/// <param name="Folds">Number of folds.</param>
/// <param name="PairsPerFold">Same-person pairs per fold (and different-person pairs per fold).</param>
/// <param name="Pairs">All pairs in file order.</param>
public sealed record VerificationPairs(string Path, int Folds, int PairsPerFold, IReadOnlyList<VerificationPair> Pairs);

/// <summary>
/// Reads LFW-style <c>pairs.txt</c>: a first line <c>folds pairs_per_fold</c> (or a single count, meaning one
/// fold), then per fold <c>pairs_per_fold</c> same-person lines <c>name n1 n2</c> and as many different-person
/// lines <c>name1 n1 name2 n2</c>. Images are <c>name/name_%04d.jpg</c>.
/// </summary>
public static class VerificationPairsReader
{
    /// <summary>The relative path of image <paramref name="number"/> of <paramref name="name"/>.</summary>
    public static string ImagePath(string name, int number) =>
        string.Create(CultureInfo.InvariantCulture, $"{name}/{name}_{number:D4}.jpg");

    /// <summary>Reads and validates the whole file.</summary>
    public static VerificationPairs Read(string path)
    {
        int? folds = null;
        var perFold = 0;
        var pairs = new List<VerificationPair>();
        var lastLine = 0;
        foreach (var (number, raw) in TextFields.NumberedLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            lastLine = number;
            var f = TextFields.SplitWhitespace(line);
            if (folds is null)
            {
                (folds, perFold) = Header(f, line, path, number);
                continue;
            }

            var fold = pairs.Count / (2 * perFold);
            if (fold >= folds)
            {
                throw new DataFormatException(path, number, line, $"more pairs than {folds} folds × 2 × {perFold}");
            }

            pairs.Add(f.Length switch
            {
                3 => new VerificationPair(number, fold, true, Name(f[0], path, number), Image(f[1], path, number), f[0], Image(f[2], path, number)),
                4 => Different(f, path, number, fold),
                _ => throw new DataFormatException(path, number, line, "expected 'name n1 n2' (same person) or 'name1 n1 name2 n2' (different people)"),
            });
        }

        if (folds is null)
        {
            throw new DataFormatException(path, null, null, "empty file: no header");
        }

        var expected = folds.Value * 2 * perFold;
        if (pairs.Count != expected)
        {
            throw new DataFormatException(path, lastLine, $"{pairs.Count} pairs", $"the header promises {folds} folds × 2 × {perFold} = {expected} pairs");
        }

        for (var k = 0; k < folds; k++)
        {
            var foldPairs = pairs.Skip(k * 2 * perFold).Take(2 * perFold).ToList();
            var same = foldPairs.Count(p => p.Same);
            if (same != perFold)
            {
                throw new DataFormatException(
                    path, foldPairs[0].Line, $"{same} same-person pairs",
                    $"fold {k} (lines {foldPairs[0].Line}–{foldPairs[^1].Line}) must hold {perFold} same-person and {perFold} different-person pairs");
            }
        }

        return new VerificationPairs(path, folds.Value, perFold, pairs);
    }

    private static (int Folds, int PerFold) Header(string[] f, string line, string path, int number)
    {
        if (f.Length is < 1 or > 2 || !f.All(x => TextFields.TryInt(x, out var v) && v > 0))
        {
            throw new DataFormatException(path, number, line, "first line must be 'folds pairs_per_fold' or a single pair count (positive integers)");
        }

        return f.Length == 2 ? (int.Parse(f[0], CultureInfo.InvariantCulture), int.Parse(f[1], CultureInfo.InvariantCulture)) : (1, int.Parse(f[0], CultureInfo.InvariantCulture));
    }

    private static VerificationPair Different(string[] f, string path, int number, int fold)
    {
        var a = Name(f[0], path, number);
        var b = Name(f[2], path, number);
        if (string.Equals(a, b, StringComparison.Ordinal))
        {
            throw new DataFormatException(path, number, string.Join(' ', f), "a different-person line names the same person twice");
        }

        return new VerificationPair(number, fold, false, a, Image(f[1], path, number), b, Image(f[3], path, number));
    }

    private static string Name(string text, string path, int number) =>
        TextFields.TryInt(text, out _) ? throw new DataFormatException(path, number, text, "expected a person's name, found a number") : text;

    private static int Image(string text, string path, int number)
    {
        var n = TextFields.Int(text, path, number, "image number");
        return n >= 1 ? n : throw new DataFormatException(path, number, text, "image numbers start at 1");
    }
}
