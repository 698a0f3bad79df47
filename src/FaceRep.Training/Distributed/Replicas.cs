using TorchSharp;
using static TorchSharp.torch;

namespace FaceRep.Training.Distributed;

/// <summary>
/// Data-parallel training of one module over k devices, as PyTorch's DataParallel: a replica per
/// device, the batch split along dimension 0, each chunk run by its device's replica, outputs
/// gathered on the first device (autograd flows back through the gather), replica gradients
/// summed onto the first device's module after backward, and the updated weights and buffers
/// copied back to the replicas after each optimiser step. The loss sees the whole gathered batch,
/// so the summed gradient equals the gradient of the whole batch on one device, except through
/// batch norm: each replica normalises its own chunk (as DataParallel without SyncBatchNorm),
/// and the master keeps the running statistics of the first chunk.
/// </summary>
/// <typeparam name="TModule">The replicated module.</typeparam>
public sealed class Replicas<TModule> : IDisposable
    where TModule : nn.Module<Tensor, Tensor>
{
    private readonly TModule _master;
    private readonly Device[] _devices;
    private readonly TModule[] _copies;

    /// <summary>Replicates <paramref name="master"/> (already on <paramref name="devices"/>[0]) with modules made by <paramref name="create"/>.</summary>
    public Replicas(TModule master, IReadOnlyList<Device> devices, Func<TModule> create)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(devices.Count, 1);
        _master = master;
        _devices = [.. devices];
        _copies = new TModule[devices.Count - 1];
        for (var i = 1; i < devices.Count; i++)
        {
            var copy = create();
            copy.to(devices[i]);
            _copies[i - 1] = copy;
        }

        Broadcast();
    }

    /// <summary>Devices in use; the first holds the master and the gathered outputs.</summary>
    public int Count => _devices.Length;

    /// <summary>The first device.</summary>
    public Device Primary => _devices[0];

    /// <summary>The module on the first device, the one the optimiser updates.</summary>
    public TModule Master => _master;

    /// <summary>Runs the batch split over the replicas and gathers the outputs on the first device.</summary>
    public Tensor Forward(Tensor input)
    {
        if (_copies.Length == 0)
            return _master.call(input);
        using var scope = NewDisposeScope();
        var chunks = input.chunk(_devices.Length, 0);
        var outputs = new Tensor[chunks.Length];
        for (var i = 0; i < chunks.Length; i++)
        {
            var module = i == 0 ? _master : _copies[i - 1];
            outputs[i] = module.call(chunks[i].to(_devices[i])).to(_devices[0]);
        }

        return cat(outputs, 0).MoveToOuterDisposeScope();
    }

    /// <summary>Sets training or evaluation mode on every replica.</summary>
    public void Train(bool training = true)
    {
        _master.train(training);
        foreach (var copy in _copies)
            copy.train(training);
    }

    /// <summary>Adds every replica's gradients into the master's and clears the replicas'. Call after backward.</summary>
    public void ReduceGradients()
    {
        if (_copies.Length == 0)
            return;
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var master = _master.parameters().ToArray();
        foreach (var copy in _copies)
        {
            var parameters = copy.parameters().ToArray();
            for (var p = 0; p < master.Length; p++)
            {
                var g = parameters[p].grad;
                if (g is null)
                    continue;
                if (master[p].grad is { } target)
                    target.add_(g.to(_devices[0]), HeldScalars.One);
                else
                    master[p].grad = g.to(_devices[0]).clone().DetachFromDisposeScope();
                g.zero_();
            }
        }
    }

    /// <summary>Copies the master's parameters and buffers to every replica. Call after each optimiser step.</summary>
    public void Broadcast()
    {
        using var _ = no_grad();
        var parameters = _master.parameters().ToArray();
        var buffers = _master.buffers().ToArray();
        foreach (var copy in _copies)
        {
            var targetParameters = copy.parameters().ToArray();
            for (var p = 0; p < parameters.Length; p++)
                targetParameters[p].copy_(parameters[p]);
            var targetBuffers = copy.buffers().ToArray();
            for (var b = 0; b < buffers.Length; b++)
                targetBuffers[b].copy_(buffers[b]);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var copy in _copies)
            copy.Dispose();
    }
}
