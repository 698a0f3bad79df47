namespace FaceRep.Data.Tests;

public sealed class BatchesTests
{
    private static readonly SynthFaceDataset Dataset = new("b", new SynthFaceOptions(SynthFlavour.Uncurated, 100, 24, Seed: 3));

    [Fact]
    public void Fill_copies_each_samples_pixels_and_landmarks_in_order()
    {
        int[] indices = [5, 0, 99, 5, 42, 17, 63, 8];
        var per = 3 * 24 * 24;
        var pixels = new float[indices.Length * per];
        var landmarks = new float[indices.Length * 136];

        Batches.Fill(Dataset, indices, pixels, landmarks);

        for (var k = 0; k < indices.Length; k++)
        {
            var sample = Dataset.Get(indices[k]);
            TestImages.AssertBitIdentical(sample.Pixels, pixels.AsSpan(k * per, per).ToArray());
            TestImages.AssertBitIdentical(sample.Landmarks, landmarks.AsSpan(k * 136, 136).ToArray());
        }
    }

    [Fact]
    public void Fill_without_a_landmark_buffer_copies_only_pixels()
    {
        int[] indices = [1, 2, 3];
        var per = 3 * 24 * 24;
        var pixels = new float[indices.Length * per];

        Batches.Fill(Dataset, indices, pixels, Span<float>.Empty);

        TestImages.AssertBitIdentical(Dataset.Get(3).Pixels, pixels.AsSpan(2 * per, per).ToArray());
    }

    [Fact]
    public void Fill_rejects_buffers_of_the_wrong_size()
    {
        int[] indices = [1, 2];
        var per = 3 * 24 * 24;

        var pixelError = Assert.Throws<ArgumentException>(() => Batches.Fill(Dataset, indices, new float[per], Span<float>.Empty));
        var landmarkError = Assert.Throws<ArgumentException>(() => Batches.Fill(Dataset, indices, new float[2 * per], new float[136]));

        Assert.Equal("pixels", pixelError.ParamName);
        Assert.Equal("landmarks", landmarkError.ParamName);
    }

    [Fact]
    public void Fill_rejects_an_index_outside_the_dataset()
    {
        int[] indices = [1, 100];

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Batches.Fill(Dataset, indices, new float[2 * 3 * 24 * 24], Span<float>.Empty));

        Assert.Equal("indices", error.ParamName);
    }
}
