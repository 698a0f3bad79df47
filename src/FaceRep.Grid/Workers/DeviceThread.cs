namespace FaceRep.Grid.Workers;

/// <summary>
/// One device's thread: runs one job at a time. It sleeps on a monitor while idle (no spinning:
/// a silo may have dozens of devices on a few cores). The device counts as busy from its claim
/// (<see cref="TryClaim"/>) until its owner releases it, after the job's outcome is reported.
/// </summary>
internal sealed class DeviceThread : IDisposable
{
    private readonly Action<DeviceThread, WorkItem> _process;
    private readonly object _gate = new();
    private readonly Thread _thread;
    private WorkItem? _next;
    private bool _stopping;
    private int _finished;

    /// <summary>Starts the thread; <paramref name="process"/> runs each item on it.</summary>
    public DeviceThread(Device device, Action<DeviceThread, WorkItem> process)
    {
        Device = device;
        _process = process;
        _thread = new Thread(Loop) { IsBackground = true, Name = $"facerep-{device.Name}" };
        _thread.Start();
    }

    /// <summary>The job holding the device, if any.</summary>
    public WorkItem? Current { get; private set; }

    /// <summary>The device.</summary>
    public Device Device { get; }

    /// <summary>Jobs whose outcome this device has reported.</summary>
    public int Finished => Volatile.Read(ref _finished);

    /// <summary>Marks the device busy with <paramref name="item"/>; false if it is busy or stopping.</summary>
    public bool TryClaim(WorkItem item)
    {
        lock (_gate)
        {
            if (Current is not null || _stopping)
                return false;
            Current = item;
            return true;
        }
    }

    /// <summary>Frees the device if <paramref name="item"/> holds it; true if it did.</summary>
    public bool Release(WorkItem item)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(Current, item))
                return false;
            Current = null;
            return true;
        }
    }

    /// <summary>Counts a job whose outcome was reported.</summary>
    public void CountFinished() => Interlocked.Increment(ref _finished);

    /// <summary>Runs a claimed item on this thread.</summary>
    public void Run(WorkItem item)
    {
        lock (_gate)
        {
            _next = item;
            Monitor.Pulse(_gate);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        WorkItem? current;
        lock (_gate)
        {
            _stopping = true;
            current = Current;
            Monitor.Pulse(_gate);
        }

        current?.TryCancel();
        _thread.Join(TimeSpan.FromSeconds(10));
    }

    private void Loop()
    {
        while (true)
        {
            WorkItem item;
            lock (_gate)
            {
                while (_next is null && !_stopping)
                    Monitor.Wait(_gate);
                if (_stopping)
                    return;
                item = _next!;
                _next = null;
            }

            _process(this, item);
        }
    }
}
