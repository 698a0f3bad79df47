using SkiaSharp;

namespace FaceRep.Data.Tests.Formats;

/// <summary>A temporary directory deleted on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Root = Path.Combine(Path.GetTempPath(), "facerep-formats-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string PathOf(string relative) => Path.Combine(Root, relative);

    public string Write(string relative, byte[] bytes)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public string Write(string relative, string text)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    public string Folder(string relative)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(path);
        return path;
    }

    public void Dispose()
    {
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }
}

/// <summary>Real encoded images (SkiaSharp) and corrupt variants of them.</summary>
internal static class EncodedImages
{
    /// <summary>The colour of pixel (x, y) in <see cref="GradientPng"/>.</summary>
    public static SKColor Gradient(int x, int y) => new((byte)(60 * x), (byte)(70 * y), (byte)(20 * (x + y)));

    /// <summary>A 4×4 PNG whose pixel (x, y) is <see cref="Gradient"/>(x, y).</summary>
    public static byte[] GradientPng() => Png(4, 4, Gradient);

    public static byte[] Png(int width, int height, Func<int, int, SKColor> colour) =>
        Encode(width, height, colour, SKEncodedImageFormat.Png, 100);

    public static byte[] Jpeg(int width, int height, Func<int, int, SKColor> colour, int quality = 95) =>
        Encode(width, height, colour, SKEncodedImageFormat.Jpeg, quality);

    public static byte[] SolidJpeg(int size, SKColor colour) => Jpeg(size, size, (_, _) => colour);

    /// <summary>A noisy 64×64 JPEG cut to 60 % of its length, inside the entropy-coded scan.</summary>
    public static byte[] TruncatedJpeg()
    {
        var random = new Random(7);
        var full = Jpeg(64, 64, (_, _) => new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)), 90);
        return full[..(full.Length * 6 / 10)];
    }

    public static byte[] RandomBytes(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        bytes[0] = 0x42;
        return bytes;
    }

    /// <summary>A valid PNG whose IHDR declares another size (with a correct chunk CRC), so the pixel data no longer fits it.</summary>
    public static byte[] PngWithDeclaredSize(byte[] png, int width, int height)
    {
        var bytes = (byte[])png.Clone();
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(16), width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(20), height);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(29), Crc32(bytes.AsSpan(12, 17)));
        return bytes;
    }

    private static byte[] Encode(int width, int height, Func<int, int, SKColor> colour, SKEncodedImageFormat format, int quality)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                bitmap.SetPixel(x, y, colour(x, y));
            }
        }

        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(format, quality);
        return data.ToArray();
    }

    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
            }
        }

        return ~crc;
    }
}

/// <summary>The committed interop fixtures (written by Fixtures/make_fixtures.py with h5py and scipy).</summary>
internal static class Fixtures
{
    public static string PathOf(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "Formats", "Fixtures", name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"fixture {name} not found above {AppContext.BaseDirectory}");
    }
}
