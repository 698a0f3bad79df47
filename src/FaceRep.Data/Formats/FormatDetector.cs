using System.Text;

namespace FaceRep.Data.Formats;

/// <summary>The face-data formats the readers understand.</summary>
public enum DatasetFormat
{
    /// <summary>Not recognised.</summary>
    Unknown,

    /// <summary>A directory of identity folders of images (VGGFace2 layout), read by <see cref="ImageFolderReader"/>.</summary>
    ImageFolders,

    /// <summary>An HDF5 file of encoded images, read by <see cref="Hdf5ImageFile"/>.</summary>
    Hdf5Images,

    /// <summary>A 300W/AFLW <c>.pts</c> file, or a directory holding them, read by <see cref="PtsReader"/>.</summary>
    Pts,

    /// <summary>A WFLW annotation list, read by <see cref="WflwReader"/>.</summary>
    WflwAnnotations,

    /// <summary>An AFLW2000-3D MATLAB v5 <c>.mat</c> file, or a directory holding them, read by <see cref="Aflw2000Reader"/>.</summary>
    Aflw2000Mat,

    /// <summary>DISFA-style per-AU intensity files (one file or a directory), read by <see cref="DisfaAuReader"/>.</summary>
    DisfaAu,

    /// <summary>An AffectNet-style CSV, read by <see cref="AffectNetReader"/>.</summary>
    AffectNetCsv,

    /// <summary>An LFW-style verification pairs file, read by <see cref="VerificationPairsReader"/>.</summary>
    VerificationPairs,
}

/// <summary>Recognises face-data formats by content signatures, not by file extension alone.</summary>
public static class FormatDetector
{
    private const int PrefixBytes = 64 * 1024;
    private const int MaxScannedFiles = 20_000;
    private static readonly EnumerationOptions Recursive = new() { RecurseSubdirectories = true, IgnoreInaccessible = true };
    private static readonly byte[] Hdf5Magic = [0x89, (byte)'H', (byte)'D', (byte)'F', (byte)'\r', (byte)'\n', 0x1A, (byte)'\n'];

    /// <summary>The format of the file or directory at <paramref name="path"/>.</summary>
    public static DatasetFormat Detect(string path)
    {
        if (Directory.Exists(path))
        {
            return DetectDirectory(path);
        }

        return File.Exists(path) ? DetectFile(path) : throw new FileNotFoundException($"{path}: no such file or directory", path);
    }

    /// <summary>True when <paramref name="prefix"/> starts with a MATLAB level-5 header.</summary>
    internal static bool IsMat5(ReadOnlySpan<byte> prefix) => prefix.StartsWith(Encoding.ASCII.GetBytes(MatFile.Signature));

    private static DatasetFormat DetectFile(string path)
    {
        var prefix = ReadPrefix(path, PrefixBytes);
        if (IsMat5(prefix))
        {
            return DatasetFormat.Aflw2000Mat;
        }

        if (prefix.AsSpan().StartsWith(Encoding.ASCII.GetBytes(MatFile.Signature73)))
        {
            return DatasetFormat.Unknown;
        }

        if (HasHdf5Signature(path, prefix))
        {
            return DatasetFormat.Hdf5Images;
        }

        if (prefix.Length == 0 || prefix.AsSpan().Contains((byte)0))
        {
            return DatasetFormat.Unknown;
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(prefix);
        }
        catch (DecoderFallbackException)
        {
            if (prefix.Length < PrefixBytes)
            {
                return DatasetFormat.Unknown;
            }

            text = Encoding.UTF8.GetString(prefix);
        }

        var lines = text.TrimStart('\uFEFF').Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).Take(5).ToList();
        return lines.Count == 0 ? DatasetFormat.Unknown : DetectText(path, lines);
    }

    private static DatasetFormat DetectText(string path, List<string> lines)
    {
        var first = lines[0];
        if (first.StartsWith("version:", StringComparison.OrdinalIgnoreCase)
            || lines.Take(3).Any(l => l.StartsWith("n_points:", StringComparison.OrdinalIgnoreCase)))
        {
            return DatasetFormat.Pts;
        }

        var header = first.Split(',').Select(h => h.Trim().Trim('"')).ToHashSet(StringComparer.Ordinal);
        if (AffectNetReader.Columns.All(header.Contains))
        {
            return DatasetFormat.AffectNetCsv;
        }

        if (DisfaAuReader.IsAuFile(path) && IsFrameIntensity(first))
        {
            return DatasetFormat.DisfaAu;
        }

        var tokens = TextFields.SplitWhitespace(first);
        if (tokens.Length > WflwReader.NumericFields && tokens.Take(WflwReader.NumericFields).All(t => TextFields.TryFloat(t, out _)))
        {
            return DatasetFormat.WflwAnnotations;
        }

        if (tokens.Length is 1 or 2 && tokens.All(t => TextFields.TryInt(t, out var n) && n > 0) && lines.Count > 1 && IsPairLine(lines[1]))
        {
            return DatasetFormat.VerificationPairs;
        }

        return DatasetFormat.Unknown;
    }

    private static bool IsFrameIntensity(string line)
    {
        var parts = line.Split(',', StringSplitOptions.TrimEntries);
        return parts.Length == 2 && TextFields.TryInt(parts[0], out _) && TextFields.TryInt(parts[1], out _);
    }

    private static bool IsPairLine(string line)
    {
        var f = TextFields.SplitWhitespace(line);
        static bool IsName(string s) => !TextFields.TryFloat(s, out _);
        static bool IsNumber(string s) => TextFields.TryInt(s, out var n) && n > 0;
        return f.Length switch
        {
            3 => IsName(f[0]) && IsNumber(f[1]) && IsNumber(f[2]),
            4 => IsName(f[0]) && IsNumber(f[1]) && IsName(f[2]) && IsNumber(f[3]),
            _ => false,
        };
    }

    private static DatasetFormat DetectDirectory(string path)
    {
        var files = Directory.EnumerateFiles(path, "*", Recursive).Take(MaxScannedFiles).ToList();
        if (files.Any(DisfaAuReader.IsAuFile))
        {
            return DatasetFormat.DisfaAu;
        }

        if (files.Where(f => f.EndsWith(".mat", StringComparison.OrdinalIgnoreCase)).Take(8).Any(f => IsMat5(ReadPrefix(f, 128))))
        {
            return DatasetFormat.Aflw2000Mat;
        }

        if (files.Any(f => f.EndsWith(".pts", StringComparison.OrdinalIgnoreCase)))
        {
            return DatasetFormat.Pts;
        }

        var hasIdentityFolder = Directory.EnumerateDirectories(path)
            .Any(d => Directory.EnumerateFiles(d).Any(ImageFolderReader.IsImage));
        return hasIdentityFolder ? DatasetFormat.ImageFolders : DatasetFormat.Unknown;
    }

    private static bool HasHdf5Signature(string path, byte[] prefix)
    {
        if (prefix.AsSpan().StartsWith(Hdf5Magic))
        {
            return true;
        }

        var length = new FileInfo(path).Length;
        using var stream = File.OpenRead(path);
        var buffer = new byte[Hdf5Magic.Length];
        for (long offset = 512; offset + Hdf5Magic.Length <= length && offset <= 1L << 20; offset *= 2)
        {
            stream.Position = offset;
            stream.ReadExactly(buffer);
            if (buffer.AsSpan().SequenceEqual(Hdf5Magic))
            {
                return true;
            }
        }

        return false;
    }

    private static byte[] ReadPrefix(string path, int count)
    {
        using var stream = File.OpenRead(path);
        var buffer = new byte[(int)Math.Min(count, stream.Length)];
        stream.ReadExactly(buffer);
        return buffer;
    }
}
