using FaceRep.Core.Experiments;
using FaceRep.Core.Specs;
using FaceRep.Data;
using FaceRep.Data.Formats;
using FaceRep.Data.ImageSets;

namespace FaceRep.Training.Methods;

/// <summary>
/// A pre-training set as training reads it: a number of images at the backbone's input size, their
/// identities, an order per epoch, and a way to draw one image into a buffer. SynthFace sets small
/// enough are rendered once and held as pixels; larger ones are rendered as they are read; imported
/// sets are streamed from their shards and decoded as they are read, so memory is bounded whatever
/// the set's size. <see cref="Render"/> is called from several threads at once.
/// </summary>
public abstract class PretrainData : IDisposable
{
    /// <summary>Most bytes of SynthFace pixels held in memory; a larger SynthFace set is rendered as it is read.</summary>
    public const long MaxHeldBytes = 2L << 30;

    /// <summary>Sets up the common parts.</summary>
    protected PretrainData(string name, int count, int resolution, int[] identities)
    {
        Name = name;
        Count = count;
        Resolution = resolution;
        Identities = identities;
    }

    /// <summary>The dataset's name.</summary>
    public string Name { get; }

    /// <summary>Number of images.</summary>
    public int Count { get; }

    /// <summary>Width and height of every image as training sees it.</summary>
    public int Resolution { get; }

    /// <summary>Values per image.</summary>
    public int PixelsPerImage => 3 * Resolution * Resolution;

    /// <summary>Identity of each image, or −1 when unknown.</summary>
    public IReadOnlyList<int> Identities { get; }

    /// <summary>Epoch <paramref name="epoch"/>'s order of the images 0..<see cref="Count"/>−1; a function of the epoch alone.</summary>
    public abstract int[] EpochOrder(int epoch);

    /// <summary>Draws image <paramref name="index"/> (CHW, [0, 1], <see cref="Resolution"/>²) into <paramref name="pixels"/>.</summary>
    public abstract void Render(int index, Span<float> pixels);

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases what the set holds.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }

    /// <summary>
    /// Opens a job's pre-training images: a SynthFace set by name, or an imported set (found by its
    /// content hash under <paramref name="datasets"/>' roots, so a renamed directory is still found).
    /// </summary>
    /// <exception cref="JobFailedException">The dataset is unknown here, or not the content the job was planned with.</exception>
    public static PretrainData Load(PretrainConfig config, DatasetCatalog? datasets = null)
    {
        if (config.Dataset is null)
            throw new JobFailedException(FailureKind.Deterministic, $"{config.Method} pre-training needs a dataset");
        if (config.IsImportedDataset)
            return Imported(config, datasets ?? DatasetCatalog.Empty);
        if (!SynthFaceCatalog.IsKnown(config.Dataset))
            throw new JobFailedException(FailureKind.Deterministic, $"dataset '{config.Dataset}' is not available; available: {string.Join(", ", SynthFaceCatalog.PretrainDatasets)}");
        var r = config.Backbone.Input;
        var dataset = SynthFaceCatalog.OpenPretrain(config.Dataset, config.Images, r, seed: 0);
        var bytes = (long)config.Images * 3 * r * r * sizeof(float);
        return bytes <= MaxHeldBytes ? HeldSynth.Render(dataset, config.Images, r) : new RenderedSynth(dataset, config.Images, r);
    }

    private static StreamedImages Imported(PretrainConfig config, DatasetCatalog datasets)
    {
        // A union's parts are found one by one, by content, in the order the spec listed them.
        var contents = config.DatasetContent!.Split('+');
        var sets = new List<ImageSet>(contents.Length);
        foreach (var content in contents)
        {
            var entry = datasets.FindByContent(content)
                ?? throw new JobFailedException(FailureKind.Deterministic,
                    $"dataset '{config.Dataset}' (content {content[..Math.Min(16, content.Length)]}) is not on this machine; it has {datasets.Describe()}");
            ImageSet set;
            try
            {
                set = ImageSet.Open(entry.Directory);
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                throw new JobFailedException(FailureKind.Deterministic, $"dataset '{config.Dataset}' cannot be read: {e.Message}");
            }

            if (set.Content != content)
                throw new JobFailedException(FailureKind.Deterministic, $"dataset '{config.Dataset}' at {entry.Directory} changed since the job was planned (content {set.Manifest.ShortContent}, planned {content[..Math.Min(16, content.Length)]})");
            sets.Add(set);
        }

        var union = new ImageUnion(sets);
        var candidates = config.FramesPerClip > 0 ? union.ThinClips(config.FramesPerClip) : Enumerable.Range(0, union.Count).ToArray();
        var images = config.Images == PretrainSpec.AllImages ? candidates.Length : config.Images;
        if (images > candidates.Length)
            throw new JobFailedException(FailureKind.Deterministic, $"{images:N0} pre-training images asked for, but dataset '{config.Dataset}' has {candidates.Length:N0}");
        var subset = Subset(candidates.Length, images).Select(i => candidates[i]).ToArray();
        return new StreamedImages(config.Dataset!, union, subset, config.Backbone.Input);
    }

    /// <summary>
    /// The first <paramref name="images"/> of a fixed permutation of a set's images, so a smaller subset
    /// is always part of a larger one (nested), and the same for every job and machine.
    /// </summary>
    public static int[] Subset(int count, int images)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(images, count);
        if (images == count)
            return Enumerable.Range(0, count).ToArray();
        var all = Enumerable.Range(0, count).ToArray();
        new Random(20_240_917).Shuffle(all);
        return all[..images];
    }

    /// <summary>SynthFace order: the identity shuffled per epoch.</summary>
    private protected static int[] SynthOrder(int count, int epoch)
    {
        var order = Enumerable.Range(0, count).ToArray();
        new Random(1_000 + epoch).Shuffle(order);
        return order;
    }

    /// <summary>A SynthFace set rendered once and held as pixels.</summary>
    private sealed class HeldSynth : PretrainData
    {
        private readonly float[] _pixels;

        private HeldSynth(string name, float[] pixels, int[] identities, int count, int resolution)
            : base(name, count, resolution, identities) => _pixels = pixels;

        public static HeldSynth Render(IFaceDataset dataset, int count, int r)
        {
            var perImage = 3 * r * r;
            var pixels = new float[(long)count * perImage];
            var identities = new int[count];
            Parallel.For(0, count, i =>
            {
                var sample = dataset.Get(i);
                sample.Pixels.CopyTo(pixels.AsSpan(i * perImage, perImage));
                identities[i] = sample.Identity;
            });
            return new HeldSynth(dataset.Name, pixels, identities, count, r);
        }

        public override int[] EpochOrder(int epoch) => SynthOrder(Count, epoch);

        public override void Render(int index, Span<float> pixels) =>
            _pixels.AsSpan(index * PixelsPerImage, PixelsPerImage).CopyTo(pixels);
    }

    /// <summary>A SynthFace set too large to hold, rendered as it is read (the same pixels, at a render's cost per image).</summary>
    private sealed class RenderedSynth : PretrainData
    {
        private readonly IFaceDataset _dataset;

        public RenderedSynth(IFaceDataset dataset, int count, int r)
            : base(dataset.Name, count, r, IdentitiesOf(dataset, count)) => _dataset = dataset;

        private static int[] IdentitiesOf(IFaceDataset dataset, int count)
        {
            var identities = new int[count];
            if (dataset is SynthFaceDataset synth)
                Parallel.For(0, count, i => identities[i] = synth.IdentityOf(i));
            else
                Parallel.For(0, count, i => identities[i] = dataset.Get(i).Identity);
            return identities;
        }

        public override int[] EpochOrder(int epoch) => SynthOrder(Count, epoch);

        public override void Render(int index, Span<float> pixels) => _dataset.Get(index).Pixels.CopyTo(pixels);
    }

    /// <summary>An imported set, streamed from its shards and decoded as it is read.</summary>
    private sealed class StreamedImages : PretrainData
    {
        private readonly ImageSetStream _stream;

        public StreamedImages(string name, ImageUnion set, int[] subset, int resolution)
            : this(name, new ImageSetStream(set, subset), resolution)
        {
        }

        private StreamedImages(string name, ImageSetStream stream, int resolution)
            : base(name, stream.Count, resolution, Enumerable.Range(0, stream.Count).Select(p => stream.Set.Labels[stream.ImageAt(p)]).ToArray())
            => _stream = stream;

        public override int[] EpochOrder(int epoch) => _stream.Order(epoch);

        public override void Render(int index, Span<float> pixels)
        {
            StoredImage image;
            try
            {
                image = _stream.Get(index);
            }
            catch (InvalidDataException e)
            {
                throw new JobFailedException(FailureKind.Deterministic, $"dataset '{Name}': {e.Message}");
            }

            try
            {
                ImageDecoder.DecodeInto(image.Bytes, Resolution, pixels, image.Source);
            }
            catch (CorruptSampleException e)
            {
                // Every stored image decoded at import: one that no longer does means the shard changed under its checksum.
                throw new JobFailedException(FailureKind.Deterministic, $"dataset '{Name}': {e.Message}");
            }
        }

        protected override void Dispose(bool disposing) => _stream.Dispose();
    }
}
