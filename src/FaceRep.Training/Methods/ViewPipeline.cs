using FaceRep.Data;

namespace FaceRep.Training.Methods;

/// <summary>How a method views each image.</summary>
public enum ViewStyle
{
    /// <summary>Mild crop (area 0.7–1) and flip, no colour change: supervised identity training.</summary>
    Light,

    /// <summary>SimCLR augmentation (crop area 0.25–1, flip, colour jitter, grayscale) at the input size.</summary>
    Contrastive,

    /// <summary>SwAV multi-crop: large crops at the input size and small crops at a smaller size.</summary>
    MultiCrop,
}

/// <summary>The views a method needs of each image in a batch.</summary>
/// <param name="Style">Augmentation.</param>
/// <param name="Large">Views at the input resolution.</param>
/// <param name="Small">Small views (multi-crop only).</param>
/// <param name="SmallResolution">Size of the small views.</param>
/// <param name="LargeScale">Crop area range of the large views (multi-crop).</param>
/// <param name="SmallScale">Crop area range of the small views (multi-crop).</param>
public sealed record ViewPlan(ViewStyle Style, int Large, int Small = 0, int SmallResolution = 0,
    (double Min, double Max) LargeScale = default, (double Min, double Max) SmallScale = default)
{
    /// <summary>Crop floor and colour changes of contrastive and multi-crop views (their crop floor is <see cref="LargeScale"/>'s for multi-crop).</summary>
    public ViewAugmentation Augmentation { get; init; } = ViewAugmentation.Default;

    /// <summary>All views.</summary>
    public int Count => Large + Small;

    /// <summary>Resolution of view <paramref name="v"/>.</summary>
    public int ResolutionOf(int v, int input) => v < Large ? input : SmallResolution;
}

/// <summary>One batch's views: per view, B images (NCHW, [0, 1]); and the images' dataset indices.</summary>
public sealed record ViewBatch(float[][] Views, int[] Indices);

/// <summary>
/// Produces each step's augmented views on a worker thread while the previous step trains, so
/// augmentation costs the step little time. Every image's augmentation draws from a generator
/// seeded by (epoch, step, position), so the result does not depend on threads or timing.
/// </summary>
public sealed class ViewPipeline : IDisposable
{
    private readonly PretrainData _data;
    private readonly ViewPlan _plan;
    private readonly int _batch;
    private readonly int _stepsPerEpoch;
    private readonly long _totalSteps;
    private readonly float[][][] _buffers;
    private readonly int[][] _indices;
    private readonly ParallelOptions _parallel;
    private int[] _order = [];
    private int _orderEpoch = -1;
    private Task? _pending;
    private long _next;

    /// <summary>Prepares the pipeline and starts on the first batch.</summary>
    /// <param name="data">The images.</param>
    /// <param name="plan">The views of each.</param>
    /// <param name="batch">Images per step.</param>
    /// <param name="epochs">Passes over the images.</param>
    /// <param name="trainingThreads">
    /// Threads the training itself uses: the pipeline renders on the cores left (at least one), so it
    /// does not take the training thread's core while it works ahead (0: every core).
    /// </param>
    public ViewPipeline(PretrainData data, ViewPlan plan, int batch, int epochs, int trainingThreads = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(batch, data.Count);
        ArgumentOutOfRangeException.ThrowIfLessThan(plan.Count, 1);
        _data = data;
        _plan = plan;
        _batch = batch;
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = trainingThreads <= 0 ? -1 : Math.Max(1, Environment.ProcessorCount - trainingThreads) };
        _stepsPerEpoch = Math.Max(1, data.Count / batch);
        _totalSteps = (long)_stepsPerEpoch * epochs;
        _buffers = new float[2][][];
        _indices = new int[2][];
        for (var b = 0; b < 2; b++)
        {
            _buffers[b] = Enumerable.Range(0, plan.Count)
                .Select(v => new float[(long)batch * 3 * plan.ResolutionOf(v, data.Resolution) * plan.ResolutionOf(v, data.Resolution)])
                .ToArray();
            _indices[b] = new int[batch];
        }

        if (_totalSteps > 0)
            _pending = Task.Run(() => Produce(0));
    }

    /// <summary>Steps per pass over the data (the last partial batch is dropped).</summary>
    public int StepsPerEpoch => _stepsPerEpoch;

    /// <summary>Steps in the run.</summary>
    public long TotalSteps => _totalSteps;

    /// <summary>
    /// The next step's views. The returned buffers stay valid until the call after next, so
    /// copy them into tensors before asking again.
    /// </summary>
    public ViewBatch Next()
    {
        if (_next >= _totalSteps || _pending is null)
            throw new InvalidOperationException($"the pipeline has produced all {_totalSteps} steps");
        _pending.GetAwaiter().GetResult();
        var step = _next++;
        var following = _next;
        _pending = following < _totalSteps ? Task.Run(() => Produce(following)) : null;
        var slot = (int)(step % 2);
        return new ViewBatch(_buffers[slot], _indices[slot]);
    }

    private void Produce(long step)
    {
        var epoch = (int)(step / _stepsPerEpoch);
        var inEpoch = (int)(step % _stepsPerEpoch);
        if (epoch != _orderEpoch)
        {
            // The data's own order for the epoch: a function of the epoch alone.
            _order = _data.EpochOrder(epoch);
            _orderEpoch = epoch;
        }

        var slot = (int)(step % 2);
        var views = _buffers[slot];
        var indices = _indices[slot];
        Array.Copy(_order, inEpoch * _batch, indices, 0, _batch);
        Parallel.For(0, _batch, _parallel, () => new Scratch(_plan, _data.Resolution), (i, _, scratch) =>
        {
            var rng = new Random(unchecked((int)((step * 1_000_003) + (i * 7_919) + 17)));
            _data.Render(indices[i], scratch.Image);
            Render(scratch.Image, i, views, scratch, rng);
            return scratch;
        }, _ => { });
    }

    private void Render(ReadOnlySpan<float> image, int i, float[][] views, Scratch scratch, Random rng)
    {
        var r = _data.Resolution;
        var size = 3 * r * r;
        switch (_plan.Style)
        {
            case ViewStyle.Light:
                for (var v = 0; v < _plan.Large; v++)
                    Augment.RandomTaskView(image, views[v].AsSpan(i * size, size), r, [], [], rng);
                break;
            case ViewStyle.Contrastive:
                for (var v = 0; v < _plan.Large; v++)
                    Augment.RandomView(image, views[v].AsSpan(i * size, size), r, rng, _plan.Augmentation);
                break;
            default:
                Augment.MultiCrop(image, r, scratch.Large, scratch.Small, _plan.SmallResolution, rng, _plan.LargeScale, _plan.SmallScale, _plan.Augmentation);
                for (var v = 0; v < _plan.Large; v++)
                    scratch.Large[v].CopyTo(views[v], i * size);
                var small = 3 * _plan.SmallResolution * _plan.SmallResolution;
                for (var v = 0; v < _plan.Small; v++)
                    scratch.Small[v].CopyTo(views[_plan.Large + v], i * small);
                break;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        try
        {
            _pending?.GetAwaiter().GetResult();
        }
        catch (Exception)
        {
            // The run is ending anyway; a failure producing a batch nobody will use does not matter.
        }
    }

    private sealed class Scratch(ViewPlan plan, int resolution)
    {
        public float[] Image { get; } = new float[3 * resolution * resolution];

        public float[][] Large { get; } = plan.Style == ViewStyle.MultiCrop
            ? Enumerable.Range(0, plan.Large).Select(_ => new float[3 * resolution * resolution]).ToArray()
            : [];

        public float[][] Small { get; } = plan.Style == ViewStyle.MultiCrop
            ? Enumerable.Range(0, plan.Small).Select(_ => new float[3 * plan.SmallResolution * plan.SmallResolution]).ToArray()
            : [];
    }
}
