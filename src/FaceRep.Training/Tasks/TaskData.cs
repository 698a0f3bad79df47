using FaceRep.Data;
using FaceRep.Data.Benchmarks;
using FaceRep.Data.Formats;

namespace FaceRep.Training.Tasks;

/// <summary>A task split in memory: pixels (N × 3·R·R), labels (N × width) and identities.</summary>
public sealed class TaskData
{
    private TaskData(float[] pixels, float[] labels, int[] identities, int count, int resolution, int labelWidth)
    {
        Pixels = pixels;
        Labels = labels;
        Identities = identities;
        Count = count;
        Resolution = resolution;
        LabelWidth = labelWidth;
    }

    /// <summary>Images, planar RGB in [0, 1], concatenated.</summary>
    public float[] Pixels { get; }

    /// <summary>Labels as the task lays them out, concatenated.</summary>
    public float[] Labels { get; }

    /// <summary>Identity (subject) of each sample.</summary>
    public int[] Identities { get; }

    /// <summary>Samples.</summary>
    public int Count { get; }

    /// <summary>Image size.</summary>
    public int Resolution { get; }

    /// <summary>Values per label.</summary>
    public int LabelWidth { get; }

    /// <summary>Values per image.</summary>
    public int PixelsPerImage => 3 * Resolution * Resolution;

    /// <summary>The benchmark faces the samples are, in order, when the split is a benchmark's; null for SynthFace.</summary>
    public IReadOnlyList<BenchmarkItem>? BenchmarkItems { get; private init; }

    /// <summary>The benchmark the samples come from, when they do.</summary>
    public BenchmarkKind? BenchmarkKind { get; private init; }

    /// <summary>Side of the benchmark's stored crops (label coordinates are in the crop scaled to <see cref="Resolution"/>).</summary>
    public int BenchmarkSize { get; private init; }

    /// <summary>
    /// True when only the labels are loaded (<see cref="Pixels"/> is empty): a benchmark's training pool, of which
    /// only the few-shot subset is decoded (<see cref="Decoded"/>).
    /// </summary>
    public bool LabelsOnly => Pixels.Length == 0 && Count > 0;

    /// <summary>
    /// Decodes benchmark faces at <paramref name="resolution"/>, in parallel, labelled by <paramref name="task"/>
    /// from their targets (points scaled from the stored crop to the resolution); with <paramref name="decode"/>
    /// false, the labels alone.
    /// </summary>
    public static TaskData Load(BenchmarkKind kind, int size, IReadOnlyList<BenchmarkItem> items, EvaluationTask task, int resolution, bool decode = true)
    {
        var perImage = 3 * resolution * resolution;
        var width = task.LabelWidth;
        var pixels = decode ? new float[(long)items.Count * perImage] : [];
        var labels = new float[(long)items.Count * width];
        var identities = new int[items.Count];
        var scale = (float)resolution / size;
        Parallel.For(0, items.Count, i =>
        {
            if (decode)
                ImageDecoder.DecodeInto(items[i].Image, resolution, pixels.AsSpan(i * perImage, perImage), items[i].Source);
            task.Label(items[i], scale, labels.AsSpan(i * width, width));
            identities[i] = items[i].Subject;
        });
        return new TaskData(pixels, labels, identities, items.Count, resolution, width)
        {
            BenchmarkItems = items,
            BenchmarkKind = kind,
            BenchmarkSize = size,
        };
    }

    /// <summary>
    /// The benchmark faces at <paramref name="indices"/> decoded, in that order: a labels-only training pool's few-shot
    /// subset, so a benchmark of hundreds of thousands of faces costs only the pixels a job trains on.
    /// </summary>
    public TaskData Decoded(IReadOnlyList<int> indices, EvaluationTask task)
    {
        if (BenchmarkItems is not { } items || BenchmarkKind is not { } kind)
            throw new InvalidOperationException("only a benchmark's faces can be decoded again");
        return Load(kind, BenchmarkSize, [.. indices.Select(i => items[i])], task, Resolution);
    }

    /// <summary>One sample's image.</summary>
    public Span<float> Image(int i) => Pixels.AsSpan(i * PixelsPerImage, PixelsPerImage);

    /// <summary>
    /// Sample <paramref name="i"/>'s image in <paramref name="destination"/> (<see cref="PixelsPerImage"/> values): copied, or
    /// decoded from its benchmark crop when only labels are loaded. Returns the destination.
    /// </summary>
    public Span<float> CopyImage(int i, Span<float> destination)
    {
        destination = destination[..PixelsPerImage];
        if (!LabelsOnly)
        {
            Image(i).CopyTo(destination);
            return destination;
        }

        var item = BenchmarkItems![i];
        ImageDecoder.DecodeInto(item.Image, Resolution, destination, item.Source);
        return destination;
    }

    /// <summary>The images of the samples at <paramref name="indices"/>, concatenated (decoded in parallel when only labels are loaded).</summary>
    public float[] Images(ReadOnlySpan<int> indices)
    {
        var pixels = new float[(long)indices.Length * PixelsPerImage];
        var chosen = indices.ToArray();
        Parallel.For(0, chosen.Length, k => CopyImage(chosen[k], pixels.AsSpan(k * PixelsPerImage, PixelsPerImage)));
        return pixels;
    }

    /// <summary>One sample's label.</summary>
    public Span<float> Label(int i) => Labels.AsSpan(i * LabelWidth, LabelWidth);

    /// <summary>The labels of the samples at <paramref name="indices"/>, concatenated (a copy).</summary>
    public float[] LabelsOf(IReadOnlyList<int> indices)
    {
        var labels = new float[indices.Count * LabelWidth];
        for (var i = 0; i < indices.Count; i++)
            Label(indices[i]).CopyTo(labels.AsSpan(i * LabelWidth));
        return labels;
    }

    /// <summary>Renders the samples at <paramref name="indices"/> of a split, in parallel, labelled by <paramref name="task"/>.</summary>
    public static TaskData Load(IFaceDataset dataset, IReadOnlyList<int> indices, EvaluationTask task)
    {
        var r = dataset.Resolution;
        var perImage = 3 * r * r;
        var width = task.LabelWidth;
        var pixels = new float[(long)indices.Count * perImage];
        var labels = new float[(long)indices.Count * width];
        var identities = new int[indices.Count];
        Parallel.For(0, indices.Count, i =>
        {
            var sample = dataset.Get(indices[i]);
            sample.Pixels.CopyTo(pixels.AsSpan(i * perImage, perImage));
            task.Label(sample, labels.AsSpan(i * width, width));
            identities[i] = sample.Identity;
        });
        return new TaskData(pixels, labels, identities, indices.Count, r, width);
    }
}
