using System.Globalization;
using FaceRep.Core.Concurrency;
using Microsoft.Data.Sqlite;
using Orleans.Serialization;
using Orleans.Storage;

namespace FaceRep.Grid.Storage;

/// <summary>
/// Durable grain state in one local SQLite file (embedded mode): one row per (state name,
/// grain id), serialised with Orleans' version-tolerant serializer, written with an etag check
/// so a stale activation cannot overwrite newer state. WAL mode with synchronous=FULL: a write
/// that returned survives a kill -9 of the process. Writes from all grains are group-committed
/// (<see cref="GroupCommit{T}"/>): one transaction, and one fsync, per batch of whatever queued
/// during the previous commit, each write still returning only once it is on disk.
/// </summary>
public sealed class SqliteGrainStorage : IGrainStorage, IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteConnection _reader;
    private readonly Serializer _serializer;
    private readonly Lock _lock = new();
    private readonly Lock _readLock = new();
    private readonly GroupCommit<Write> _writes;

    /// <summary>Opens (creating if needed) the database at <paramref name="path"/>.</summary>
    public SqliteGrainStorage(string path, Serializer serializer)
    {
        _serializer = serializer;
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = full, Pooling = false }.ToString());
        _connection.Open();
        Execute("PRAGMA journal_mode=WAL;");
        Execute("PRAGMA synchronous=FULL;");
        Execute("PRAGMA busy_timeout=5000;");
        Execute("""
            CREATE TABLE IF NOT EXISTS grain_state (
                state_name TEXT NOT NULL,
                grain_id TEXT NOT NULL,
                etag INTEGER NOT NULL,
                data BLOB NOT NULL,
                updated_utc TEXT NOT NULL,
                PRIMARY KEY (state_name, grain_id)
            ) WITHOUT ROWID;
            """);
        // Activations read on their own connection: in WAL mode a reader never waits for a commit's fsync.
        _reader = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = full, Pooling = false, Mode = SqliteOpenMode.ReadOnly }.ToString());
        _reader.Open();
        _writes = new GroupCommit<Write>("facerep-sqlite-state", CommitBatch, maxBatch: 2048);
    }

    /// <summary>Transactions committed so far (each holding one or more writes).</summary>
    public long Commits => _writes.Batches;

    /// <inheritdoc />
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        lock (_readLock)
        {
            using var command = _reader.CreateCommand();
            command.CommandText = "SELECT etag, data FROM grain_state WHERE state_name = $s AND grain_id = $g";
            command.Parameters.AddWithValue("$s", stateName);
            command.Parameters.AddWithValue("$g", grainId.ToString());
            using var reader = command.ExecuteReader();
            if (reader.Read())
            {
                grainState.ETag = reader.GetInt64(0).ToString(CultureInfo.InvariantCulture);
                grainState.State = _serializer.Deserialize<T>(new MemoryStream((byte[])reader["data"]));
                grainState.RecordExists = true;
            }
            else
            {
                grainState.ETag = null;
                grainState.State = Activator.CreateInstance<T>();
                grainState.RecordExists = false;
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var write = new Write(stateName, grainId.ToString(), grainState.ETag is null ? null : long.Parse(grainState.ETag, CultureInfo.InvariantCulture),
            _serializer.SerializeToArray(grainState.State));
        await _writes.SubmitAsync(write);
        grainState.ETag = write.Committed.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    /// <inheritdoc />
    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "DELETE FROM grain_state WHERE state_name = $s AND grain_id = $g";
            command.Parameters.AddWithValue("$s", stateName);
            command.Parameters.AddWithValue("$g", grainId.ToString());
            command.ExecuteNonQuery();
            grainState.ETag = null;
            grainState.RecordExists = false;
            grainState.State = Activator.CreateInstance<T>();
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _writes.Dispose();
        lock (_readLock)
            _reader.Dispose();
        lock (_lock)
            _connection.Dispose();
    }

    /// <summary>
    /// Commits a batch in one transaction. A write whose etag no longer matches (a stale
    /// activation) fails on its own; the others commit.
    /// </summary>
    private void CommitBatch(IReadOnlyList<Write> batch, Exception?[] failures)
    {
        lock (_lock)
        {
            using var transaction = _connection.BeginTransaction();
            // One statement per write, the etag check inside it: a new record only if none exists,
            // an update only of the version the activation read.
            using var insert = _connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT INTO grain_state (state_name, grain_id, etag, data, updated_utc) VALUES ($s, $g, 1, $d, $u)
                ON CONFLICT (state_name, grain_id) DO NOTHING
                """;
            using var update = _connection.CreateCommand();
            update.Transaction = transaction;
            update.CommandText = """
                UPDATE grain_state SET etag = $e + 1, data = $d, updated_utc = $u
                WHERE state_name = $s AND grain_id = $g AND etag = $e
                """;
            var now = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture);
            foreach (var command in new[] { insert, update })
            {
                foreach (var name in new[] { "$s", "$g", "$d", "$u", "$e" })
                    command.Parameters.Add(name, name == "$d" ? SqliteType.Blob : name == "$e" ? SqliteType.Integer : SqliteType.Text).Value = DBNull.Value;
                command.Parameters["$u"].Value = now;
            }

            for (var i = 0; i < batch.Count; i++)
            {
                var w = batch[i];
                var command = w.Expected is null ? insert : update;
                command.Parameters["$s"].Value = w.StateName;
                command.Parameters["$g"].Value = w.GrainId;
                command.Parameters["$d"].Value = w.Data;
                command.Parameters["$e"].Value = w.Expected is { } e ? e : DBNull.Value;
                if (command.ExecuteNonQuery() == 1)
                {
                    w.Committed = (w.Expected ?? 0) + 1;
                    continue;
                }

                var current = CurrentEtag(w.StateName, w.GrainId, transaction);
                failures[i] = new InconsistentStateException($"state '{w.StateName}' of {w.GrainId} changed underneath this activation",
                    current?.ToString(CultureInfo.InvariantCulture), w.Expected?.ToString(CultureInfo.InvariantCulture));
            }

            transaction.Commit();
        }
    }

    /// <summary>One queued write; <see cref="Committed"/> is its new etag once committed.</summary>
    private sealed record Write(string StateName, string GrainId, long? Expected, byte[] Data)
    {
        public long Committed { get; set; }
    }

    private long? CurrentEtag(string stateName, string grainId, SqliteTransaction transaction)
    {
        using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT etag FROM grain_state WHERE state_name = $s AND grain_id = $g";
        command.Parameters.AddWithValue("$s", stateName);
        command.Parameters.AddWithValue("$g", grainId);
        return command.ExecuteScalar() is long etag ? etag : null;
    }

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
