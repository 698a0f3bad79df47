namespace FaceRep.Data;

/// <summary>Copies dataset samples into contiguous batch buffers.</summary>
public static class Batches
{
    /// <summary>Values per sample's landmarks: 68 points × (x, y).</summary>
    public const int LandmarkValues = 136;

    /// <summary>
    /// Copies the pixels of the samples at <paramref name="indices"/> into <paramref name="pixels"/>
    /// (indices.Length × 3·R·R values, NCHW) and, unless <paramref name="landmarks"/> is empty, their landmarks
    /// (indices.Length × 136 values). Samples are generated in parallel when there are several.
    /// </summary>
    public static unsafe void Fill(IFaceDataset dataset, ReadOnlySpan<int> indices, Span<float> pixels, Span<float> landmarks)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var perImage = 3 * dataset.Resolution * dataset.Resolution;
        var n = indices.Length;
        if (pixels.Length != (long)n * perImage)
        {
            throw new ArgumentException(
                $"The pixel buffer holds {pixels.Length} values; {n} images of {dataset.Resolution}×{dataset.Resolution} RGB need {(long)n * perImage}.",
                nameof(pixels));
        }

        var withLandmarks = !landmarks.IsEmpty;
        if (withLandmarks && landmarks.Length != (long)n * LandmarkValues)
        {
            throw new ArgumentException(
                $"The landmark buffer holds {landmarks.Length} values; {n} samples need {(long)n * LandmarkValues} (or pass an empty span).",
                nameof(landmarks));
        }

        foreach (var index in indices)
        {
            if ((uint)index >= (uint)dataset.Count)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), index, $"Index {index} is outside dataset '{dataset.Name}' of {dataset.Count} samples.");
            }
        }

        if (n == 0)
        {
            return;
        }

        fixed (int* indexPointer = indices)
        fixed (float* pixelPointer = pixels)
        fixed (float* landmarkPointer = landmarks)
        {
            var job = new FillJob(dataset, (nint)indexPointer, (nint)pixelPointer, withLandmarks ? (nint)landmarkPointer : 0, perImage);
            if (n == 1 || Environment.ProcessorCount == 1)
            {
                for (var i = 0; i < n; i++)
                {
                    job.Run(i);
                }
            }
            else
            {
                Parallel.For(0, n, job.Run);
            }
        }
    }

    /// <summary>Copies one sample into the pinned batch buffers, which outlive the parallel loop using them.</summary>
    private sealed unsafe class FillJob(IFaceDataset dataset, nint indices, nint pixels, nint landmarks, int perImage)
    {
        public void Run(int i)
        {
            var sample = dataset.Get(((int*)indices)[i]);
            if (sample.Pixels.Length != perImage || sample.Landmarks.Length != LandmarkValues)
            {
                throw new InvalidOperationException(
                    $"Dataset '{dataset.Name}' returned a sample of {sample.Pixels.Length} pixel values and {sample.Landmarks.Length} landmark values; expected {perImage} and {LandmarkValues}.");
            }

            sample.Pixels.CopyTo(new Span<float>((float*)pixels + ((long)i * perImage), perImage));
            if (landmarks != 0)
            {
                sample.Landmarks.CopyTo(new Span<float>((float*)landmarks + ((long)i * LandmarkValues), LandmarkValues));
            }
        }
    }
}
