using static TorchSharp.torch;

namespace FaceRep.Training.Distributed;

/// <summary>
/// Data-parallel training of one module over k devices, as PyTorch's DataParallel: a replica per
/// device, the batch split along dimension 0, each chunk run by its device's replica on a thread of
/// its own (the first on the calling thread), outputs gathered on the first device (autograd flows
/// back through the gather), replica gradients summed onto the first device's module after
/// backward, and the updated weights and buffers copied back to the replicas after each optimiser
/// step. The loss sees the whole gathered batch, so the summed gradient equals the gradient of the
/// whole batch on one device, except through batch norm: by default each replica normalises its own
/// chunk (as DataParallel) and the master keeps the running statistics of the first chunk; with
/// synchronised batch norm every chunk is normalised with the whole batch's statistics (see
/// <see cref="BatchNormSync"/>), which makes the step equal to one device's on the whole batch.
/// </summary>
/// <typeparam name="TModule">The replicated module.</typeparam>
public sealed class Replicas<TModule> : IDisposable
    where TModule : nn.Module<Tensor, Tensor>
{
    private readonly TModule _master;
    private readonly Device[] _devices;
    private readonly TModule[] _copies;
    private readonly ReplicaThread[] _threads;
    private readonly BatchNormSync? _sync;
    private readonly int _threadsPerReplica;

    /// <summary>Replicates <paramref name="master"/> (already on <paramref name="devices"/>[0]) with modules made by <paramref name="create"/>.</summary>
    /// <param name="master">The module the optimiser updates, on the first device.</param>
    /// <param name="devices">One device per replica.</param>
    /// <param name="create">Makes a module of the master's architecture (on the CPU; it is moved).</param>
    /// <param name="syncBatchNorm">Normalise every chunk with the whole batch's statistics.</param>
    /// <param name="threads">libtorch intra-op threads of each replica's thread.</param>
    public Replicas(TModule master, IReadOnlyList<Device> devices, Func<TModule> create, bool syncBatchNorm = false, int threads = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(devices.Count, 1);
        _master = master;
        _devices = [.. devices];
        _copies = new TModule[devices.Count - 1];
        for (var i = 1; i < devices.Count; i++)
        {
            var copy = create();
            JobDevices.Move(copy, devices[i]);
            _copies[i - 1] = copy;
        }

        _threadsPerReplica = Math.Max(1, threads);
        _threads = [.. Enumerable.Range(1, _copies.Length).Select(i => new ReplicaThread($"replica {i}", _threadsPerReplica))];
        if (syncBatchNorm && devices.Count > 1)
        {
            _sync = new BatchNormSync(devices);
            for (var r = 0; r < devices.Count; r++)
            {
                var layers = (r == 0 ? master : _copies[r - 1]).modules().OfType<Layers.BatchNormLayer>().ToArray();
                for (var l = 0; l < layers.Length; l++)
                    layers[l].Sync = new BatchNormSync.Link(_sync, l, r);
            }
        }

        Broadcast();
    }

    /// <summary>Whether every chunk is normalised with the whole batch's statistics.</summary>
    public bool SynchronisedBatchNorm => _sync is not null;

    /// <summary>Devices in use; the first holds the master and the gathered outputs.</summary>
    public int Count => _devices.Length;

    /// <summary>The first device.</summary>
    public Device Primary => _devices[0];

    /// <summary>The module on the first device, the one the optimiser updates.</summary>
    public TModule Master => _master;

    /// <summary>Runs the batch split over the replicas, each on its thread, and gathers the outputs on the first device.</summary>
    public Tensor Forward(Tensor input)
    {
        if (_copies.Length == 0)
            return _master.call(input);
        if (input.shape[0] < _devices.Length)
            throw new ArgumentException($"a batch of {input.shape[0]} cannot be split over {_devices.Length} devices", nameof(input));
        using var scope = NewDisposeScope();
        // k shares differing by at most one image (chunk's ⌈b/k⌉ pieces can leave a device one image, or none).
        var chunks = input.tensor_split(_devices.Length, 0);
        var outputs = new Tensor[chunks.Length];
        // Gradient mode is per thread in libtorch: each replica's thread takes the caller's.
        var grad = is_grad_enabled();
        _sync?.Begin();
        var pending = new Task[_copies.Length];
        for (var i = 1; i < chunks.Length; i++)
        {
            var r = i;
            pending[r - 1] = _threads[r - 1].Run(() =>
            {
                using var _ = set_grad_enabled(grad);
                using var own = NewDisposeScope();
                RunReplica(r, () => outputs[r] = _copies[r - 1].call(chunks[r].to(_devices[r])).to(_devices[0]).DetachFromDisposeScope());
            });
        }

        var failures = new List<Exception>();
        // The calling thread runs one replica among k: it takes a replica's share of the job's threads meanwhile.
        var callerThreads = get_num_threads();
        TorchRuntime.UseThreads(_threadsPerReplica);
        try
        {
            RunReplica(0, () => outputs[0] = _master.call(chunks[0].to(_devices[0])));
        }
        catch (Exception e)
        {
            failures.Add(e);
        }
        finally
        {
            TorchRuntime.UseThreads(callerThreads);
        }

        try
        {
            Task.WaitAll(pending);
        }
        catch (AggregateException e)
        {
            failures.AddRange(e.InnerExceptions);
        }

        // The replica that failed, rather than those it released from waiting.
        if ((failures.FirstOrDefault(x => x is not OperationCanceledException) ?? failures.FirstOrDefault()) is { } first)
        {
            foreach (var output in outputs.Skip(1))
                output?.Dispose();
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first).Throw();
        }

        var gathered = cat(outputs, 0);
        foreach (var output in outputs.Skip(1))
            output.Dispose();
        return gathered.MoveToOuterDisposeScope();
    }

    /// <summary>One replica's forward; with synchronised batch norm, a failure releases the others, and success waits until all have read every layer's statistics.</summary>
    private void RunReplica(int replica, Action forward)
    {
        try
        {
            forward();
            _sync?.Finish();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _sync?.Abort();
            throw;
        }
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
        foreach (var thread in _threads)
            thread.Dispose();
        // The master outlives the replicas (it is the trained backbone): it forgets the group.
        foreach (var layer in _copies.Prepend(_master).SelectMany(m => m.modules().OfType<Layers.BatchNormLayer>()))
            layer.Sync = null;
        foreach (var copy in _copies)
            copy.Dispose();
        _sync?.Dispose();
    }
}

/// <summary>
/// A long-lived thread that runs one replica's work, one item at a time: libtorch's OpenMP threads are
/// per calling thread, so a thread per step would build a new pool each time.
/// </summary>
internal sealed class ReplicaThread : IDisposable
{
    private readonly System.Collections.Concurrent.BlockingCollection<(Action Work, TaskCompletionSource Done)> _queue = [];
    private readonly Thread _thread;

    public ReplicaThread(string name, int threads)
    {
        _thread = new Thread(() =>
        {
            TorchRuntime.UseThreads(Math.Max(1, threads));
            foreach (var (work, done) in _queue.GetConsumingEnumerable())
            {
                try
                {
                    work();
                    done.SetResult();
                }
                catch (Exception e)
                {
                    done.SetException(e);
                }
            }
        })
        { IsBackground = true, Name = name };
        _thread.Start();
    }

    public Task Run(Action work)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _queue.Add((work, done));
        return done.Task;
    }

    public void Dispose()
    {
        _queue.CompleteAdding();
        _thread.Join();
        _queue.Dispose();
    }
}
