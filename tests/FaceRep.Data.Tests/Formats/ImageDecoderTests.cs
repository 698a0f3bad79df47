using FaceRep.Data.Formats;
using SkiaSharp;

namespace FaceRep.Data.Tests.Formats;

public sealed class ImageDecoderTests
{
    [Fact]
    public void Decode_png_at_its_own_size_returns_exact_planar_rgb()
    {
        var png = EncodedImages.GradientPng();

        var image = ImageDecoder.Decode(png, 4, "gradient.png");

        Assert.Equal(4, image.Resolution);
        Assert.Equal((4, 4), (image.OriginalWidth, image.OriginalHeight));
        Assert.Equal(3 * 16, image.Pixels.Length);
        for (var y = 0; y < 4; y++)
        {
            for (var x = 0; x < 4; x++)
            {
                var c = EncodedImages.Gradient(x, y);
                var i = (y * 4) + x;
                Assert.Equal(c.Red / 255f, image.Pixels[i]);
                Assert.Equal(c.Green / 255f, image.Pixels[16 + i]);
                Assert.Equal(c.Blue / 255f, image.Pixels[32 + i]);
            }
        }
    }

    [Fact]
    public void Decode_resizes_to_the_requested_square_and_reports_the_original_size()
    {
        var red = new SKColor(255, 0, 0);
        var blue = new SKColor(0, 0, 255);
        var png = EncodedImages.Png(40, 20, (x, _) => x < 20 ? red : blue);

        var image = ImageDecoder.Decode(png, 8, "halves.png");

        Assert.Equal((40, 20), (image.OriginalWidth, image.OriginalHeight));
        Assert.Equal(3 * 64, image.Pixels.Length);
        var plane = 64;
        Assert.Equal(1f, image.Pixels[(4 * 8) + 1]);
        Assert.Equal(0f, image.Pixels[(2 * plane) + (4 * 8) + 1]);
        Assert.Equal(0f, image.Pixels[(4 * 8) + 6]);
        Assert.Equal(1f, image.Pixels[(2 * plane) + (4 * 8) + 6]);
        var boundary = image.Pixels[(4 * 8) + 3];
        Assert.InRange(boundary, 0.5f, 1f);
    }

    [Fact]
    public void Decode_resize_blends_neighbours_bilinearly()
    {
        var png = EncodedImages.Png(2, 1, (x, _) => x == 0 ? new SKColor(0, 0, 0) : new SKColor(255, 255, 255));

        var image = ImageDecoder.Decode(png, 4, "two.png");

        var row = Enumerable.Range(0, 4).Select(x => image.Pixels[x]).ToArray();
        Assert.Equal(0f, row[0], 0.02f);
        Assert.InRange(row[1], 0.1f, 0.4f);
        Assert.InRange(row[2], 0.6f, 0.9f);
        Assert.Equal(1f, row[3], 0.02f);
    }

    [Fact]
    public void Decode_jpeg_returns_its_colour_within_compression_error()
    {
        var jpeg = EncodedImages.SolidJpeg(16, new SKColor(200, 100, 50));

        var image = ImageDecoder.Decode(jpeg, 16, "solid.jpg");

        Assert.All(image.Pixels.Take(256), v => Assert.Equal(200 / 255f, v, 3 / 255f));
        Assert.All(image.Pixels.Skip(256).Take(256), v => Assert.Equal(100 / 255f, v, 3 / 255f));
        Assert.All(image.Pixels.Skip(512), v => Assert.Equal(50 / 255f, v, 3 / 255f));
    }

    [Fact]
    public void Decode_random_bytes_throws_naming_the_item_and_the_reason()
    {
        var bytes = EncodedImages.RandomBytes(500, 1);

        var e = Assert.Throws<CorruptSampleException>(() => ImageDecoder.Decode(bytes, 8, "faces/x.jpg"));

        Assert.Equal("faces/x.jpg", e.Item);
        Assert.Contains("not a decodable image", e.Reason, StringComparison.Ordinal);
        Assert.StartsWith("faces/x.jpg: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_truncated_jpeg_throws_rather_than_returning_a_partial_image()
    {
        var truncated = EncodedImages.TruncatedJpeg();

        var e = Assert.Throws<CorruptSampleException>(() => ImageDecoder.Decode(truncated, 8, "cut.jpg"));

        Assert.Contains("truncated", e.Reason, StringComparison.Ordinal);
        Assert.Contains("Jpeg 64×64", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_zero_length_data_throws()
    {
        var e = Assert.Throws<CorruptSampleException>(() => ImageDecoder.Decode([], 8, "empty.png"));

        Assert.Equal("zero-length data", e.Reason);
    }

    [Theory]
    [InlineData(64, 48, "truncated")]
    [InlineData(2, 2, "invalid data")]
    [InlineData(0, 0, "not a decodable image")]
    public void Decode_png_whose_header_declares_another_size_throws(int width, int height, string reason)
    {
        var png = EncodedImages.PngWithDeclaredSize(EncodedImages.Png(32, 24, (x, y) => new SKColor((byte)(8 * x), (byte)(10 * y), 128)), width, height);

        var e = Assert.Throws<CorruptSampleException>(() => ImageDecoder.Decode(png, 8, "lying.png"));

        Assert.Contains(reason, e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void DecodeFile_of_a_missing_file_throws_naming_the_path()
    {
        using var dir = new TempDir();
        var path = dir.PathOf("absent.png");

        var e = Assert.Throws<CorruptSampleException>(() => ImageDecoder.DecodeFile(path, 8));

        Assert.Equal(path, e.Item);
        Assert.Contains("cannot read", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_returns_the_full_size_without_resizing()
    {
        var png = EncodedImages.Png(7, 5, (_, _) => SKColors.Gray);

        var size = ImageDecoder.Verify(png, "seven.png");

        Assert.Equal((7, 5), size);
    }

    /// <summary>
    /// A 32×16 JPEG stored with red, green, blue and white quadrants (top-left, top-right, bottom-left,
    /// bottom-right), tagged with each EXIF orientation; the expected upright quadrants follow the EXIF definitions
    /// (2 mirror, 3 turn 180°, 4 flip, 5 transpose, 6 turn clockwise, 7 transverse, 8 turn counter-clockwise).
    /// </summary>
    [Theory]
    [InlineData(1, "RGBW")]
    [InlineData(2, "GRWB")]
    [InlineData(3, "WBGR")]
    [InlineData(4, "BWRG")]
    [InlineData(5, "RBGW")]
    [InlineData(6, "BRWG")]
    [InlineData(7, "WGBR")]
    [InlineData(8, "GWRB")]
    public void Decode_applies_each_exif_orientation(int orientation, string quadrants)
    {
        var jpeg = Oriented.Jpeg(orientation);
        var upright = orientation >= 5 ? (16, 32) : (32, 16);

        var image = ImageDecoder.Decode(jpeg, 16, "oriented.jpg");

        Assert.Equal(upright, (image.OriginalWidth, image.OriginalHeight));
        Assert.Equal(upright, ImageDecoder.Probe(jpeg, "oriented.jpg"));
        Assert.Equal(upright, ImageDecoder.Verify(jpeg, "oriented.jpg"));
        (int X, int Y)[] samples = [(3, 3), (12, 3), (3, 12), (12, 12)];
        for (var q = 0; q < 4; q++)
        {
            var want = Oriented.Colour(quadrants[q]);
            var i = (samples[q].Y * 16) + samples[q].X;
            Assert.Equal(want.Red / 255f, image.Pixels[i], 0.06f);
            Assert.Equal(want.Green / 255f, image.Pixels[256 + i], 0.06f);
            Assert.Equal(want.Blue / 255f, image.Pixels[512 + i], 0.06f);
        }
    }

    [Theory]
    [InlineData(1, 'R')]
    [InlineData(3, 'W')]
    [InlineData(6, 'B')]
    [InlineData(8, 'G')]
    public void CropResizeEncode_takes_the_region_of_the_upright_image(int orientation, char topLeft)
    {
        var jpeg = Oriented.Jpeg(orientation);
        var (w, h) = ImageDecoder.Probe(jpeg, "oriented.jpg");

        var crop = ImageDecoder.CropResizeEncode(jpeg, new ImageRegion(1, 1, (w / 2f) - 2, (h / 2f) - 2), 8, 95, "oriented.jpg");

        var image = ImageDecoder.Decode(crop, 8, "crop.jpg");
        var want = Oriented.Colour(topLeft);
        Assert.All(image.Pixels.Take(64), v => Assert.Equal(want.Red / 255f, v, 0.06f));
        Assert.All(image.Pixels.Skip(64).Take(64), v => Assert.Equal(want.Green / 255f, v, 0.06f));
        Assert.All(image.Pixels.Skip(128), v => Assert.Equal(want.Blue / 255f, v, 0.06f));
    }

    [Fact]
    public void Decode_composites_alpha_on_black()
    {
        var png = EncodedImages.Png(3, 1, (x, _) => x switch
        {
            0 => new SKColor(200, 100, 50, 128),
            1 => new SKColor(240, 220, 200, 0),
            _ => new SKColor(10, 20, 30, 255),
        });

        var image = ImageDecoder.Decode(png, 3, "alpha.png");

        // Row 0: half-transparent → colour × 128/255; transparent → black; opaque → its colour.
        Assert.Equal(100.4f / 255f, image.Pixels[0], 1.01f / 255f);
        Assert.Equal(50.2f / 255f, image.Pixels[9], 1.01f / 255f);
        Assert.Equal(25.1f / 255f, image.Pixels[18], 1.01f / 255f);
        Assert.Equal([0f, 0f, 0f], new[] { image.Pixels[1], image.Pixels[10], image.Pixels[19] });
        Assert.Equal([10 / 255f, 20 / 255f, 30 / 255f], new[] { image.Pixels[2], image.Pixels[11], image.Pixels[20] });
    }

    [Fact]
    public void DecodeInto_fills_the_span_with_what_Decode_returns()
    {
        var png = EncodedImages.Png(40, 20, (x, y) => new SKColor((byte)(6 * x), (byte)(12 * y), 77));
        var chw = new float[3 * 8 * 8];

        var size = ImageDecoder.DecodeInto(png, 8, chw, "grad.png");

        Assert.Equal((40, 20), size);
        Assert.Equal(ImageDecoder.Decode(png, 8, "grad.png").Pixels, chw);
    }

    [Theory]
    [InlineData(8, 3 * 64 - 1)]
    [InlineData(8, 3 * 64 + 1)]
    [InlineData(8, 64)]
    public void DecodeInto_rejects_a_span_of_another_length(int resolution, int length)
    {
        var png = EncodedImages.GradientPng();

        var e = Assert.Throws<ArgumentException>(() => ImageDecoder.DecodeInto(png, resolution, new float[length], "gradient.png"));

        Assert.Equal("chw", e.ParamName);
    }

    [Fact]
    public void Decode_rejects_a_resolution_beyond_the_pixel_limit()
    {
        var png = EncodedImages.GradientPng();

        Assert.Throws<ArgumentOutOfRangeException>(() => ImageDecoder.Decode(png, 0, "gradient.png"));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageDecoder.Decode(png, 20_000, "gradient.png"));
    }

    [Fact]
    public void CropResizeEncode_returns_a_jpeg_of_the_requested_size()
    {
        var png = EncodedImages.Png(40, 20, (x, _) => x < 20 ? new SKColor(255, 0, 0) : new SKColor(0, 0, 255));

        var jpeg = ImageDecoder.CropResizeEncode(png, null, 12, 90, "halves.png");

        Assert.Equal([0xFF, 0xD8, 0xFF], jpeg[..3]);
        Assert.Equal((12, 12), ImageDecoder.Verify(jpeg, "out.jpg"));
        var image = ImageDecoder.Decode(jpeg, 12, "out.jpg");
        Assert.Equal(1f, image.Pixels[(6 * 12) + 1], 0.06f);
        Assert.Equal(1f, image.Pixels[(2 * 144) + (6 * 12) + 10], 0.06f);
    }

    [Fact]
    public void CropResizeEncode_of_a_region_wholly_outside_the_image_is_black()
    {
        var png = EncodedImages.Png(16, 16, (_, _) => SKColors.White);

        var jpeg = ImageDecoder.CropResizeEncode(png, new ImageRegion(20, -40, 10, 10), 8, 90, "white.png");

        Assert.All(ImageDecoder.Decode(jpeg, 8, "out.jpg").Pixels, v => Assert.Equal(0f, v, 0.02f));
    }

    [Fact]
    public void CropResizeEncode_keeps_the_part_of_a_region_inside_the_image()
    {
        var png = EncodedImages.Png(16, 16, (_, _) => SKColors.White);

        // The right half of the region covers the image's left half; the left half is outside.
        var jpeg = ImageDecoder.CropResizeEncode(png, new ImageRegion(-8, 0, 16, 16), 16, 95, "white.png");

        var image = ImageDecoder.Decode(jpeg, 16, "out.jpg");
        for (var y = 0; y < 16; y++)
        {
            Assert.Equal(0f, image.Pixels[(y * 16) + 2], 0.06f);
            Assert.Equal(1f, image.Pixels[(y * 16) + 13], 0.06f);
        }
    }

    [Theory]
    [InlineData(0, 90, 0f, 0f, 4f, 4f, "size")]
    [InlineData(8, 0, 0f, 0f, 4f, 4f, "quality")]
    [InlineData(8, 101, 0f, 0f, 4f, 4f, "quality")]
    [InlineData(8, 90, 0f, 0f, 0f, 4f, "region")]
    [InlineData(8, 90, 0f, 0f, 4f, -1f, "region")]
    [InlineData(8, 90, float.NaN, 0f, 4f, 4f, "region")]
    [InlineData(8, 90, 0f, 0f, float.PositiveInfinity, 4f, "region")]
    public void CropResizeEncode_rejects_bad_arguments(int size, int quality, float x, float y, float width, float height, string parameter)
    {
        var png = EncodedImages.GradientPng();

        var e = Assert.ThrowsAny<ArgumentException>(() => ImageDecoder.CropResizeEncode(png, new ImageRegion(x, y, width, height), size, quality, "gradient.png"));

        Assert.Equal(parameter, e.ParamName);
    }

    [Fact]
    public void CropResizeEncode_of_undecodable_data_throws_naming_the_item()
    {
        var e = Assert.Throws<CorruptSampleException>(() => ImageDecoder.CropResizeEncode(EncodedImages.RandomBytes(300, 3), null, 8, 90, "faces/y.jpg"));

        Assert.Equal("faces/y.jpg", e.Item);
        Assert.Contains("not a decodable image", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Probe_reads_the_header_without_decoding_the_pixels()
    {
        // The header declares 64×48 but the pixel data holds 32×24: a full decode fails, the probe does not look.
        var png = EncodedImages.PngWithDeclaredSize(EncodedImages.Png(32, 24, (x, y) => new SKColor((byte)(8 * x), (byte)(10 * y), 128)), 64, 48);

        var size = ImageDecoder.Probe(png, "lying.png");

        Assert.Equal((64, 48), size);
        Assert.Throws<CorruptSampleException>(() => ImageDecoder.Verify(png, "lying.png"));
    }

    [Fact]
    public void Probe_refuses_data_that_is_not_an_image()
    {
        var random = Assert.Throws<CorruptSampleException>(() => ImageDecoder.Probe(EncodedImages.RandomBytes(500, 2), "noise.bin"));
        var text = Assert.Throws<CorruptSampleException>(() => ImageDecoder.Probe("name,label\nx.jpg,3\n"u8.ToArray(), "labels.csv"));
        var empty = Assert.Throws<CorruptSampleException>(() => ImageDecoder.Probe([], "empty.jpg"));

        Assert.Equal("noise.bin", random.Item);
        Assert.Contains("not a decodable image", random.Reason, StringComparison.Ordinal);
        Assert.Equal("labels.csv", text.Item);
        Assert.Contains("not a decodable image", text.Reason, StringComparison.Ordinal);
        Assert.Equal("zero-length data", empty.Reason);
    }

    [Fact]
    public void Probe_of_a_png_declaring_a_zero_size_throws()
    {
        var png = EncodedImages.PngWithDeclaredSize(EncodedImages.Png(4, 4, (_, _) => SKColors.Gray), 0, 0);

        var e = Assert.Throws<CorruptSampleException>(() => ImageDecoder.Probe(png, "zero.png"));

        Assert.Equal("zero.png", e.Item);
    }

    /// <summary>JPEGs carrying an EXIF orientation tag, written by SkiaSharp with a hand-built APP1 segment.</summary>
    private static class Oriented
    {
        public static SKColor Colour(char quadrant) => quadrant switch
        {
            'R' => new SKColor(255, 0, 0),
            'G' => new SKColor(0, 255, 0),
            'B' => new SKColor(0, 0, 255),
            _ => new SKColor(255, 255, 255),
        };

        /// <summary>A 32×16 stored image with R, G / B, W quadrants, tagged with <paramref name="orientation"/>.</summary>
        public static byte[] Jpeg(int orientation)
        {
            var jpeg = EncodedImages.Jpeg(32, 16, (x, y) => Colour("RGBW"[(y < 8 ? 0 : 2) + (x < 16 ? 0 : 1)]), 95);
            // "Exif\0\0", then a little-endian TIFF header and one IFD holding one SHORT: 0x0112 = orientation.
            byte[] payload =
            [
                (byte)'E', (byte)'x', (byte)'i', (byte)'f', 0, 0,
                (byte)'I', (byte)'I', 42, 0, 8, 0, 0, 0,
                1, 0,
                0x12, 0x01, 3, 0, 1, 0, 0, 0, (byte)orientation, 0, 0, 0,
                0, 0, 0, 0,
            ];
            var length = payload.Length + 2;
            byte[] segment = [0xFF, 0xE1, (byte)(length >> 8), (byte)length, .. payload];
            return [.. jpeg[..2], .. segment, .. jpeg[2..]];
        }
    }
}
