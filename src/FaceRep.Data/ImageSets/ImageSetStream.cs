namespace FaceRep.Data.ImageSets;

/// <summary>
/// Reads an image set (or a subset of it) in a shuffled order without holding it in memory. Each
/// epoch's order shuffles the shards, takes them a window of <see cref="Window"/> shards at a time,
/// and shuffles the images within each window (a shard shuffle and a buffer shuffle, as WebDataset
/// and solo-learn's DALI readers do): every image once per epoch, and the order a function of
/// (seed, epoch) only. At most three windows of shards are held: the one being read, the one before
/// it (a batch may straddle the two) and the next, which is read ahead on the thread pool when the
/// first image of a window is asked for.
/// </summary>
/// <remarks>
/// <see cref="Order"/> and <see cref="Get"/> may be called from several threads, but the windows are
/// those of the latest order asked for: read one epoch's images after asking for its order and
/// before asking for the next epoch's (as <c>ViewPipeline</c> does).
/// </remarks>
public sealed class ImageSetStream : IDisposable
{
    private readonly ImageUnion _set;
    private readonly int[] _positions; // position → image index in the set, ascending
    private readonly int[] _shardOfPosition;
    private readonly int[] _shardsWithImages;
    private readonly int _seed;
    private readonly Lock _gate = new();
    private readonly Dictionary<int, Task<StoredImage[]>> _loaded = [];
    private int[][] _windows = [];
    private readonly int[] _windowOfShard;
    private int _currentWindow = -1;
    private int _reads;

    /// <summary>Opens a stream over <paramref name="set"/>, or over the images <paramref name="subset"/> lists.</summary>
    /// <param name="set">The set.</param>
    /// <param name="subset">Image indices to read (any order, no repeats), or null for all.</param>
    /// <param name="window">Shards shuffled together.</param>
    /// <param name="seed">Seed of every epoch's order.</param>
    public ImageSetStream(ImageSet set, IReadOnlyList<int>? subset = null, int window = 4, int seed = 0)
        : this(new ImageUnion([set ?? throw new ArgumentNullException(nameof(set))]), subset, window, seed)
    {
    }

    /// <summary>Opens a stream over a union of sets, or over the images (union indices) <paramref name="subset"/> lists.</summary>
    public ImageSetStream(ImageUnion set, IReadOnlyList<int>? subset = null, int window = 4, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        _set = set;
        _seed = seed;
        Window = window;
        _positions = subset is null ? Enumerable.Range(0, set.Count).ToArray() : [.. subset.Order()];
        for (var i = 0; i < _positions.Length; i++)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(_positions[i], nameof(subset));
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(_positions[i], set.Count, nameof(subset));
            if (i > 0 && _positions[i] == _positions[i - 1])
                throw new ArgumentException($"image {_positions[i]} is listed twice", nameof(subset));
        }

        _shardOfPosition = new int[_positions.Length];
        var shard = 0;
        for (var p = 0; p < _positions.Length; p++)
        {
            while (set.ShardStart(shard + 1) <= _positions[p])
                shard++;
            _shardOfPosition[p] = shard;
        }

        _shardsWithImages = _shardOfPosition.Distinct().ToArray();
        _windowOfShard = new int[set.ShardCount];
    }

    /// <summary>The set (or union of sets) read.</summary>
    public ImageUnion Set => _set;

    /// <summary>Images in the stream.</summary>
    public int Count => _positions.Length;

    /// <summary>Shards shuffled together.</summary>
    public int Window { get; }

    /// <summary>Most shards held at once: the window being read, the one before (a batch may straddle them) and the next.</summary>
    public int MaxHeldShards => 3 * Window;

    /// <summary>Shards held now (for tests and diagnostics).</summary>
    public int HeldShards
    {
        get
        {
            lock (_gate)
                return _loaded.Count;
        }
    }

    /// <summary>The set's image index of stream position <paramref name="position"/>.</summary>
    public int ImageAt(int position) => _positions[position];

    /// <summary>
    /// Epoch <paramref name="epoch"/>'s order: a permutation of the positions 0..<see cref="Count"/>−1,
    /// the same for the same seed and epoch; it becomes the order whose windows are read ahead.
    /// </summary>
    public int[] Order(int epoch)
    {
        var random = new Random(unchecked((_seed * 1_000_003) + (epoch * 7_919) + 11));
        var shards = (int[])_shardsWithImages.Clone();
        random.Shuffle(shards);
        var members = new Dictionary<int, List<int>>(shards.Length);
        for (var p = 0; p < _positions.Length; p++)
        {
            if (!members.TryGetValue(_shardOfPosition[p], out var list))
                members[_shardOfPosition[p]] = list = [];
            list.Add(p);
        }

        var order = new int[_positions.Length];
        var windows = new List<int[]>();
        var next = 0;
        for (var start = 0; start < shards.Length; start += Window)
        {
            var window = shards.AsSpan(start, Math.Min(Window, shards.Length - start)).ToArray();
            windows.Add(window);
            var first = next;
            foreach (var s in window)
            {
                foreach (var p in members[s])
                    order[next++] = p;
            }

            random.Shuffle(order.AsSpan(first, next - first));
        }

        lock (_gate)
        {
            _windows = [.. windows];
            for (var w = 0; w < _windows.Length; w++)
            {
                foreach (var s in _windows[w])
                    _windowOfShard[s] = w;
            }

            _currentWindow = -1;
        }

        return order;
    }

    /// <summary>The stored image at stream position <paramref name="position"/>, reading its shard (and the next window's) if needed.</summary>
    /// <exception cref="InvalidDataException">Its shard is missing or damaged.</exception>
    public StoredImage Get(int position)
    {
        var shard = _shardOfPosition[position];
        Task<StoredImage[]> load;
        lock (_gate)
        {
            // Windows are read in order; a batch that straddles two has its threads ask for both, so only
            // a later window moves the reading on, and the one before stays until the next move.
            if (_windows.Length > 0 && _windowOfShard[shard] > _currentWindow && _windows[_windowOfShard[shard]].Contains(shard))
                Enter(_windowOfShard[shard]);
            if (!_loaded.TryGetValue(shard, out load!))
                _loaded[shard] = load = Load(shard);
        }

        var images = load.GetAwaiter().GetResult();
        return images[_positions[position] - _set.ShardStart(shard)];
    }

    /// <summary>Moves to window <paramref name="window"/>: drops shards outside it, the one before and the next, and starts reading it and the next.</summary>
    private void Enter(int window)
    {
        _currentWindow = window;
        var keep = new HashSet<int>(_windows[window]);
        if (window > 0)
            keep.UnionWith(_windows[window - 1].Where(_loaded.ContainsKey));
        if (window + 1 < _windows.Length)
            keep.UnionWith(_windows[window + 1]);
        foreach (var shard in _loaded.Keys.Where(s => !keep.Contains(s)).ToList())
            _loaded.Remove(shard);
        foreach (var shard in keep)
        {
            if (!_loaded.ContainsKey(shard))
                _loaded[shard] = Load(shard);
        }
    }

    private Task<StoredImage[]> Load(int shard)
    {
        Interlocked.Increment(ref _reads);
        return Task.Run(() => _set.ReadShard(shard));
    }

    /// <summary>Shard reads started so far (for tests and diagnostics): once per shard per epoch when reading in order.</summary>
    public int ShardReads => Volatile.Read(ref _reads);

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
            _loaded.Clear();
    }
}
