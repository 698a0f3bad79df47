using FaceRep.Data.Formats;
using PureHDF;
using PureHDF.Filters;
using PureHDF.VOL.Native;
using SkiaSharp;

namespace FaceRep.Data.Tests.Formats;

public sealed class Hdf5ImageFileTests
{
    private static readonly SKColor Orange = new(200, 100, 50);

    [Theory]
    [InlineData(false, "Compact")]
    [InlineData(true, "Chunked")]
    public void Open_reads_the_count_and_each_entry_exactly(bool gzipChunked, string layout)
    {
        using var dir = new TempDir();
        var entries = new[] { EncodedImages.GradientPng(), EncodedImages.SolidJpeg(16, Orange), EncodedImages.GradientPng()[..20] };
        var path = WriteImages(dir.PathOf("faces.h5"), entries, gzipChunked);

        using var file = Hdf5ImageFile.Open(path);

        Assert.Equal(3, file.Count);
        Assert.Equal(layout, file.Layout);
        for (var i = 0; i < entries.Length; i++)
        {
            Assert.Equal(entries[i], file.ReadEncoded(i));
        }

        var png = file.Decode(0, 4);
        Assert.Equal(EncodedImages.Gradient(1, 3).Green / 255f, png.Pixels[16 + (3 * 4) + 1]);
        var jpeg = file.Decode(1, 8);
        Assert.Equal((16, 16), (jpeg.OriginalWidth, jpeg.OriginalHeight));
        Assert.Equal(200 / 255f, jpeg.Pixels[0], 3 / 255f);
    }

    [Fact]
    public void Decode_of_a_corrupt_entry_names_the_file_dataset_and_index()
    {
        using var dir = new TempDir();
        var path = WriteImages(dir.PathOf("faces.h5"), [EncodedImages.GradientPng(), EncodedImages.RandomBytes(64, 2)], gzipChunked: false);
        using var file = Hdf5ImageFile.Open(path);

        var e = Assert.Throws<CorruptSampleException>(() => file.Decode(1, 4));

        Assert.Equal($"{path}[images][1]", e.Item);
    }

    [Theory]
    [InlineData("h5py_images.h5", "Contiguous")]
    [InlineData("h5py_images_gzip.h5", "Chunked")]
    public void Open_reads_files_written_by_h5py(string fixture, string layout)
    {
        var path = Fixtures.PathOf(fixture);

        using var file = Hdf5ImageFile.Open(path);

        Assert.Equal(4, file.Count);
        Assert.Equal(layout, file.Layout);
        var png = file.Decode(0, 4);
        for (var y = 0; y < 4; y++)
        {
            for (var x = 0; x < 4; x++)
            {
                var c = EncodedImages.Gradient(x, y);
                Assert.Equal(c.Red / 255f, png.Pixels[(y * 4) + x]);
                Assert.Equal(c.Blue / 255f, png.Pixels[32 + (y * 4) + x]);
            }
        }

        var jpeg = file.Decode(1, 16);
        Assert.Equal(100 / 255f, jpeg.Pixels[256 + 17], 3 / 255f);
        Assert.Empty(file.ReadEncoded(2));
        Assert.Equal(Enumerable.Range(0, 65).Select(i => (byte)(7 + (3 * i))), file.ReadEncoded(3));
    }

    [Fact]
    public void DecodeAll_skips_the_zero_length_and_garbage_entries_of_an_h5py_file()
    {
        var path = Fixtures.PathOf("h5py_images_gzip.h5");
        using var file = Hdf5ImageFile.Open(path);
        var log = new List<string>();

        var stream = file.DecodeAll(8, log.Add);
        var images = stream.ToList();

        Assert.Equal([0, 1], images.Select(i => i.Index));
        Assert.All(images, i => Assert.Equal(-1, i.Label));
        Assert.Equal(2, stream.Skipped);
        Assert.Equal(2, log.Count);
        Assert.Equal($"skipped {path}[images][2]: zero-length data", log[0]);
        Assert.StartsWith($"skipped {path}[images][3]: not a decodable image", log[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Open_without_the_images_dataset_throws_listing_what_is_there()
    {
        using var dir = new TempDir();
        var path = dir.PathOf("labels.h5");
        new H5File { ["labels"] = new H5Dataset(new[] { 1, 2, 3 }) }.Write(path);

        var e = Assert.Throws<DataFormatException>(() => Hdf5ImageFile.Open(path));

        Assert.Equal(path, e.File);
        Assert.Equal("images", e.Value);
        Assert.Contains("top-level objects: labels", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_a_fixed_size_uint8_dataset_throws_naming_the_type()
    {
        using var dir = new TempDir();
        var path = dir.PathOf("flat.h5");
        new H5File { ["images"] = new H5Dataset(new byte[] { 1, 2, 3 }) }.Write(path);

        var e = Assert.Throws<DataFormatException>(() => Hdf5ImageFile.Open(path));

        Assert.Contains("variable-length uint8", e.Reason, StringComparison.Ordinal);
        Assert.Contains("FixedPoint", e.Value, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_a_two_dimensional_dataset_throws_naming_its_shape()
    {
        using var dir = new TempDir();
        var path = dir.PathOf("grid.h5");
        new H5File { ["images"] = new H5Dataset(new[,] { { 1, 2 }, { 3, 4 }, { 5, 6 } }) }.Write(path);

        var e = Assert.Throws<DataFormatException>(() => Hdf5ImageFile.Open(path));

        Assert.Equal("[3, 2]", e.Value);
    }

    [Fact]
    public void Open_a_file_that_is_not_hdf5_throws()
    {
        using var dir = new TempDir();
        var path = dir.Write("fake.h5", EncodedImages.RandomBytes(2048, 4));

        var e = Assert.Throws<DataFormatException>(() => Hdf5ImageFile.Open(path));

        Assert.Contains("not a readable HDF5 file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadEncoded_outside_the_range_throws()
    {
        var path = Fixtures.PathOf("h5py_images.h5");
        using var file = Hdf5ImageFile.Open(path);

        Assert.Throws<ArgumentOutOfRangeException>(() => file.ReadEncoded(4));
    }

    internal static string WriteImages(string path, byte[][] entries, bool gzipChunked)
    {
        var dataset = gzipChunked
            ? new H5Dataset<byte[][]>(entries, chunks: [2], datasetCreation: new H5DatasetCreation(Filters: [DeflateFilter.Id]))
            : new H5Dataset(entries);
        new H5File { ["images"] = dataset }.Write(path);
        return path;
    }
}
