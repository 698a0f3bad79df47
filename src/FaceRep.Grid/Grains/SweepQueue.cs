using FaceRep.Grid.Abstractions;

namespace FaceRep.Grid.Grains;

/// <summary>A queued job and its place: lower goes first (lost jobs have places below every fresh one).</summary>
internal sealed record QueueEntry(QueuedJob Job, long Place);

/// <summary>
/// One sweep's ready jobs, in lanes by the device kind they require (none, <c>gpu</c>, <c>cpu</c>)
/// and by whether other jobs wait for them: in each, those preferring a silo by silo, and the rest.
/// A worker is offered only the lanes its device can serve, and jobs others wait for (pre-training)
/// before any other: otherwise evaluations of finished sources, preferring the silo that holds
/// their checkpoint, keep every worker busy while the remaining pre-training jobs wait, and the
/// sweep's critical path only starts when the evaluations run out.
/// </summary>
internal sealed class SweepQueue(string name, int priority)
{
    private readonly Dictionary<(string Requires, bool Blocks), Lane> _lanes = [];

    public string Name { get; } = name;

    public int Priority { get; } = priority;

    /// <summary>When the sweep was last served (larger is more recent).</summary>
    public long LastTurn { get; set; }

    public int Count { get; private set; }

    public void Add(QueueEntry entry)
    {
        var key = (Requires: entry.Job.Requires ?? "", entry.Job.Blocks);
        if (!_lanes.TryGetValue(key, out var lane))
            _lanes[key] = lane = new Lane(key.Requires);
        lane.Add(entry);
        Count++;
    }

    /// <summary>True when some job here may run on a device of <paramref name="kind"/>.</summary>
    public bool HasWorkFor(string kind) => _lanes.Any(l => l.Value.Count > 0 && Serves(l.Key.Requires, kind));

    /// <summary>
    /// For a worker of <paramref name="silo"/> with a device of <paramref name="kind"/>, among the
    /// jobs others wait for if it may run any, else among the rest: this
    /// silo's first job; else the earliest of the rest, except those preferring a silo whose
    /// worker (of a device that can run them) <paramref name="isComing"/> for them: a worker never idles while its sweep has a job
    /// it can run that nobody else is about to take. Null if there is none.
    /// </summary>
    public QueueEntry? Take(string silo, string kind, Func<string, string, bool> isComing)
    {
        var chosen = Take(silo, kind, isComing, blocks: true) ?? Take(silo, kind, isComing, blocks: false);
        if (chosen is not null)
            Count--;
        return chosen;
    }

    private QueueEntry? Take(string silo, string kind, Func<string, string, bool> isComing, bool blocks)
    {
        var lanes = _lanes.Where(l => l.Value.Count > 0 && l.Key.Blocks == blocks && Serves(l.Key.Requires, kind)).Select(l => l.Value).ToList();
        Lane? local = null;
        long localPlace = long.MaxValue;
        foreach (var lane in lanes)
        {
            if (lane.PeekLocal(silo) is { } place && (local is null || place < localPlace))
                (local, localPlace) = (lane, place);
        }

        QueueEntry? chosen;
        if (local is not null)
        {
            chosen = local.TakeLocal(silo);
        }
        else
        {
            // Each lane's candidate is looked for once (looking may wake a worker that is coming for it).
            (Lane Lane, Candidate Candidate)? other = null;
            foreach (var lane in lanes)
            {
                if (lane.Other(silo, isComing) is { } candidate && (other is null || candidate.Place < other.Value.Candidate.Place))
                    other = (lane, candidate);
            }

            chosen = other is { } o ? o.Lane.Take(o.Candidate) : null;
        }

        return chosen;
    }

    /// <summary>Whether a device of <paramref name="kind"/> may run jobs requiring <paramref name="requires"/>.</summary>
    public static bool Serves(string requires, string kind) => requires.Length == 0 || requires == kind;

    /// <summary>Jobs of one requirement: those preferring a silo, by silo, and the rest.</summary>
    /// <param name="requires">The device kind its jobs require ("" for any).</param>
    private sealed class Lane(string requires)
    {
        private readonly PriorityQueue<QueueEntry, long> _anywhere = new();
        private readonly Dictionary<string, PriorityQueue<QueueEntry, long>> _bySilo = new(StringComparer.Ordinal);

        public int Count { get; private set; }

        public void Add(QueueEntry entry)
        {
            var queue = _anywhere;
            if (entry.Job.PreferredSilo is { } silo && !_bySilo.TryGetValue(silo, out queue))
                _bySilo[silo] = queue = new PriorityQueue<QueueEntry, long>();
            queue.Enqueue(entry, entry.Place);
            Count++;
        }

        public long? PeekLocal(string silo) =>
            _bySilo.TryGetValue(silo, out var local) && local.TryPeek(out _, out var place) ? place : null;

        public QueueEntry TakeLocal(string silo)
        {
            var local = _bySilo[silo];
            var entry = local.Dequeue();
            if (local.Count == 0)
                _bySilo.Remove(silo);
            Count--;
            return entry;
        }

        /// <summary>Removes and returns the job a <see cref="Candidate"/> names.</summary>
        public QueueEntry Take(Candidate candidate)
        {
            var entry = candidate.Source.Dequeue();
            if (candidate.From is { } from && candidate.Source.Count == 0)
                _bySilo.Remove(from);
            Count--;
            return entry;
        }

        /// <summary>The earliest job not preferring <paramref name="silo"/> that this silo may take, if any.</summary>
        public Candidate? Other(string silo, Func<string, string, bool> isComing)
        {
            PriorityQueue<QueueEntry, long>? source = _anywhere.Count > 0 ? _anywhere : null;
            var bestPlace = _anywhere.TryPeek(out _, out var p) ? p : long.MaxValue;
            string? from = null;
            foreach (var (other, queue) in _bySilo)
            {
                if (other != silo && queue.TryPeek(out _, out var place) && place < bestPlace && !isComing(other, requires))
                    (source, bestPlace, from) = (queue, place, other);
            }

            return source is null ? null : new Candidate(source, bestPlace, from);
        }
    }

    /// <summary>A lane's next job for a worker of another silo: the queue holding it, its place, and the silo that queue is for (null: any).</summary>
    private readonly record struct Candidate(PriorityQueue<QueueEntry, long> Source, long Place, string? From);
}
