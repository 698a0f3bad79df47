using System.Buffers;
using SkiaSharp;

namespace FaceRep.Data.Formats;

/// <summary>An image decoded to planar RGB at a square resolution.</summary>
/// <param name="Pixels">CHW float RGB, length 3·R·R, values in [0, 1].</param>
/// <param name="Resolution">Width and height of <paramref name="Pixels"/>.</param>
/// <param name="OriginalWidth">Width of the encoded image once its EXIF orientation is applied.</param>
/// <param name="OriginalHeight">Height of the encoded image once its EXIF orientation is applied.</param>
public sealed record DecodedImage(float[] Pixels, int Resolution, int OriginalWidth, int OriginalHeight);

/// <summary>
/// A rectangle of an image in pixel coordinates of the upright (EXIF-oriented) image: (0, 0) is the top-left
/// corner of the top-left pixel. It may extend beyond the image; the part outside is black.
/// </summary>
/// <param name="X">Left edge.</param>
/// <param name="Y">Top edge.</param>
/// <param name="Width">Width, &gt; 0.</param>
/// <param name="Height">Height, &gt; 0.</param>
public readonly record struct ImageRegion(float X, float Y, float Width, float Height);

/// <summary>
/// Decodes encoded images (JPEG, PNG and the other formats SkiaSharp reads) for dataset import and streaming.
/// <list type="bullet">
/// <item>The EXIF orientation is applied: every size reported and every pixel returned is of the upright image.</item>
/// <item>Any source format is converted to 8-bit RGB: grayscale gives R = G = B, 16-bit channels keep their high
/// byte, palettes are expanded and CMYK JPEGs (Adobe, inverted) are converted to RGB. Embedded colour profiles
/// are not applied.</item>
/// <item>Alpha is composited on black: a pixel of colour c and opacity a becomes c·a (a fully transparent pixel is
/// black whatever colour it stores). Resizing filters the premultiplied colours, so this holds at every size.</item>
/// <item>Resizing is bilinear; a non-square image is stretched to the square. When the target is at most half the
/// encoded size, a JPEG is decoded at the smallest of its reduced scales (n/8, n = 1…8) that still covers the
/// target, then resized. That is several times faster, matches a full decode and resize at half size within about
/// a level, and below half size is closer to an area average of the full image than a bilinear resize of it is
/// (the DCT scaling averages all the pixels; bilinear sampling reads only the 2×2 nearest each output pixel).</item>
/// </list>
/// Anything short of a complete decode — unknown bytes, a truncated stream, a zero-size or over-large image — is a
/// <see cref="CorruptSampleException"/> naming the item. A JPEG whose entropy-coded data is damaged but complete
/// decodes without error (libjpeg-turbo reads past bad Huffman codes), so its pixels are garbage from the damage on:
/// such files can only be caught by looking at the content.
/// </summary>
public static class ImageDecoder
{
    /// <summary>Largest accepted image, in pixels (width × height), for decoded and requested sizes alike.</summary>
    public const long MaxPixels = 1L << 28;

    private static readonly SKSamplingOptions Bilinear = new(SKFilterMode.Linear, SKMipmapMode.None);

    /// <summary><c>ByteToUnit[v] = v / 255f</c>.</summary>
    private static readonly float[] ByteToUnit = Enumerable.Range(0, 256).Select(v => v / 255f).ToArray();

    /// <summary>Decodes <paramref name="encoded"/>, orients it and resizes it to <paramref name="resolution"/>².</summary>
    /// <param name="encoded">The encoded image bytes.</param>
    /// <param name="resolution">Output width and height, ≥ 1.</param>
    /// <param name="item">The image's name for error messages (a path, or <c>file.h5[images][i]</c>).</param>
    public static DecodedImage Decode(byte[] encoded, int resolution, string item)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        CheckSize(resolution, nameof(resolution));
        var pixels = new float[3 * resolution * resolution];
        var (width, height) = DecodeInto(encoded, resolution, pixels, item);
        return new DecodedImage(pixels, resolution, width, height);
    }

    /// <summary>
    /// Decodes <paramref name="encoded"/>, orients it, resizes it to <paramref name="resolution"/>² and writes it to
    /// <paramref name="chw"/> as planar RGB floats in [0, 1] — exactly what <see cref="Decode"/> returns, without
    /// allocating the output.
    /// </summary>
    /// <param name="encoded">The encoded image bytes.</param>
    /// <param name="resolution">Output width and height, ≥ 1.</param>
    /// <param name="chw">Receives the pixels: length 3·<paramref name="resolution"/>².</param>
    /// <param name="item">The image's name for error messages.</param>
    /// <returns>The size of the upright source image.</returns>
    public static (int Width, int Height) DecodeInto(byte[] encoded, int resolution, Span<float> chw, string item)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        CheckSize(resolution, nameof(resolution));
        if (chw.Length != 3L * resolution * resolution)
        {
            throw new ArgumentException($"the output holds {chw.Length} floats, not 3×{resolution}×{resolution}", nameof(chw));
        }

        using var stream = new SKMemoryStream(encoded);
        using var codec = OpenCodec(stream, encoded, item);
        var source = new Orientation(codec);
        var pixels = Render(codec, item, null, resolution, resolution);
        try
        {
            WriteChw(pixels, resolution, resolution, source.Origin, chw);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(pixels);
        }

        return (source.Width, source.Height);
    }

    /// <summary>Reads and decodes an image file; an unreadable file is reported like a corrupt one.</summary>
    public static DecodedImage DecodeFile(string path, int resolution) => Decode(ReadFile(path), resolution, path);

    /// <summary>
    /// Decodes <paramref name="encoded"/>, orients it, takes <paramref name="region"/> of it (the whole image when
    /// null; the part of the region outside the image is black), resizes that bilinearly to
    /// <paramref name="size"/>² and encodes the result as a JPEG.
    /// </summary>
    /// <param name="encoded">The encoded image bytes.</param>
    /// <param name="region">The rectangle to keep, in pixels of the upright image, or null for all of it.</param>
    /// <param name="size">Output width and height, ≥ 1.</param>
    /// <param name="quality">JPEG quality, 1–100.</param>
    /// <param name="item">The image's name for error messages.</param>
    public static byte[] CropResizeEncode(byte[] encoded, ImageRegion? region, int size, int quality, string item)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        CheckSize(size, nameof(size));
        ArgumentOutOfRangeException.ThrowIfLessThan(quality, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quality, 100);
        if (region is { } r && !(float.IsFinite(r.X) && float.IsFinite(r.Y) && float.IsFinite(r.Width) && float.IsFinite(r.Height) && r.Width > 0 && r.Height > 0))
        {
            throw new ArgumentException($"the region {r} must be finite with a positive width and height", nameof(region));
        }

        using var stream = new SKMemoryStream(encoded);
        using var codec = OpenCodec(stream, encoded, item);
        var source = new Orientation(codec);
        SKRect? crop = region is { } rect ? source.ToEncoded(rect) : null;
        var pixels = Render(codec, item, crop, size, size);
        var upright = ArrayPool<byte>.Shared.Rent(4 * size * size);
        try
        {
            WriteOpaqueRgba(pixels, size, size, source.Origin, upright);
            return EncodeJpeg(upright, size, size, quality, item);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(upright);
            ArrayPool<byte>.Shared.Return(pixels);
        }
    }

    /// <summary>
    /// Warps the upright image by <paramref name="toCrop"/> (image pixel-centre coordinates to the crop's) into a
    /// <paramref name="size"/>-pixel square, sampling bilinearly (black outside the image), as OpenCV's <c>warpAffine</c>
    /// does for insightface's aligned faces; encoded as a JPEG.
    /// </summary>
    public static byte[] WarpEncode(byte[] encoded, Benchmarks.Similarity toCrop, int size, int quality, string item)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        CheckSize(size, nameof(size));
        if (!(double.IsFinite(toCrop.A) && double.IsFinite(toCrop.B) && double.IsFinite(toCrop.Tx) && double.IsFinite(toCrop.Ty) && toCrop.Scale > 0))
            throw new ArgumentException($"the map {toCrop} must be finite and not collapse the image", nameof(toCrop));
        using var stream = new SKMemoryStream(encoded);
        using var codec = OpenCodec(stream, encoded, item);
        var source = new Orientation(codec);
        var (w, h) = (source.Width, source.Height);
        var pixels = Render(codec, item, null, w, h);
        var upright = new byte[4 * w * h];
        var output = new byte[4 * size * size];
        try
        {
            WriteOpaqueRgba(pixels, codec.Info.Width, codec.Info.Height, source.Origin, upright);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(pixels);
        }

        var back = toCrop.Inverse();
        for (var v = 0; v < size; v++)
        {
            for (var u = 0; u < size; u++)
            {
                var (x, y) = back.Apply(u, v);
                var (x0, y0) = ((int)Math.Floor(x), (int)Math.Floor(y));
                var (fx, fy) = (x - x0, y - y0);
                var o = 4 * ((v * size) + u);
                for (var c = 0; c < 3; c++)
                {
                    double Pixel(int px, int py) => px < 0 || py < 0 || px >= w || py >= h ? 0 : upright[(4 * ((py * w) + px)) + c];
                    var value = ((1 - fy) * (((1 - fx) * Pixel(x0, y0)) + (fx * Pixel(x0 + 1, y0)))) + (fy * (((1 - fx) * Pixel(x0, y0 + 1)) + (fx * Pixel(x0 + 1, y0 + 1))));
                    output[o + c] = (byte)Math.Clamp((int)Math.Round(value), 0, 255);
                }

                output[o + 3] = 255;
            }
        }

        return EncodeJpeg(output, size, size, quality, item);
    }

    /// <summary>Encodes opaque RGBA pixels (4 bytes each, rows top to bottom; at least width × height of them) as a JPEG.</summary>
    public static byte[] EncodeJpeg(byte[] rgba, int width, int height, int quality, string item)
    {
        ArgumentNullException.ThrowIfNull(rgba);
        ArgumentOutOfRangeException.ThrowIfLessThan(rgba.Length, 4 * width * height);
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        unsafe
        {
            fixed (byte* p = rgba)
            {
                using var pixmap = new SKPixmap(info, (IntPtr)p);
                using var data = pixmap.Encode(new SKJpegEncoderOptions(quality))
                    ?? throw new InvalidOperationException($"{item}: the JPEG encoder failed on a {width}×{height} image");
                return data.ToArray();
            }
        }
    }

    /// <summary>
    /// Reads only the header of <paramref name="encoded"/> (no pixel is decoded) and returns the size of the
    /// upright image. Data no codec recognises, a zero-size or an over-large image throws.
    /// </summary>
    public static (int Width, int Height) Probe(byte[] encoded, string item)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        using var stream = new SKMemoryStream(encoded);
        using var codec = OpenCodec(stream, encoded, item);
        var source = new Orientation(codec);
        return (source.Width, source.Height);
    }

    /// <summary>Fully decodes <paramref name="encoded"/> without resizing and returns the size of the upright image.</summary>
    public static (int Width, int Height) Verify(byte[] encoded, string item)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        using var stream = new SKMemoryStream(encoded);
        using var codec = OpenCodec(stream, encoded, item);
        var source = new Orientation(codec);
        ArrayPool<byte>.Shared.Return(Render(codec, item, null, source.Width, source.Height));
        return (source.Width, source.Height);
    }

    /// <summary>Reads and fully decodes an image file, returning the size of the upright image.</summary>
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

    /// <summary>
    /// The size <paramref name="codec"/> decodes at so that the image is at least <paramref name="needWidth"/> ×
    /// <paramref name="needHeight"/> (encoded orientation): the smallest reduced scale that covers it when the need
    /// is at most half the encoded size and the codec can scale (JPEG: n/8), else the full size.
    /// </summary>
    internal static SKSizeI DecodeSize(SKCodec codec, double needWidth, double needHeight)
    {
        var full = codec.Info.Size;
        if (2 * needWidth > full.Width || 2 * needHeight > full.Height)
        {
            return full;
        }

        for (var n = 1; n < 8; n++)
        {
            var scaled = codec.GetScaledDimensions(n / 8f);
            if (scaled.Width >= needWidth && scaled.Height >= needHeight && scaled.Width <= full.Width && scaled.Height <= full.Height)
            {
                return scaled;
            }
        }

        return full;
    }

    /// <summary>The full upright image as RGBA rows (alpha composited on black, then opaque): for tests.</summary>
    internal static SKBitmap DecodeUpright(byte[] encoded, string item)
    {
        using var stream = new SKMemoryStream(encoded);
        using var codec = OpenCodec(stream, encoded, item);
        var source = new Orientation(codec);
        var (w, h) = (codec.Info.Width, codec.Info.Height);
        var pixels = Render(codec, item, null, source.Width, source.Height);
        try
        {
            var bitmap = new SKBitmap(new SKImageInfo(source.Width, source.Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
            WriteOpaqueRgba(pixels, w, h, source.Origin, bitmap.GetPixelSpan());
            return bitmap;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(pixels);
        }
    }

    private static void CheckSize(int size, string name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1, name);
        if ((long)size * size > MaxPixels)
        {
            throw new ArgumentOutOfRangeException(name, size, $"{size}×{size} exceeds {MaxPixels} pixels");
        }
    }

    private static SKCodec OpenCodec(SKMemoryStream stream, byte[] encoded, string item)
    {
        if (encoded.Length == 0)
        {
            throw new CorruptSampleException(item, "zero-length data");
        }

        var codec = SKCodec.Create(stream, out var created)
            ?? throw new CorruptSampleException(item, $"not a decodable image ({Describe(created)}; {encoded.Length} bytes starting {Hex(encoded)})");
        var width = codec.Info.Width;
        var height = codec.Info.Height;
        if (width <= 0 || height <= 0)
        {
            codec.Dispose();
            throw new CorruptSampleException(item, $"zero-size image ({width}×{height})");
        }

        if ((long)width * height > MaxPixels)
        {
            codec.Dispose();
            throw new CorruptSampleException(item, $"declared size {width}×{height} exceeds {MaxPixels} pixels");
        }

        return codec;
    }

    /// <summary>
    /// Decodes <paramref name="codec"/>'s image, in its encoded orientation, and resizes <paramref name="crop"/>
    /// of it (the whole image when null; encoded pixel coordinates) to <paramref name="width"/> ×
    /// <paramref name="height"/> given in upright orientation. Returns pooled RGBA rows (4·w bytes each) of the
    /// result in the encoded orientation; the caller returns the array to <see cref="ArrayPool{T}.Shared"/>.
    /// </summary>
    private static byte[] Render(SKCodec codec, string item, SKRect? crop, int width, int height)
    {
        var encodedInfo = codec.Info;
        var (targetWidth, targetHeight) = Orientation.Transposes(codec.EncodedOrigin) ? (height, width) : (width, height);
        var area = crop ?? SKRect.Create(encodedInfo.Width, encodedInfo.Height);
        var decodeSize = DecodeSize(
            codec,
            (double)encodedInfo.Width * targetWidth / area.Width,
            (double)encodedInfo.Height * targetHeight / area.Height);
        var alpha = encodedInfo.AlphaType == SKAlphaType.Opaque ? SKAlphaType.Opaque : SKAlphaType.Premul;
        var decodeInfo = new SKImageInfo(decodeSize.Width, decodeSize.Height, SKColorType.Rgba8888, alpha);
        byte[]? decoded = ArrayPool<byte>.Shared.Rent(decodeInfo.BytesSize);
        try
        {
            DecodePixels(codec, decodeInfo, decoded, item);
            if (crop is null && decodeSize.Width == targetWidth && decodeSize.Height == targetHeight)
            {
                var whole = decoded;
                decoded = null;
                return whole;
            }

            var targetInfo = new SKImageInfo(targetWidth, targetHeight, SKColorType.Rgba8888, alpha);
            var target = ArrayPool<byte>.Shared.Rent(targetInfo.BytesSize);
            try
            {
                Resample(decodeInfo, decoded, crop, encodedInfo.Size, targetInfo, target, item);
                return target;
            }
            catch
            {
                ArrayPool<byte>.Shared.Return(target);
                throw;
            }
        }
        finally
        {
            if (decoded is not null)
            {
                ArrayPool<byte>.Shared.Return(decoded);
            }
        }
    }

    private static unsafe void DecodePixels(SKCodec codec, SKImageInfo info, byte[] pixels, string item)
    {
        SKCodecResult result;
        fixed (byte* p = pixels)
        {
            result = codec.GetPixels(info, (IntPtr)p);
        }

        if (result != SKCodecResult.Success)
        {
            throw new CorruptSampleException(item, $"{codec.EncodedFormat} {codec.Info.Width}×{codec.Info.Height}: {Describe(result)}");
        }
    }

    /// <summary>
    /// Resizes the decoded pixels, or the part of them that <paramref name="crop"/> (full-size encoded pixel
    /// coordinates) covers, bilinearly into the target.
    /// </summary>
    private static unsafe void Resample(SKImageInfo decodeInfo, byte[] decoded, SKRect? crop, SKSizeI encodedSize, SKImageInfo targetInfo, byte[] target, string item)
    {
        fixed (byte* src = decoded)
        fixed (byte* dst = target)
        {
            using var srcPixmap = new SKPixmap(decodeInfo, (IntPtr)src);
            if (crop is { } c)
            {
                DrawCrop(srcPixmap, c, encodedSize, targetInfo.WithAlphaType(SKAlphaType.Premul), (IntPtr)dst, item);
                return;
            }

            using var dstPixmap = new SKPixmap(targetInfo, (IntPtr)dst);
            if (!srcPixmap.ScalePixels(dstPixmap, Bilinear))
            {
                throw new CorruptSampleException(item, $"cannot resize {decodeInfo.Width}×{decodeInfo.Height} to {targetInfo.Width}×{targetInfo.Height}");
            }
        }
    }

    /// <summary>Draws <paramref name="crop"/> (in full-size encoded pixels) of the decoded image over black, filling the target.</summary>
    private static void DrawCrop(SKPixmap decoded, SKRect crop, SKSizeI encodedSize, SKImageInfo targetInfo, IntPtr target, string item)
    {
        using var surface = SKSurface.Create(targetInfo, target, targetInfo.RowBytes)
            ?? throw new InvalidOperationException($"{item}: cannot draw into a {targetInfo.Width}×{targetInfo.Height} image");
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.Black);
        var fx = (float)decoded.Width / encodedSize.Width;
        var fy = (float)decoded.Height / encodedSize.Height;
        var src = new SKRect(crop.Left * fx, crop.Top * fy, crop.Right * fx, crop.Bottom * fy);
        var visible = SKRect.Intersect(src, SKRect.Create(decoded.Width, decoded.Height));
        if (visible.Width <= 0 || visible.Height <= 0)
        {
            return;
        }

        var sx = targetInfo.Width / src.Width;
        var sy = targetInfo.Height / src.Height;
        var dst = new SKRect(
            (visible.Left - src.Left) * sx,
            (visible.Top - src.Top) * sy,
            (visible.Right - src.Left) * sx,
            (visible.Bottom - src.Top) * sy);
        using var image = SKImage.FromPixels(decoded)
            ?? throw new InvalidOperationException($"{item}: cannot wrap the decoded pixels");
        canvas.DrawImage(image, visible, dst, Bilinear);
    }

    /// <summary>Writes the RGB of <paramref name="rgba"/> (w × h, encoded orientation) upright as planar floats.</summary>
    private static void WriteChw(ReadOnlySpan<byte> rgba, int w, int h, SKEncodedOrigin origin, Span<float> chw)
    {
        var (start, dx, dy) = Orientation.Walk(origin, w, h);
        var (ow, oh) = Orientation.Transposes(origin) ? (h, w) : (w, h);
        var plane = ow * oh;
        var red = chw[..plane];
        var green = chw.Slice(plane, plane);
        var blue = chw.Slice(2 * plane, plane);
        var unit = ByteToUnit;
        for (var y = 0; y < oh; y++)
        {
            var i = 4 * (start + (y * dy));
            var o = y * ow;
            for (var x = 0; x < ow; x++, i += 4 * dx)
            {
                red[o + x] = unit[rgba[i]];
                green[o + x] = unit[rgba[i + 1]];
                blue[o + x] = unit[rgba[i + 2]];
            }
        }
    }

    /// <summary>Writes <paramref name="rgba"/> (w × h, encoded orientation) upright as RGBA rows with alpha 255.</summary>
    private static void WriteOpaqueRgba(ReadOnlySpan<byte> rgba, int w, int h, SKEncodedOrigin origin, Span<byte> upright)
    {
        var (start, dx, dy) = Orientation.Walk(origin, w, h);
        var (ow, oh) = Orientation.Transposes(origin) ? (h, w) : (w, h);
        for (var y = 0; y < oh; y++)
        {
            var i = 4 * (start + (y * dy));
            var o = 4 * y * ow;
            for (var x = 0; x < ow; x++, i += 4 * dx, o += 4)
            {
                upright[o] = rgba[i];
                upright[o + 1] = rgba[i + 1];
                upright[o + 2] = rgba[i + 2];
                upright[o + 3] = 255;
            }
        }
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

    /// <summary>An encoded image's EXIF orientation and the geometry it implies.</summary>
    private readonly struct Orientation
    {
        public Orientation(SKCodec codec)
        {
            Origin = codec.EncodedOrigin;
            EncodedWidth = codec.Info.Width;
            EncodedHeight = codec.Info.Height;
        }

        public SKEncodedOrigin Origin { get; }

        public int EncodedWidth { get; }

        public int EncodedHeight { get; }

        /// <summary>Width of the upright image.</summary>
        public int Width => Transposes(Origin) ? EncodedHeight : EncodedWidth;

        /// <summary>Height of the upright image.</summary>
        public int Height => Transposes(Origin) ? EncodedWidth : EncodedHeight;

        /// <summary>Whether showing the image upright swaps its rows and columns (EXIF orientations 5–8).</summary>
        public static bool Transposes(SKEncodedOrigin origin) =>
            origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;

        /// <summary>
        /// How to read a w × h image stored in <paramref name="origin"/> orientation upright: upright pixel (x, y)
        /// is stored at index start + x·dx + y·dy (row-major, in pixels).
        /// </summary>
        public static (int Start, int Dx, int Dy) Walk(SKEncodedOrigin origin, int w, int h)
        {
            var last = (h - 1) * w;
            return origin switch
            {
                SKEncodedOrigin.TopRight => (w - 1, -1, w),
                SKEncodedOrigin.BottomRight => (last + w - 1, -1, -w),
                SKEncodedOrigin.BottomLeft => (last, 1, -w),
                SKEncodedOrigin.LeftTop => (0, w, 1),
                SKEncodedOrigin.RightTop => (last, -w, 1),
                SKEncodedOrigin.RightBottom => (last + w - 1, -w, -1),
                SKEncodedOrigin.LeftBottom => (w - 1, w, -1),
                _ => (0, 1, w),
            };
        }

        /// <summary>Maps a rectangle of the upright image to the stored (encoded) image's coordinates.</summary>
        public SKRect ToEncoded(ImageRegion r)
        {
            var (w, h) = (EncodedWidth, EncodedHeight);
            var (a, b) = (Map(r.X, r.Y, w, h), Map(r.X + r.Width, r.Y + r.Height, w, h));
            return new SKRect(Math.Min(a.X, b.X), Math.Min(a.Y, b.Y), Math.Max(a.X, b.X), Math.Max(a.Y, b.Y));
        }

        /// <summary>The stored-image point shown at upright point (u, v).</summary>
        private SKPoint Map(float u, float v, int w, int h) => Origin switch
        {
            SKEncodedOrigin.TopRight => new(w - u, v),
            SKEncodedOrigin.BottomRight => new(w - u, h - v),
            SKEncodedOrigin.BottomLeft => new(u, h - v),
            SKEncodedOrigin.LeftTop => new(v, u),
            SKEncodedOrigin.RightTop => new(v, h - u),
            SKEncodedOrigin.RightBottom => new(w - v, h - u),
            SKEncodedOrigin.LeftBottom => new(w - v, u),
            _ => new(u, v),
        };
    }
}
