namespace FaceRep.Core.Concurrency;

/// <summary>
/// Group commit: writes submitted from many callers are committed together by one dedicated
/// thread, in batches of whatever has queued while the previous batch was committing. Each
/// caller's task completes only after the batch holding its write has committed (so a returned
/// write is as durable as the commit makes it), or faults with that write's own error. Under
/// load a durable store pays one commit (one fsync) per batch instead of per write; when idle a
/// write waits for nothing.
/// </summary>
/// <typeparam name="T">A write.</typeparam>
public sealed class GroupCommit<T> : IDisposable
{
    /// <summary>Commits a batch. Set <c>failures[i]</c> for a write that failed on its own; throw to fail the whole batch.</summary>
    public delegate void CommitBatch(IReadOnlyList<T> batch, Exception?[] failures);

    private readonly Queue<(T Item, TaskCompletionSource Done)> _queue = new();
    private readonly object _gate = new();
    private bool _closed;

    private readonly CommitBatch _commit;
    private readonly int _maxBatch;
    private readonly Thread _thread;
    private long _batches;
    private long _writes;

    /// <summary>Starts the committing thread.</summary>
    /// <param name="name">The thread's name.</param>
    /// <param name="commit">Commits one batch.</param>
    /// <param name="maxBatch">The most writes in one batch.</param>
    public GroupCommit(string name, CommitBatch commit, int maxBatch = 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        _commit = commit;
        _maxBatch = maxBatch;
        _thread = new Thread(Loop) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Batches committed so far.</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Writes committed so far.</summary>
    public long Writes => Interlocked.Read(ref _writes);

    /// <summary>Queues a write; completes when it has been committed.</summary>
    public Task SubmitAsync(T item)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_closed)
                return Task.FromException(new ObjectDisposedException(_thread.Name, "the store is closed"));
            _queue.Enqueue((item, done));
            if (_queue.Count == 1)
                Monitor.Pulse(_gate);
        }

        return done.Task;
    }

    /// <summary>Commits what is queued, then stops the thread.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _closed = true;
            Monitor.Pulse(_gate);
        }

        _thread.Join();
    }

    private void Loop()
    {
        // A monitor, not a channel or semaphore: the thread sleeps while idle instead of spinning.
        var batch = new List<(T Item, TaskCompletionSource Done)>(_maxBatch);
        while (true)
        {
            batch.Clear();
            lock (_gate)
            {
                while (_queue.Count == 0 && !_closed)
                    Monitor.Wait(_gate);
                if (_queue.Count == 0)
                    return;
                while (batch.Count < _maxBatch && _queue.TryDequeue(out var next))
                    batch.Add(next);
            }

            var failures = new Exception?[batch.Count];
            try
            {
                _commit(batch.ConvertAll(b => b.Item), failures);
            }
            catch (Exception e)
            {
                Array.Fill(failures, e);
            }

            Interlocked.Increment(ref _batches);
            Interlocked.Add(ref _writes, batch.Count);
            for (var i = 0; i < batch.Count; i++)
            {
                if (failures[i] is { } failure)
                    batch[i].Done.SetException(failure);
                else
                    batch[i].Done.SetResult();
            }
        }
    }
}
