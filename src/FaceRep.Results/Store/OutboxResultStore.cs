using System.Text.Json;
using System.Text.Json.Serialization;
using FaceRep.Core.Concurrency;
using Microsoft.Data.Sqlite;

namespace FaceRep.Results.Store;

/// <summary>
/// Write-behind for a store that is slow to commit small transactions (DuckDB pays ~15 ms per
/// commit whatever its size): a result is durable once it is in a local SQLite outbox
/// (group-committed, synchronous=FULL), and a background thread moves the outbox to the store in
/// large batches, deleting rows only after the store has committed them. Reads first wait for the
/// outbox to drain, so they see every result written before them; what a crash left is moved as
/// soon as the store is opened again. Writes stay idempotent by job id: a row moved twice replaces itself.
/// <para>
/// For embedded mode, where the outbox and the store share one disk. A cluster writes to its
/// shared store directly (<see cref="BatchingResultStore"/>): a silo's local disk may not outlive it.
/// </para>
/// </summary>
public sealed class OutboxResultStore : IResultStore, Queries.IResultQueries
{
    private const int MoveBatch = 8192;

    /// <summary>
    /// How long the mover lets rows gather before moving a part batch: at ~5 ms per DuckDB commit,
    /// moving 60 rows at a time cost a 100k-job sweep ten seconds of CPU. Reads do not wait for it.
    /// </summary>
    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(250);

    private static readonly JsonSerializerOptions Json = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    private readonly IResultStore _inner;
    private readonly SqliteConnection _outbox;
    private readonly Lock _db = new();
    private readonly GroupCommit<IReadOnlyCollection<ResultRow>> _writes;
    private readonly object _signal = new();
    private readonly Thread _mover;
    private long _moved;
    private long _moves;
    private bool _closing;
    private Exception? _moveError;

    /// <summary>Wraps <paramref name="inner"/> (which this store disposes) with an outbox at <paramref name="outboxPath"/>.</summary>
    public OutboxResultStore(IResultStore inner, string outboxPath)
    {
        _inner = inner;
        var full = Path.GetFullPath(outboxPath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        _outbox = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = full, Pooling = false }.ToString());
        _outbox.Open();
        Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000;");
        Execute("CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, row TEXT NOT NULL)");
        _writes = new GroupCommit<IReadOnlyCollection<ResultRow>>("facerep-outbox", Append, maxBatch: 2048);
        _mover = new Thread(MoveLoop) { IsBackground = true, Name = "facerep-outbox-mover" };
    }

    /// <summary>Rows moved to the store so far, and in how many commits.</summary>
    public (long Rows, long Commits) Moved => (Interlocked.Read(ref _moved), Interlocked.Read(ref _moves));

    /// <inheritdoc />
    public async Task InitialiseAsync(CancellationToken cancellationToken = default)
    {
        await _inner.InitialiseAsync(cancellationToken);
        // What a crash left in the outbox is moved in the background from now on; opening does not
        // wait for it (the store is opened while a silo starts, where blocking stalls activation),
        // and every read waits for the outbox anyway.
        if (!_mover.IsAlive)
            _mover.Start();
    }

    /// <inheritdoc />
    public async Task WriteAsync(IReadOnlyCollection<ResultRow> rows, CancellationToken cancellationToken = default)
    {
        if (rows.Count == 0)
            return;
        // The mover is not woken: it gathers what arrives for up to Linger, since DuckDB pays per commit.
        await _writes.SubmitAsync(rows);
    }

    /// <inheritdoc />
    public Task RecordSweepAsync(string sweep, IReadOnlyCollection<string> jobIds, CancellationToken cancellationToken = default) =>
        _inner.RecordSweepAsync(sweep, jobIds, cancellationToken);

    /// <inheritdoc />
    /// <remarks>Curves are few (one per training job) and go to the store directly, not through the outbox.</remarks>
    public Task WriteCurveAsync(JobCurve curve, CancellationToken cancellationToken = default) =>
        _inner.WriteCurveAsync(curve, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<JobCurve>> ReadCurvesAsync(string? sweep, CancellationToken cancellationToken = default) =>
        _inner.ReadCurvesAsync(sweep, cancellationToken);

    /// <inheritdoc />
    public Task RecordSpecAsync(string sweep, string spec, CancellationToken cancellationToken = default) =>
        _inner.RecordSpecAsync(sweep, spec, cancellationToken);

    /// <inheritdoc />
    public Task<SweepRecord?> ReadSweepAsync(string sweep, CancellationToken cancellationToken = default) =>
        _inner.ReadSweepAsync(sweep, cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<ResultRow>> ReadAsync(string? sweep, CancellationToken cancellationToken = default)
    {
        await FlushAsync(cancellationToken);
        return await _inner.ReadAsync(sweep, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<SummaryRow>> SummariseAsync(string sweep, string metric, CancellationToken cancellationToken = default)
    {
        await FlushAsync(cancellationToken);
        return await _inner.SummariseAsync(sweep, metric, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<Queries.AggregateRow>> QueryAsync(Queries.ResultQuery query, CancellationToken cancellationToken = default)
    {
        if (_inner is not Queries.IResultQueries queries)
            throw new NotSupportedException($"{_inner.GetType().Name} does not answer aggregate queries");
        await FlushAsync(cancellationToken);
        return await queries.QueryAsync(query, cancellationToken);
    }

    /// <summary>Waits until every row in the outbox when called has reached the store.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        long last;
        lock (_db)
        {
            using var command = _outbox.CreateCommand();
            command.CommandText = "SELECT coalesce(max(seq), 0) FROM outbox";
            last = (long)command.ExecuteScalar()!;
        }

        while (true)
        {
            lock (_signal)
            {
                if (_moveError is { } error)
                    throw new IOException($"results could not be moved from the outbox to the store: {error.Message}", error);
                Monitor.Pulse(_signal);
            }

            if (OldestQueued() is not { } oldest || oldest > last)
                return;
            await Task.Delay(10, cancellationToken);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _writes.Dispose();
        lock (_signal)
        {
            _closing = true;
            Monitor.Pulse(_signal);
        }

        if (_mover.IsAlive)
            _mover.Join();
        lock (_db)
            _outbox.Dispose();
        await _inner.DisposeAsync();
    }

    private void Append(IReadOnlyList<IReadOnlyCollection<ResultRow>> batch, Exception?[] failures)
    {
        lock (_db)
        {
            using var transaction = _outbox.BeginTransaction();
            using var insert = _outbox.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO outbox (row) VALUES ($r)";
            var parameter = insert.Parameters.Add("$r", SqliteType.Text);
            foreach (var row in batch.SelectMany(rows => rows))
            {
                parameter.Value = JsonSerializer.Serialize(row, Json);
                insert.ExecuteNonQuery();
            }

            transaction.Commit();
        }
    }

    private long? OldestQueued()
    {
        lock (_db)
        {
            using var command = _outbox.CreateCommand();
            command.CommandText = "SELECT min(seq) FROM outbox";
            return command.ExecuteScalar() is long seq ? seq : null;
        }
    }

    /// <summary>Moves the outbox to the store, oldest first, until closed (draining it before it stops).</summary>
    private void MoveLoop()
    {
        while (true)
        {
            var rows = new List<ResultRow>();
            long last = 0;
            lock (_db)
            {
                using var command = _outbox.CreateCommand();
                command.CommandText = "SELECT seq, row FROM outbox ORDER BY seq LIMIT $n";
                command.Parameters.AddWithValue("$n", MoveBatch);
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    last = reader.GetInt64(0);
                    rows.Add(JsonSerializer.Deserialize<ResultRow>(reader.GetString(1), Json)!);
                }
            }

            if (rows.Count == 0)
            {
                lock (_signal)
                {
                    if (_closing)
                        return;
                    Monitor.Wait(_signal, Linger);
                }

                continue;
            }

            try
            {
                _inner.WriteAsync(rows).GetAwaiter().GetResult();
            }
            catch (Exception e)
            {
                // The rows stay in the outbox; readers hear why, and the move is tried again.
                lock (_signal)
                {
                    _moveError = e;
                    if (_closing)
                        return;
                    Monitor.Wait(_signal, TimeSpan.FromSeconds(1));
                }

                continue;
            }

            lock (_db)
            {
                using var delete = _outbox.CreateCommand();
                delete.CommandText = "DELETE FROM outbox WHERE seq <= $last";
                delete.Parameters.AddWithValue("$last", last);
                delete.ExecuteNonQuery();
            }

            Interlocked.Add(ref _moved, rows.Count);
            Interlocked.Increment(ref _moves);
            lock (_signal)
            {
                _moveError = null;
                // A part batch: let more gather unless closing (a reader's flush wakes it).
                if (rows.Count < MoveBatch && !_closing)
                    Monitor.Wait(_signal, Linger);
            }
        }
    }

    private void Execute(string sql)
    {
        using var command = _outbox.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
