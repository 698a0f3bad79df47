using SkiaSharp;

namespace FaceRep.Data.Formats;

/// <summary>An image decoded to planar RGB at a square resolution.</summary>
/// <param name="Pixels">CHW float RGB, length 3·R·R, values in [0, 1].</param>
/// <param name="Resolution">Width and height of <paramref name="Pixels"/>.</param>
/// <param name="OriginalWidth">Width of the encoded image.</param>
/// <param name="OriginalHeight">Height of the encoded image.</param>
public sealed record DecodedImage(float[] Pixels, int Resolution, int OriginalWidth, int OriginalHeight);

/// <summary>
/// Decodes encoded images (JPEG, PNG and the other formats SkiaSharp reads) to CHW float RGB, resized
/// bilinearly to a square (non-square images are stretched; the EXIF orientation is not applied; alpha is
/// dropped without blending). Anything short of a complete decode — unknown bytes, a truncated stream, a
/// zero-size or over-large image — is a <see cref="CorruptSampleException"/> naming the item.
/// </summary>
public static class ImageDecoder
{
    /// <summary>Largest accepted image, in pixels (width × height).</summary>
    public const long MaxPixels = 1L << 28;

    /// <summary>Decodes <paramref name="encoded"/> and resizes it to <paramref name="resolution"/>².</summary>
    /// <param name="encoded">The encoded image bytes.</param>
    /// <param name="resolution">Output width and height, ≥ 1.</param>
    /// <param name="item">The image's name for error messages (a path, or <c>file.h5[images][i]</c>).</param>
    public static DecodedImage Decode(byte[] encoded, int resolution, string item)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        ArgumentOutOfRangeException.ThrowIfLessThan(resolution, 1);
        using var full = DecodeFull(encoded, item);
        var width = full.Width;
        var height = full.Height;
        if (width == resolution && height == resolution)
        {
            return new DecodedImage(ToChw(full), resolution, width, height);
        }

        var target = new SKImageInfo(resolution, resolution, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var resized = full.Resize(target, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.None))
            ?? throw new CorruptSampleException(item, $"cannot resize {width}×{height} to {resolution}×{resolution}");
        return new DecodedImage(ToChw(resized), resolution, width, height);
    }

    /// <summary>Reads and decodes an image file; an unreadable file is reported like a corrupt one.</summary>
    public static DecodedImage DecodeFile(string path, int resolution) => Decode(ReadFile(path), resolution, path);

    /// <summary>Fully decodes <paramref name="encoded"/> without resizing and returns its size.</summary>
    public static (int Width, int Height) Verify(byte[] encoded, string item)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        using var full = DecodeFull(encoded, item);
        return (full.Width, full.Height);
    }

    /// <summary>Reads and fully decodes an image file, returning its size.</summary>
    public static (int Width, int Height) VerifyFile(string path) => Verify(ReadFile(path), path);

    internal static byte[] ReadFile(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CorruptSampleException(path, $"cannot read the file: {e.Message}", e);
        }
    }

    private static SKBitmap DecodeFull(byte[] encoded, string item)
    {
        if (encoded.Length == 0)
        {
            throw new CorruptSampleException(item, "zero-length data");
        }

        using var stream = new SKMemoryStream(encoded);
        using var codec = SKCodec.Create(stream, out var created)
            ?? throw new CorruptSampleException(item, $"not a decodable image ({Describe(created)}; {encoded.Length} bytes starting {Hex(encoded)})");
        var width = codec.Info.Width;
        var height = codec.Info.Height;
        if (width <= 0 || height <= 0)
        {
            throw new CorruptSampleException(item, $"zero-size image ({width}×{height})");
        }

        if ((long)width * height > MaxPixels)
        {
            throw new CorruptSampleException(item, $"declared size {width}×{height} exceeds {MaxPixels} pixels");
        }

        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var bitmap = new SKBitmap(info);
        try
        {
            var result = codec.GetPixels(info, bitmap.GetPixels());
            if (result != SKCodecResult.Success)
            {
                throw new CorruptSampleException(item, $"{codec.EncodedFormat} {width}×{height}: {Describe(result)}");
            }

            return bitmap;
        }
        catch
        {
            bitmap.Dispose();
            throw;
        }
    }

    private static float[] ToChw(SKBitmap bitmap)
    {
        var w = bitmap.Width;
        var h = bitmap.Height;
        var plane = w * h;
        var rowBytes = bitmap.RowBytes;
        var bytes = bitmap.GetPixelSpan();
        var pixels = new float[3 * plane];
        for (var y = 0; y < h; y++)
        {
            var row = bytes.Slice(y * rowBytes, 4 * w);
            var o = y * w;
            for (var x = 0; x < w; x++)
            {
                pixels[o + x] = row[4 * x] / 255f;
                pixels[plane + o + x] = row[(4 * x) + 1] / 255f;
                pixels[(2 * plane) + o + x] = row[(4 * x) + 2] / 255f;
            }
        }

        return pixels;
    }

    private static string Describe(SKCodecResult result) => result switch
    {
        SKCodecResult.IncompleteInput => "truncated data (incomplete input)",
        SKCodecResult.ErrorInInput => "invalid data (error in input)",
        SKCodecResult.Unimplemented => "unrecognised format",
        SKCodecResult.InvalidInput => "invalid input",
        _ => result.ToString(),
    };

    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes, 0, Math.Min(8, bytes.Length));
}
