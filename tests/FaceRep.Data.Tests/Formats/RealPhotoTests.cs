using System.Text.Json;
using FaceRep.Data.Formats;
using SkiaSharp;

namespace FaceRep.Data.Tests.Formats;

/// <summary>
/// <see cref="ImageDecoder"/> on the real-photo variants in Formats/Photos (written by make_photos.py with Pillow),
/// compared with what Pillow decodes from the same files (expected.json). Colour tolerances are in 8-bit levels.
/// </summary>
public sealed class RealPhotoTests
{
    /// <summary>
    /// Per file: tolerance of the mean colour, of each of the 8×8 block means, and of each corner pixel.
    /// PNGs are lossless: Pillow and SkiaSharp agree exactly, except 16-bit files (SkiaSharp keeps the high byte;
    /// Pillow too for RGB, but the exact value / 257 for gray) and alpha (SkiaSharp premultiplies in 8 bits). JPEGs go through two
    /// builds of libjpeg-turbo with different upsampling, so single pixels may differ by a few levels.
    /// </summary>
    [Theory]
    [InlineData("chelsea.jpg", 1.0, 2.0, 8.0)]
    [InlineData("chelsea_progressive.jpg", 1.0, 2.0, 8.0)]
    [InlineData("chelsea_exif6.jpg", 1.0, 2.0, 8.0)]
    [InlineData("chelsea_exif8.jpg", 1.0, 2.0, 8.0)]
    [InlineData("coffee.png", 0.001, 0.001, 0.0)]
    [InlineData("coffee_rgb16.png", 1.0, 1.0, 1.0)]
    [InlineData("coffee_gray.png", 0.001, 0.001, 0.0)]
    [InlineData("coffee_gray16.png", 1.0, 1.0, 1.0)]
    [InlineData("coffee_palette.png", 0.001, 0.001, 0.0)]
    [InlineData("coffee_cmyk.jpg", 1.0, 2.0, 8.0)]
    [InlineData("coffee_gray.jpg", 1.0, 2.0, 8.0)]
    [InlineData("astronaut.jpg", 1.0, 2.0, 8.0)]
    [InlineData("astronaut_rgba.png", 0.5, 0.5, 1.0)]
    public void Each_variant_decodes_upright_to_pillows_size_and_colours(string name, double meanTolerance, double blockTolerance, double cornerTolerance)
    {
        var expected = Photos.Expected(name);
        var size = (expected.GetProperty("width").GetInt32(), expected.GetProperty("height").GetInt32());

        using var bitmap = ImageDecoder.DecodeUpright(Photos.Read(name), name);
        var picture = Picture.From(bitmap);

        Assert.Equal(size, (picture.Width, picture.Height));
        Assert.Equal(size, ImageDecoder.Probe(Photos.Read(name), name));
        Assert.Equal(size, ImageDecoder.Verify(Photos.Read(name), name));
        var decoded = ImageDecoder.Decode(Photos.Read(name), 16, name);
        Assert.Equal(size, (decoded.OriginalWidth, decoded.OriginalHeight));
        AssertClose(Values(expected.GetProperty("mean")), picture.Mean(), meanTolerance, $"{name} mean");
        var grid = expected.GetProperty("grid").EnumerateArray().Select(Values).ToArray();
        for (var b = 0; b < 64; b++)
        {
            AssertClose(grid[b], picture.BlockMean(b % 8, b / 8, 8), blockTolerance, $"{name} block {b}");
        }

        var corners = expected.GetProperty("corners");
        var (w, h) = (picture.Width - 1, picture.Height - 1);
        AssertClose(Values(corners.GetProperty("top_left")), picture.Pixel(0, 0), cornerTolerance, $"{name} top left");
        AssertClose(Values(corners.GetProperty("top_right")), picture.Pixel(w, 0), cornerTolerance, $"{name} top right");
        AssertClose(Values(corners.GetProperty("bottom_left")), picture.Pixel(0, h), cornerTolerance, $"{name} bottom left");
        AssertClose(Values(corners.GetProperty("bottom_right")), picture.Pixel(w, h), cornerTolerance, $"{name} bottom right");
    }

    [Theory]
    [InlineData("chelsea_exif6.jpg", false)]
    [InlineData("chelsea_exif8.jpg", true)]
    public void Exif_oriented_jpegs_come_out_upright(string name, bool storedClockwise)
    {
        var upright = Picture.From(ImageDecoder.Decode(Photos.Read("chelsea.jpg"), 64, "chelsea.jpg"));

        var oriented = Picture.From(ImageDecoder.Decode(Photos.Read(name), 64, name));

        // The stored pixels, read as they are, are the upright image turned a quarter: what ignoring the tag gives.
        var ignored = storedClockwise ? oriented.RotatedClockwise() : oriented.RotatedCounterClockwise();
        Assert.InRange(Picture.MeanAbsoluteDifference(oriented, upright), 0, 2.0);
        Assert.InRange(Picture.MeanAbsoluteDifference(ignored, upright), 25.0, 255);
    }

    [Theory]
    [InlineData("chelsea_exif6.jpg")]
    [InlineData("chelsea_exif8.jpg")]
    public void Exif_oriented_jpegs_put_the_sources_corners_in_place(string name)
    {
        var source = Photos.Expected("sources").GetProperty("chelsea").GetProperty("corners");
        string[] corners = ["top_left", "top_right", "bottom_left", "bottom_right"];
        using var bitmap = ImageDecoder.DecodeUpright(Photos.Read(name), name);
        var picture = Picture.From(bitmap);
        var (w, h) = (picture.Width - 1, picture.Height - 1);

        double[][] actual = [picture.Pixel(0, 0), picture.Pixel(w, 0), picture.Pixel(0, h), picture.Pixel(w, h)];

        for (var i = 0; i < 4; i++)
        {
            AssertClose(Values(source.GetProperty(corners[i])), actual[i], 12, corners[i]);
        }

        // The source's top-right corner is dark and far from the other three, so a turned or mirrored image fails.
        var dark = Values(source.GetProperty("top_right"));
        Assert.All(corners.Where(c => c != "top_right"), c => Assert.True(Distance(dark, Values(source.GetProperty(c))) > 60, c));
    }

    [Fact]
    public void Cmyk_jpeg_comes_out_as_rgb_close_to_the_original()
    {
        using var cmyk = ImageDecoder.DecodeUpright(Photos.Read("coffee_cmyk.jpg"), "coffee_cmyk.jpg");
        using var rgb = ImageDecoder.DecodeUpright(Photos.Read("coffee.png"), "coffee.png");

        var difference = Picture.MeanAbsoluteDifference(Picture.From(cmyk), Picture.From(rgb));

        Assert.InRange(difference, 0, 2.5);
        var source = Photos.Expected("sources").GetProperty("coffee");
        AssertClose(Values(source.GetProperty("mean")), Picture.From(cmyk).Mean(), 1.0, "mean");
    }

    [Theory]
    [InlineData("coffee_gray.jpg")]
    [InlineData("coffee_gray.png")]
    [InlineData("coffee_gray16.png")]
    public void Grayscale_files_decode_with_equal_channels(string name)
    {
        using var bitmap = ImageDecoder.DecodeUpright(Photos.Read(name), name);
        var resized = ImageDecoder.Decode(Photos.Read(name), 24, name);

        var picture = Picture.From(bitmap);
        for (var i = 0; i < picture.Width * picture.Height; i++)
        {
            Assert.Equal(picture.Red[i], picture.Green[i]);
            Assert.Equal(picture.Red[i], picture.Blue[i]);
        }

        var plane = 24 * 24;
        for (var i = 0; i < plane; i++)
        {
            Assert.Equal(resized.Pixels[i], resized.Pixels[plane + i]);
            Assert.Equal(resized.Pixels[i], resized.Pixels[(2 * plane) + i]);
        }

        Assert.True(picture.Red.Max() - picture.Red.Min() > 100, "the photo has contrast");
    }

    [Theory]
    [InlineData("coffee_rgb16.png", "coffee.png")]
    [InlineData("coffee_gray16.png", "coffee_gray.png")]
    public void Sixteen_bit_pngs_match_their_8_bit_rounding_within_one_level(string sixteen, string eight)
    {
        using var wide = ImageDecoder.DecodeUpright(Photos.Read(sixteen), sixteen);
        using var narrow = ImageDecoder.DecodeUpright(Photos.Read(eight), eight);

        var a = Picture.From(wide);
        var b = Picture.From(narrow);

        Assert.Equal((b.Width, b.Height), (a.Width, a.Height));
        Assert.InRange(Picture.MaxAbsoluteDifference(a, b), 0, 1.0);
        Assert.InRange(Picture.MeanAbsoluteDifference(a, b), 0, 0.5);
    }

    [Fact]
    public void Palette_png_decodes_exactly_to_its_palette_colours()
    {
        using var bitmap = ImageDecoder.DecodeUpright(Photos.Read("coffee_palette.png"), "coffee_palette.png");

        var picture = Picture.From(bitmap);
        var colours = Enumerable.Range(0, picture.Width * picture.Height)
            .Select(i => (picture.Red[i], picture.Green[i], picture.Blue[i]))
            .Distinct()
            .Count();

        Assert.InRange(colours, 2, 48);
        using var rgb = ImageDecoder.DecodeUpright(Photos.Read("coffee.png"), "coffee.png");
        Assert.InRange(Picture.MeanAbsoluteDifference(picture, Picture.From(rgb)), 0.5, 8);
    }

    [Fact]
    public void Rgba_png_is_composited_on_black()
    {
        var bytes = Photos.Read("astronaut_rgba.png");
        var stored = StoredRgba(bytes);

        var image = ImageDecoder.Decode(bytes, 64, "astronaut_rgba.png");

        var picture = Picture.From(image);
        var quadrant = new List<double>();
        for (var y = 0; y < 32; y++)
        {
            for (var x = 0; x < 32; x++)
            {
                quadrant.AddRange(picture.Pixel(x, y));
            }
        }

        // Fully transparent pixels are black although the file stores their colour.
        Assert.All(quadrant, v => Assert.Equal(0.0, v));
        Assert.True(stored[..(4 * 32)].Where((_, i) => i % 4 != 3).Any(v => v > 50), "the transparent pixels store colour");
        for (var y = 32; y < 64; y += 7)
        {
            for (var x = 0; x < 64; x += 5)
            {
                var o = 4 * ((y * 64) + x);
                var a = stored[o + 3];
                var want = new[] { stored[o] * a / 255.0, stored[o + 1] * a / 255.0, stored[o + 2] * a / 255.0 };
                AssertClose(want, picture.Pixel(x, y), 1.0, $"pixel ({x}, {y}) alpha {a}");
            }
        }
    }

    [Fact]
    public void Rgba_png_resized_stays_black_where_everything_is_transparent()
    {
        var image = ImageDecoder.Decode(Photos.Read("astronaut_rgba.png"), 16, "astronaut_rgba.png");

        var picture = Picture.From(image);

        for (var y = 0; y < 7; y++)
        {
            for (var x = 0; x < 7; x++)
            {
                Assert.All(picture.Pixel(x, y), v => Assert.Equal(0.0, v));
            }
        }

        Assert.True(picture.Pixel(15, 15).Sum() > 30, "the opaque corner has colour");
    }

    [Theory]
    [InlineData("Decode")]
    [InlineData("Decode small")]
    [InlineData("DecodeInto")]
    [InlineData("Verify")]
    [InlineData("CropResizeEncode")]
    public void Truncated_jpeg_throws_naming_the_item(string call)
    {
        var bytes = Photos.Read("chelsea_truncated.jpg");
        const string item = "photos/chelsea_truncated.jpg";
        Action act = call switch
        {
            "Decode" => () => ImageDecoder.Decode(bytes, 128, item),
            "Decode small" => () => ImageDecoder.Decode(bytes, 16, item),
            "DecodeInto" => () => ImageDecoder.DecodeInto(bytes, 32, new float[3 * 32 * 32], item),
            "Verify" => () => ImageDecoder.Verify(bytes, item),
            _ => () => ImageDecoder.CropResizeEncode(bytes, new ImageRegion(10, 10, 50, 50), 32, 90, item),
        };

        var e = Assert.Throws<CorruptSampleException>(act);

        Assert.Equal(item, e.Item);
        Assert.Contains("truncated", e.Reason, StringComparison.Ordinal);
        Assert.Contains("Jpeg 128×85", e.Reason, StringComparison.Ordinal);
        Assert.StartsWith("image file is truncated", Photos.Expected("chelsea_truncated.jpg").GetProperty("pillow_error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_jpeg_still_probes_because_its_header_is_whole()
    {
        var size = ImageDecoder.Probe(Photos.Read("chelsea_truncated.jpg"), "chelsea_truncated.jpg");

        Assert.Equal((128, 85), size);
    }

    /// <summary>
    /// libjpeg-turbo treats bad entropy-coded data as a warning and carries on, so a JPEG whose scan is damaged but
    /// complete decodes without error, with garbage from the damage on (Pillow does the same). This pins that
    /// behaviour: the decoder cannot reject such files.
    /// </summary>
    [Fact]
    public void Jpeg_with_damaged_entropy_data_decodes_to_garbage_without_an_error()
    {
        var expected = Photos.Expected("chelsea_corrupt.jpg");

        using var damaged = ImageDecoder.DecodeUpright(Photos.Read("chelsea_corrupt.jpg"), "chelsea_corrupt.jpg");
        using var intact = ImageDecoder.DecodeUpright(Photos.Read("chelsea.jpg"), "chelsea.jpg");

        var a = Picture.From(damaged);
        var b = Picture.From(intact);
        Assert.False(expected.TryGetProperty("pillow_error", out _));
        for (var gx = 0; gx < 8; gx++)
        {
            AssertClose(b.BlockMean(gx, 0, 8), a.BlockMean(gx, 0, 8), 0.001, $"top block {gx} before the damage");
        }

        Assert.InRange(Picture.MeanAbsoluteDifference(a, b), 10, 255);
        AssertClose(Values(expected.GetProperty("mean")), a.Mean(), 3.0, "Pillow's garbage has the same mean");
    }

    [Theory]
    [InlineData("astronaut.jpg", 64, 64, 64)]
    [InlineData("astronaut.jpg", 100, 128, 128)]
    [InlineData("astronaut.jpg", 128, 128, 128)]
    [InlineData("astronaut.jpg", 129, 256, 256)]
    [InlineData("chelsea.jpg", 32, 48, 32)]
    [InlineData("chelsea.jpg", 20, 32, 22)]
    [InlineData("chelsea.jpg", 43, 128, 85)]
    [InlineData("chelsea_progressive.jpg", 32, 48, 32)]
    [InlineData("chelsea_exif6.jpg", 32, 32, 48)]
    [InlineData("coffee.png", 8, 66, 44)]
    public void Decode_size_is_the_smallest_scale_covering_the_target_when_it_is_at_most_half(string name, int target, int width, int height)
    {
        using var stream = new SKMemoryStream(Photos.Read(name));
        using var codec = SKCodec.Create(stream);

        var size = ImageDecoder.DecodeSize(codec, target, target);

        Assert.Equal((width, height), (size.Width, size.Height));
    }

    [Fact]
    public void Reduced_scale_decoding_at_half_size_matches_a_full_decode_and_resize()
    {
        var bytes = Photos.Read("astronaut.jpg");
        using var full = SKBitmap.Decode(bytes);
        using var resized = full.Resize(new SKImageInfo(128, 128, SKColorType.Rgba8888, SKAlphaType.Opaque), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.None));

        var image = ImageDecoder.Decode(bytes, 128, "astronaut.jpg");

        Assert.InRange(Picture.MeanAbsoluteDifference(Picture.From(image), Picture.From(resized)), 0, 1.5);
    }

    /// <summary>
    /// Below half size a bilinear resize of the full decode aliases (it reads only the 2×2 source pixels nearest
    /// each sample), so the reference is the area average of the full decode: the reduced-scale decode follows it
    /// closely, closer than a full decode and bilinear resize does.
    /// </summary>
    [Theory]
    [InlineData("astronaut.jpg", 32)]
    [InlineData("astronaut.jpg", 64)]
    [InlineData("astronaut.jpg", 100)]
    [InlineData("chelsea.jpg", 32)]
    public void Reduced_scale_decoding_stays_close_to_an_area_average_of_the_full_decode(string name, int resolution)
    {
        var bytes = Photos.Read(name);
        using var full = SKBitmap.Decode(bytes);
        var area = Picture.From(full).AreaAverage(resolution);
        using var bilinear = full.Resize(new SKImageInfo(resolution, resolution, SKColorType.Rgba8888, SKAlphaType.Opaque), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.None));

        var image = Picture.From(ImageDecoder.Decode(bytes, resolution, name));

        var reduced = Picture.MeanAbsoluteDifference(image, area);
        Assert.InRange(reduced, 0, 3.0);
        Assert.True(reduced < Picture.MeanAbsoluteDifference(Picture.From(bilinear), area), $"reduced-scale {reduced:F2} levels from the area average");
    }

    [Theory]
    [InlineData("chelsea.jpg", 37)]
    [InlineData("chelsea_exif6.jpg", 64)]
    [InlineData("chelsea_exif8.jpg", 20)]
    [InlineData("coffee_cmyk.jpg", 66)]
    [InlineData("coffee_gray16.png", 30)]
    [InlineData("astronaut_rgba.png", 48)]
    [InlineData("astronaut.jpg", 64)]
    public void DecodeInto_writes_exactly_what_Decode_returns(string name, int resolution)
    {
        var bytes = Photos.Read(name);
        var chw = new float[3 * resolution * resolution];
        chw.AsSpan().Fill(-1f);

        var size = ImageDecoder.DecodeInto(bytes, resolution, chw, name);

        var image = ImageDecoder.Decode(bytes, resolution, name);
        Assert.Equal((image.OriginalWidth, image.OriginalHeight), size);
        Assert.Equal(image.Pixels, chw);
        Assert.All(chw, v => Assert.InRange(v, 0f, 1f));
    }

    [Fact]
    public void CropResizeEncode_of_a_region_beyond_the_image_is_black_outside_and_the_photo_inside()
    {
        var bytes = Photos.Read("chelsea.jpg");

        // The image (128×85) fills the middle half of the region in each direction.
        var jpeg = ImageDecoder.CropResizeEncode(bytes, new ImageRegion(-64, -42.5f, 256, 170), 64, 95, "chelsea.jpg");

        Assert.Equal((64, 64), ImageDecoder.Probe(jpeg, "out.jpg"));
        var output = Picture.From(ImageDecoder.Decode(jpeg, 64, "out.jpg"));
        var photo = Picture.From(ImageDecoder.Decode(bytes, 32, "chelsea.jpg"));
        var outside = new List<double>();
        for (var y = 0; y < 64; y++)
        {
            for (var x = 0; x < 64; x++)
            {
                if (x < 14 || x >= 50 || y < 14 || y >= 50)
                {
                    outside.AddRange(output.Pixel(x, y));
                }
            }
        }

        Assert.InRange(outside.Average(), 0, 1.0);
        Assert.InRange(outside.Max(), 0, 12);
        Assert.InRange(Picture.MeanAbsoluteDifference(output.Crop(18, 18, 28, 28), photo.Crop(2, 2, 28, 28)), 0, 6);
    }

    [Fact]
    public void CropResizeEncode_of_the_whole_image_matches_Decode()
    {
        var bytes = Photos.Read("astronaut.jpg");

        var jpeg = ImageDecoder.CropResizeEncode(bytes, null, 96, 100, "astronaut.jpg");

        // What remains is the re-encoding's error (4:2:0 chroma on a detailed photo).
        var output = Picture.From(ImageDecoder.Decode(jpeg, 96, "out.jpg"));
        var direct = Picture.From(ImageDecoder.Decode(bytes, 96, "astronaut.jpg"));
        Assert.InRange(Picture.MeanAbsoluteDifference(output, direct), 0, 3.0);
    }

    [Theory]
    [InlineData("chelsea_exif6.jpg")]
    [InlineData("chelsea_exif8.jpg")]
    public void CropResizeEncode_regions_are_in_upright_coordinates(string name)
    {
        var region = new ImageRegion(70, 10, 50, 60);

        var oriented = ImageDecoder.CropResizeEncode(Photos.Read(name), region, 40, 95, name);
        var upright = ImageDecoder.CropResizeEncode(Photos.Read("chelsea.jpg"), region, 40, 95, "chelsea.jpg");
        var elsewhere = ImageDecoder.CropResizeEncode(Photos.Read("chelsea.jpg"), new ImageRegion(10, 10, 50, 60), 40, 95, "chelsea.jpg");

        var a = Picture.From(ImageDecoder.Decode(oriented, 40, "a"));
        var b = Picture.From(ImageDecoder.Decode(upright, 40, "b"));
        var c = Picture.From(ImageDecoder.Decode(elsewhere, 40, "c"));
        Assert.InRange(Picture.MeanAbsoluteDifference(a, b), 0, 3.0);
        Assert.InRange(Picture.MeanAbsoluteDifference(c, b), 15, 255);
    }

    [Fact]
    public void CropResizeEncode_quality_changes_the_encoding()
    {
        var bytes = Photos.Read("astronaut.jpg");

        var low = ImageDecoder.CropResizeEncode(bytes, null, 128, 10, "astronaut.jpg");
        var high = ImageDecoder.CropResizeEncode(bytes, null, 128, 100, "astronaut.jpg");

        Assert.True(high.Length > 3 * low.Length, $"{high.Length} vs {low.Length} bytes");
        Assert.Equal((128, 128), ImageDecoder.Verify(low, "low.jpg"));
    }

    [Fact]
    public void Probe_reads_every_fixture_header_with_the_upright_size()
    {
        foreach (var name in Photos.Names().Where(n => n != "chelsea_corrupt.jpg" && n != "chelsea_truncated.jpg"))
        {
            var expected = Photos.Expected(name);

            var size = ImageDecoder.Probe(Photos.Read(name), name);

            Assert.Equal((expected.GetProperty("width").GetInt32(), expected.GetProperty("height").GetInt32()), size);
        }
    }

    private static byte[] StoredRgba(byte[] png)
    {
        using var codec = SKCodec.Create(new SKMemoryStream(png));
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var pixels = new byte[info.BytesSize];
        Assert.Equal(SKCodecResult.Success, codec.GetPixels(info, pixels));
        return pixels;
    }

    private static double[] Values(JsonElement array) => array.EnumerateArray().Select(v => v.GetDouble()).ToArray();

    private static double Distance(double[] a, double[] b) => Math.Sqrt(a.Zip(b, (x, y) => (x - y) * (x - y)).Sum());

    private static void AssertClose(double[] expected, double[] actual, double tolerance, string what)
    {
        for (var c = 0; c < 3; c++)
        {
            Assert.True(
                Math.Abs(expected[c] - actual[c]) <= tolerance,
                $"{what}: channel {c} is {actual[c]:F3}, expected {expected[c]:F3} ± {tolerance}");
        }
    }
}

/// <summary>The committed real-photo fixtures (Formats/Photos, written by make_photos.py) and Pillow's values for them.</summary>
internal static class Photos
{
    private static readonly Lazy<JsonDocument> ExpectedValues = new(() => JsonDocument.Parse(File.ReadAllText(PathOf("expected.json"))));

    public static string PathOf(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "Formats", "Photos", name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"photo fixture {name} not found above {AppContext.BaseDirectory}");
    }

    public static byte[] Read(string name) => File.ReadAllBytes(PathOf(name));

    public static JsonElement Expected(string name) => ExpectedValues.Value.RootElement.GetProperty(name);

    public static IEnumerable<string> Names() =>
        ExpectedValues.Value.RootElement.EnumerateObject().Select(p => p.Name).Where(n => n != "sources");
}

/// <summary>An RGB image as planar doubles in 8-bit levels [0, 255].</summary>
internal sealed class Picture
{
    private Picture(int width, int height)
    {
        Width = width;
        Height = height;
        Red = new double[width * height];
        Green = new double[width * height];
        Blue = new double[width * height];
    }

    public int Width { get; }

    public int Height { get; }

    public double[] Red { get; }

    public double[] Green { get; }

    public double[] Blue { get; }

    public static Picture From(DecodedImage image)
    {
        var r = image.Resolution;
        var plane = r * r;
        var picture = new Picture(r, r);
        for (var i = 0; i < plane; i++)
        {
            picture.Red[i] = image.Pixels[i] * 255.0;
            picture.Green[i] = image.Pixels[plane + i] * 255.0;
            picture.Blue[i] = image.Pixels[(2 * plane) + i] * 255.0;
        }

        return picture;
    }

    public static Picture From(SKBitmap bitmap)
    {
        var picture = new Picture(bitmap.Width, bitmap.Height);
        for (var y = 0; y < bitmap.Height; y++)
        {
            for (var x = 0; x < bitmap.Width; x++)
            {
                var c = bitmap.GetPixel(x, y);
                var i = (y * bitmap.Width) + x;
                picture.Red[i] = c.Red;
                picture.Green[i] = c.Green;
                picture.Blue[i] = c.Blue;
            }
        }

        return picture;
    }

    public static double MeanAbsoluteDifference(Picture a, Picture b)
    {
        Assert.Equal((a.Width, a.Height), (b.Width, b.Height));
        var sum = 0.0;
        for (var i = 0; i < a.Red.Length; i++)
        {
            sum += Math.Abs(a.Red[i] - b.Red[i]) + Math.Abs(a.Green[i] - b.Green[i]) + Math.Abs(a.Blue[i] - b.Blue[i]);
        }

        return sum / (3.0 * a.Red.Length);
    }

    public static double MaxAbsoluteDifference(Picture a, Picture b)
    {
        Assert.Equal((a.Width, a.Height), (b.Width, b.Height));
        var max = 0.0;
        for (var i = 0; i < a.Red.Length; i++)
        {
            max = Math.Max(max, Math.Max(Math.Abs(a.Red[i] - b.Red[i]), Math.Max(Math.Abs(a.Green[i] - b.Green[i]), Math.Abs(a.Blue[i] - b.Blue[i]))));
        }

        return max;
    }

    public double[] Pixel(int x, int y)
    {
        var i = (y * Width) + x;
        return [Red[i], Green[i], Blue[i]];
    }

    public double[] Mean() => [Red.Average(), Green.Average(), Blue.Average()];

    /// <summary>Mean colour of block (gx, gy) of a grid×grid split with integer bounds, as make_photos.py computes it.</summary>
    public double[] BlockMean(int gx, int gy, int grid)
    {
        var sum = new double[3];
        var n = 0;
        for (var y = gy * Height / grid; y < (gy + 1) * Height / grid; y++)
        {
            for (var x = gx * Width / grid; x < (gx + 1) * Width / grid; x++)
            {
                var p = Pixel(x, y);
                sum[0] += p[0];
                sum[1] += p[1];
                sum[2] += p[2];
                n++;
            }
        }

        return [sum[0] / n, sum[1] / n, sum[2] / n];
    }

    /// <summary>This image resized to size² by averaging the source area under each output pixel.</summary>
    public Picture AreaAverage(int size)
    {
        var picture = new Picture(size, size);
        var (fx, fy) = ((double)Width / size, (double)Height / size);
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                var (x0, x1, y0, y1) = (x * fx, (x + 1) * fx, y * fy, (y + 1) * fy);
                var sum = new double[3];
                var weights = 0.0;
                for (var sy = (int)y0; sy < Math.Ceiling(y1); sy++)
                {
                    for (var sx = (int)x0; sx < Math.Ceiling(x1); sx++)
                    {
                        var w = (Math.Min(sx + 1, x1) - Math.Max(sx, x0)) * (Math.Min(sy + 1, y1) - Math.Max(sy, y0));
                        var p = Pixel(sx, sy);
                        sum[0] += w * p[0];
                        sum[1] += w * p[1];
                        sum[2] += w * p[2];
                        weights += w;
                    }
                }

                var o = (y * size) + x;
                picture.Red[o] = sum[0] / weights;
                picture.Green[o] = sum[1] / weights;
                picture.Blue[o] = sum[2] / weights;
            }
        }

        return picture;
    }

    public Picture Crop(int left, int top, int width, int height) =>
        Map(width, height, (x, y) => (left + x, top + y));

    /// <summary>This image turned a quarter clockwise.</summary>
    public Picture RotatedClockwise() => Map(Height, Width, (x, y) => (y, Height - 1 - x));

    /// <summary>This image turned a quarter counter-clockwise.</summary>
    public Picture RotatedCounterClockwise() => Map(Height, Width, (x, y) => (Width - 1 - y, x));

    /// <summary>A width × height image whose pixel (x, y) is this image's pixel source(x, y).</summary>
    private Picture Map(int width, int height, Func<int, int, (int X, int Y)> source)
    {
        var picture = new Picture(width, height);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var (sx, sy) = source(x, y);
                var i = (sy * Width) + sx;
                var o = (y * width) + x;
                picture.Red[o] = Red[i];
                picture.Green[o] = Green[i];
                picture.Blue[o] = Blue[i];
            }
        }

        return picture;
    }
}
