using FaceRep.Grid.Abstractions;

namespace FaceRep.Grid.Grains;

/// <summary>A queued job and its place: lower goes first (lost jobs have places below every fresh one).</summary>
internal sealed record QueueEntry(QueuedJob Job, long Place);

/// <summary>One sweep's ready jobs: those preferring a silo, by silo, and the rest.</summary>
internal sealed class SweepQueue(string name, int priority)
{
    private readonly PriorityQueue<QueueEntry, long> _anywhere = new();
    private readonly Dictionary<string, PriorityQueue<QueueEntry, long>> _bySilo = new(StringComparer.Ordinal);

    public string Name { get; } = name;

    public int Priority { get; } = priority;

    /// <summary>When the sweep was last served (larger is more recent).</summary>
    public long LastTurn { get; set; }

    public int Count { get; private set; }

    public void Add(QueueEntry entry)
    {
        var queue = _anywhere;
        if (entry.Job.PreferredSilo is { } silo && !_bySilo.TryGetValue(silo, out queue))
            _bySilo[silo] = queue = new PriorityQueue<QueueEntry, long>();
        queue.Enqueue(entry, entry.Place);
        Count++;
    }

    /// <summary>
    /// This silo's first job; else the earliest of the rest, except those preferring a silo
    /// whose worker <paramref name="isComing"/> for them: a worker never idles while its sweep
    /// has a job nobody else is about to take. Null if there is none.
    /// </summary>
    public QueueEntry? Take(string silo, Func<string, bool> isComing)
    {
        if (_bySilo.TryGetValue(silo, out var local) && local.TryDequeue(out var mine, out _))
        {
            if (local.Count == 0)
                _bySilo.Remove(silo);
            Count--;
            return mine;
        }

        PriorityQueue<QueueEntry, long>? source = _anywhere.Count > 0 ? _anywhere : null;
        var bestPlace = _anywhere.TryPeek(out _, out var p) ? p : long.MaxValue;
        string? from = null;
        foreach (var (other, queue) in _bySilo)
        {
            if (queue.TryPeek(out _, out var place) && place < bestPlace && !isComing(other))
                (source, bestPlace, from) = (queue, place, other);
        }

        if (source is null)
            return null;
        var entry = source.Dequeue();
        if (from is not null && source.Count == 0)
            _bySilo.Remove(from);
        Count--;
        return entry;
    }
}
