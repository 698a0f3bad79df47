using TorchSharp;
using static TorchSharp.torch;

namespace FaceRep.Training.Distributed;

/// <summary>
/// Synchronised batch norm across the replicas of one job (as PyTorch's SyncBatchNorm): every replica's
/// batch-norm layer normalises its chunk with the mean and variance of the whole batch. The replicas run
/// on threads of their own; at each layer each one posts its chunk's count, mean and sum of squared
/// deviations, waits for the others, and merges them (Chan et al.'s pairwise formula, which keeps the
/// precision of two passes). The merge is made of differentiable operations across devices, so
/// autograd carries the whole batch's gradient back into every chunk: the result equals single-device
/// batch norm on the whole batch. Running statistics are updated with the whole batch's mean and
/// unbiased variance.
/// </summary>
public sealed class BatchNormSync : IDisposable
{
    private readonly Device[] _devices;
    private readonly Dictionary<int, Posted[]> _posted = [];
    private readonly Lock _postedLock = new();
    private readonly List<Tensor> _held = [];
    private Barrier _barrier;
    private long _pass;
    private CancellationTokenSource _abort = new();

    /// <summary>Creates the group for replicas on <paramref name="devices"/> (replica i on devices[i]).</summary>
    public BatchNormSync(IReadOnlyList<Device> devices)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(devices.Count, 2);
        _devices = [.. devices];
        _barrier = new Barrier(_devices.Length);
    }

    /// <summary>Replicas in the group.</summary>
    public int Count => _devices.Length;

    /// <summary>Before a forward pass: a group a failed pass left broken is made anew.</summary>
    internal void Begin()
    {
        Release();
        _pass++;
        if (!_abort.IsCancellationRequested)
            return;
        _abort.Dispose();
        _abort = new CancellationTokenSource();
        _barrier.Dispose();
        _barrier = new Barrier(_devices.Length);
    }

    /// <summary>A replica failed: the others stop waiting for it.</summary>
    internal void Abort() => _abort.Cancel();

    /// <summary>
    /// At the end of a replica's forward pass: waits until every replica has read every layer's
    /// statistics, so none is released while another still reads it.
    /// </summary>
    internal void Finish() => Wait();

    /// <summary>
    /// Waits for every replica; a replica that never comes (another number of batch-norm calls, a hang)
    /// fails the step after <see cref="Patience"/> rather than holding the job for ever.
    /// </summary>
    private void Wait()
    {
        if (!_barrier.SignalAndWait(Patience, _abort.Token))
        {
            Abort();
            throw new TimeoutException($"replicas of one job waited {Patience.TotalMinutes:F0} min at a synchronised batch norm for one that never came");
        }
    }

    /// <summary>How long a replica waits for the others at one layer.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(10);

    /// <summary>Batch norm of replica <paramref name="replica"/>'s chunk at layer <paramref name="layer"/>, with the whole batch's statistics.</summary>
    internal Tensor Normalise(int layer, int replica, Tensor input, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVar, double momentum, double eps)
    {
        // Every scalar is held in a local until its call returns (see Optimisers.AdamW on finalised native scalars).
        var channels = input.shape[1];
        // Every dimension but the channels' (batch norm of 2D to 5D inputs).
        long[] dims = [0, .. Enumerable.Range(2, (int)input.dim() - 2).Select(d => (long)d)];
        var count = input.numel() / channels;
        var (variance, mean) = var_mean(input, dims, unbiased: false);
        using var countScalar = ((double)count).ToScalar();
        var posted = Slots(layer);
        // Held by the group until the next pass: a replica leaves each layer's dispose scope while the others may still read what it posted.
        var squaresPosted = variance.mul(countScalar);
        posted[replica] = new Posted(_pass, layer, count, mean.DetachFromDisposeScope(), squaresPosted.DetachFromDisposeScope());
        lock (_postedLock)
        {
            _held.Add(posted[replica].Mean);
            _held.Add(posted[replica].Squares);
        }

        Wait();
        if (posted.Any(p => p is null || p.Pass != _pass || p.Layer != layer))
        {
            Abort();
            throw new InvalidOperationException($"replicas of one job are out of step at batch-norm layer {layer}: each must run the same layers in the same mode");
        }

        var device = _devices[replica];
        var total = posted.Sum(p => p.Count);
        using var totalScalar = ((double)total).ToScalar();
        // The whole batch's mean, then its sum of squared deviations: each chunk's own, plus its count times its mean's squared distance from the whole's.
        var weightedSum = zeros(channels, dtype: input.dtype, device: device);
        foreach (var p in posted)
        {
            using var n = ((double)p.Count).ToScalar();
            weightedSum = weightedSum.add(p.Mean.to(device), n);
        }

        var wholeMean = weightedSum.div(totalScalar);
        var squares = zeros(channels, dtype: input.dtype, device: device);
        foreach (var p in posted)
        {
            using var n = ((double)p.Count).ToScalar();
            var shift = p.Mean.to(device).sub(wholeMean);
            squares = squares.add(p.Squares.to(device), HeldScalars.One).add(shift.mul(shift), n);
        }

        var wholeVariance = squares.div(totalScalar);
        using (no_grad())
        {
            using var keep = (1 - momentum).ToScalar();
            using var meanRate = momentum.ToScalar();
            using var varianceRate = (momentum * total / Math.Max(1, total - 1)).ToScalar();
            runningMean.mul_(keep).add_(wholeMean.detach(), meanRate);
            runningVar.mul_(keep).add_(wholeVariance.detach(), varianceRate);
        }

        using var epsScalar = eps.ToScalar();
        long[] shape = [1, channels, .. Enumerable.Repeat(1L, (int)input.dim() - 2)];
        var scale = wholeVariance.add(epsScalar, HeldScalars.One).rsqrt().mul(weight).view(shape);
        return input.sub(wholeMean.view(shape)).mul(scale).add(bias.view(shape), HeldScalars.One);
    }

    private Posted[] Slots(int layer)
    {
        lock (_postedLock)
        {
            if (!_posted.TryGetValue(layer, out var slots))
                _posted[layer] = slots = new Posted[_devices.Length];
            return slots;
        }
    }

    private void Release()
    {
        lock (_postedLock)
        {
            foreach (var tensor in _held)
                tensor.Dispose();
            _held.Clear();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Release();
        _barrier.Dispose();
        _abort.Dispose();
    }

    /// <summary>One replica's statistics of its chunk at a layer: count, mean and sum of squared deviations per channel.</summary>
    private sealed record Posted(long Pass, int Layer, long Count, Tensor Mean, Tensor Squares);

    /// <summary>A batch-norm layer's place in the group: which layer of the network, in which replica.</summary>
    public sealed record Link(BatchNormSync Group, int Layer, int Replica);
}
