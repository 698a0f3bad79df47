using static TorchSharp.torch;

namespace FaceRep.Training.Tests;

/// <summary>Managed pixels into tensors: the fast copies give exactly the numbers the plain path gives, and never alias the array.</summary>
[Collection(TorchCollection.Name)]
public sealed class PixelsTests
{
    [Fact]
    public void Normalised_pixels_equal_normalising_a_copy_bit_for_bit_from_any_offset()
    {
        var random = new Random(3);
        var pixels = Enumerable.Range(0, 5 * 3 * 4 * 4).Select(_ => random.NextSingle()).ToArray();
        var perImage = 3 * 4 * 4;

        using var all = Pixels.Normalised(pixels, [5, 3, 4, 4]);
        using var plain = Pixels.Normalise(tensor(pixels, [5, 3, 4, 4]));
        using var tail = Pixels.Normalised(pixels, [2, 3, 4, 4], 3L * perImage);
        using var plainTail = Pixels.Normalise(tensor(pixels.AsSpan(3 * perImage, 2 * perImage).ToArray(), [2, 3, 4, 4]));

        Assert.True(all.equal(plain).all().item<bool>());
        Assert.True(tail.equal(plainTail).all().item<bool>());
        Assert.Equal([2L, 3, 4, 4], tail.shape);
    }

    [Fact]
    public void The_tensors_are_copies_the_array_can_be_reused_under()
    {
        var pixels = new float[] { 0.5f, 0.75f, 1f, 0f };
        var labels = new float[] { 1f, 2f, 3f, 4f };

        using var x = Pixels.Normalised(pixels, [1, 1, 2, 2]);
        using var y = Pixels.Copy(labels, [2, 2]);
        Array.Fill(pixels, 9f);
        Array.Fill(labels, 9f);

        Assert.Equal([0f, 1f, 2f, -2f], x.data<float>().ToArray());
        Assert.Equal([1f, 2f, 3f, 4f], y.data<float>().ToArray());
    }
}
