using Microsoft.Data.Sqlite;
using Orleans.Serialization;
using Orleans.Storage;

namespace FaceRep.Grid.Storage;

/// <summary>
/// Durable grain state in one local SQLite file (embedded mode): one row per (state name,
/// grain id), serialised with Orleans' version-tolerant serializer, written with an etag check
/// so a stale activation cannot overwrite newer state. WAL mode with synchronous=FULL: a write
/// that returned survives a kill -9 of the process.
/// </summary>
public sealed class SqliteGrainStorage : IGrainStorage, IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly Serializer _serializer;
    private readonly Lock _lock = new();

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
    }

    /// <inheritdoc />
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT etag, data FROM grain_state WHERE state_name = $s AND grain_id = $g";
            command.Parameters.AddWithValue("$s", stateName);
            command.Parameters.AddWithValue("$g", grainId.ToString());
            using var reader = command.ExecuteReader();
            if (reader.Read())
            {
                grainState.ETag = reader.GetInt64(0).ToString(System.Globalization.CultureInfo.InvariantCulture);
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
    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var data = _serializer.SerializeToArray(grainState.State);
        lock (_lock)
        {
            var current = CurrentEtag(stateName, grainId);
            var expected = grainState.ETag is null ? (long?)null : long.Parse(grainState.ETag, System.Globalization.CultureInfo.InvariantCulture);
            if (current != expected)
                throw new InconsistentStateException($"state '{stateName}' of {grainId} changed underneath this activation", current?.ToString(System.Globalization.CultureInfo.InvariantCulture), grainState.ETag);

            var next = (current ?? 0) + 1;
            using var command = _connection.CreateCommand();
            command.CommandText = """
                INSERT INTO grain_state (state_name, grain_id, etag, data, updated_utc) VALUES ($s, $g, $e, $d, $u)
                ON CONFLICT (state_name, grain_id) DO UPDATE SET etag = excluded.etag, data = excluded.data, updated_utc = excluded.updated_utc
                """;
            command.Parameters.AddWithValue("$s", stateName);
            command.Parameters.AddWithValue("$g", grainId.ToString());
            command.Parameters.AddWithValue("$e", next);
            command.Parameters.AddWithValue("$d", data);
            command.Parameters.AddWithValue("$u", DateTime.UtcNow.ToString("O"));
            command.ExecuteNonQuery();
            grainState.ETag = next.ToString(System.Globalization.CultureInfo.InvariantCulture);
            grainState.RecordExists = true;
        }

        return Task.CompletedTask;
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
        lock (_lock)
            _connection.Dispose();
    }

    private long? CurrentEtag(string stateName, GrainId grainId)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT etag FROM grain_state WHERE state_name = $s AND grain_id = $g";
        command.Parameters.AddWithValue("$s", stateName);
        command.Parameters.AddWithValue("$g", grainId.ToString());
        return command.ExecuteScalar() is long etag ? etag : null;
    }

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
