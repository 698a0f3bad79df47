using FaceRep.Data.Formats;

namespace FaceRep.Data.Tests.Formats;

/// <summary>
/// Images and HDF5 files cut short or with flipped bytes at many places: each is either read, or
/// refused with the library's own error naming the file (never another exception, a crash or a hang).
/// </summary>
public sealed class DamagedFileTests
{
    public static TheoryData<string> Images => new("png", "jpeg");

    public static TheoryData<string> Hdf5Files => new("h5py_images.h5", "h5py_images_gzip.h5");

    private static byte[] Image(string kind) =>
        kind == "png"
            ? EncodedImages.Png(48, 40, EncodedImages.Gradient)
            : EncodedImages.Jpeg(48, 40, EncodedImages.Gradient);

    /// <summary>Every cut point, then a byte flipped at each of 60 places spread over the file.</summary>
    private static IEnumerable<(string What, byte[] Bytes)> Damaged(byte[] original)
    {
        var step = Math.Max(1, original.Length / 80);
        for (var cut = 0; cut < original.Length; cut += step)
            yield return ($"cut at {cut} of {original.Length}", original[..cut]);
        for (var i = 0; i < 60; i++)
        {
            var at = (int)((long)i * (original.Length - 1) / 59);
            var flipped = (byte[])original.Clone();
            flipped[at] ^= (byte)(0x5A + i);
            yield return ($"byte {at} flipped", flipped);
        }
    }

    [Theory]
    [MemberData(nameof(Images))]
    public async Task A_damaged_image_decodes_or_is_refused_as_a_corrupt_sample_naming_it(string kind)
    {
        var original = Image(kind);
        var refused = 0;
        foreach (var (what, bytes) in Damaged(original))
        {
            var decode = Task.Run(() => ImageDecoder.Decode(bytes, 16, $"faces/{what}.{kind}"));
            Assert.True(await Task.WhenAny(decode, Task.Delay(TimeSpan.FromSeconds(10))) == decode, $"{what}: decoding hung");
            try
            {
                var image = await decode;
                Assert.Equal(16 * 16 * 3, image.Pixels.Length);
                Assert.All(image.Pixels, p => Assert.InRange(p, 0f, 1f));
            }
            catch (CorruptSampleException e)
            {
                refused++;
                Assert.Equal($"faces/{what}.{kind}", e.Item);
                Assert.False(string.IsNullOrWhiteSpace(e.Reason), what);
            }
        }

        // Every cut before the end at least is refused: a partial image is not returned as whole.
        Assert.True(refused >= 70, $"only {refused} damaged {kind} files were refused");
    }

    [Theory]
    [MemberData(nameof(Hdf5Files))]
    public async Task A_damaged_HDF5_file_opens_and_decodes_or_is_refused_naming_the_file(string fixture)
    {
        var original = await File.ReadAllBytesAsync(Fixtures.PathOf(fixture));
        using var dir = new TempDir();
        var (opened, refused, corruptEntries) = (0, 0, 0);
        foreach (var (what, bytes) in Damaged(original))
        {
            var path = dir.Write($"damaged-{opened + refused}.h5", bytes);
            var read = Task.Run(() =>
            {
                using var file = Hdf5ImageFile.Open(path);
                var corrupt = 0;
                for (var i = 0; i < file.Count; i++)
                {
                    try
                    {
                        var image = file.Decode(i, 8);
                        Assert.Equal(8 * 8 * 3, image.Pixels.Length);
                    }
                    catch (CorruptSampleException e)
                    {
                        Assert.Equal(file.ItemName(i), e.Item);
                        corrupt++;
                    }
                }

                return corrupt;
            });
            Assert.True(await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(20))) == read, $"{what}: reading hung");
            try
            {
                var corrupt = await read;
                corruptEntries += corrupt;
                opened++;
                // A file cut short has lost something: if it still opens, an entry is refused.
                if (what.StartsWith("cut", StringComparison.Ordinal))
                    Assert.True(corrupt > 0, $"{what}: the file opened and every entry decoded");
            }
            catch (DataFormatException e)
            {
                refused++;
                Assert.Contains(path, e.Message, StringComparison.Ordinal);
            }
        }

        Assert.True(refused > 0 && corruptEntries > 0, $"{refused} damaged copies of {fixture} refused as files, {opened} opened with {corruptEntries} corrupt entries");
    }
}
