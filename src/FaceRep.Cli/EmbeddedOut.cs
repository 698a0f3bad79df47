using DuckDB.NET.Data;
using FaceRep.Grid.Hosting;
using Microsoft.Data.Sqlite;

namespace FaceRep.Cli;

/// <summary>
/// An embedded run's output directory (<c>--out</c>), checked before anything is written to it and
/// held while a run uses it. A run holds <c>run.lock</c> in it for as long as it runs: a second
/// run, or a query of its results, is told so in one line instead of meeting DuckDB's own file
/// lock halfway through. Its stores are opened and checked first, so a damaged file is named
/// before the silo starts and nothing in the directory is changed by the refusal.
/// </summary>
internal sealed class EmbeddedOut : IDisposable
{
    /// <summary>The lock file's name.</summary>
    public const string LockName = "run.lock";

    private readonly FileStream? _lock;

    private EmbeddedOut(EmbeddedPaths paths, FileStream? held, bool stateWasEmpty)
    {
        Paths = paths;
        _lock = held;
        StateWasEmpty = stateWasEmpty;
    }

    /// <summary>The directory's layout.</summary>
    public EmbeddedPaths Paths { get; }

    /// <summary>True when <c>state.db</c> existed but was empty: the grid's job states are rebuilt.</summary>
    public bool StateWasEmpty { get; }

    /// <summary>
    /// Opens <paramref name="directory"/> for a run: creates it if needed, takes its lock and checks
    /// its stores. Throws <see cref="UnusableFileException"/> naming what is wrong.
    /// </summary>
    public static EmbeddedOut ForRun(string directory)
    {
        var paths = new EmbeddedPaths(Path.GetFullPath(directory));
        if (File.Exists(paths.Root))
            throw new UnusableFileException(paths.Root, "is a file, not a directory: give --out a directory", ExitCodes.BadInput);
        try
        {
            Directory.CreateDirectory(paths.Root);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UnusableFileException(paths.Root, $"cannot be created ({e.Message}): give --out a directory you can write to", ExitCodes.BadInput, e);
        }

        var held = TakeLock(paths, create: true)!;
        try
        {
            var empty = CheckState(paths);
            CheckResults(paths);
            return new EmbeddedOut(paths, held, empty);
        }
        catch
        {
            held.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens <paramref name="directory"/> to read its results: refuses one a run still holds, and
    /// checks its result stores. Creates nothing.
    /// </summary>
    public static EmbeddedOut ForReading(string directory)
    {
        var paths = new EmbeddedPaths(Path.GetFullPath(directory));
        var held = TakeLock(paths, create: false);
        try
        {
            CheckResults(paths);
            return new EmbeddedOut(paths, held, stateWasEmpty: false);
        }
        catch
        {
            held?.Dispose();
            throw;
        }
    }

    /// <summary>Takes the directory's lock; null when reading a directory that has none (no run of this version has used it).</summary>
    private static FileStream? TakeLock(EmbeddedPaths paths, bool create)
    {
        var path = Path.Combine(paths.Root, LockName);
        if (!create && !File.Exists(path))
            return null;
        try
        {
            // FileShare.None is an exclusive lock on the file that another process cannot also take.
            return new FileStream(path, create ? FileMode.OpenOrCreate : FileMode.Open, create ? FileAccess.ReadWrite : FileAccess.Read, FileShare.None);
        }
        catch (IOException e) when (e.HResult is LockHeldErrno or SharingViolation)
        {
            throw new UnusableFileException(paths.Root,
                "is in use by a run still going (it holds run.lock): wait for it to finish, or give another --out", ExitCodes.Unreachable, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UnusableFileException(paths.Root, $"cannot be written ({e.Message}): give --out a directory you can write to", ExitCodes.BadInput, e);
        }
    }

    /// <summary>The HResult .NET gives on Linux when another process holds the file's lock: the errno of flock, EWOULDBLOCK.</summary>
    private const int LockHeldErrno = 11;

    /// <summary>The same on Windows (ERROR_SHARING_VIOLATION).</summary>
    private const int SharingViolation = unchecked((int)0x80070020);

    /// <summary>Checks state.db; true when it exists and is empty.</summary>
    private static bool CheckState(EmbeddedPaths paths)
    {
        if (!File.Exists(paths.State))
            return false;
        if (new FileInfo(paths.State).Length == 0)
            return true;
        CheckSqlite(paths.State,
            $"move it aside (mv {paths.State} {paths.State}.damaged) and run again: results and checkpoints are kept, and jobs whose results are stored are found again");
        return false;
    }

    /// <summary>Checks the result store and its outbox.</summary>
    private static void CheckResults(EmbeddedPaths paths)
    {
        if (File.Exists(paths.ResultsOutbox) && new FileInfo(paths.ResultsOutbox).Length > 0)
        {
            CheckSqlite(paths.ResultsOutbox,
                $"move it and state.db aside and run again: jobs whose results reached {Path.GetFileName(paths.Results)} are found again, the rest run again");
        }

        if (!File.Exists(paths.Results))
            return;
        // DuckDB lets one process at a time have the file open; the kernel says which one does.
        if (FileLocks.Holder(paths.Results) is { } holder)
        {
            throw new UnusableFileException(paths.Results,
                $"is open in another program (process {holder.Pid}, {holder.Name}): close it there, then try again", ExitCodes.Unreachable);
        }

        try
        {
            using var connection = new DuckDBConnection($"Data Source={paths.Results}");
            connection.Open();
            var tables = new List<string>();
            using (var list = connection.CreateCommand())
            {
                list.CommandText = "SELECT table_name FROM duckdb_tables() WHERE NOT temporary";
                using var reader = list.ExecuteReader();
                while (reader.Read())
                    tables.Add(reader.GetString(0));
            }

            // Every block of every table is read (and its checksum checked) by hashing each row in
            // the engine: a truncated or garbled file fails here, not after the run has reused jobs.
            foreach (var table in tables)
            {
                using var scan = connection.CreateCommand();
                scan.CommandText = $"SELECT sum(hash(t)) FROM \"{table.Replace("\"", "\"\"", StringComparison.Ordinal)}\" t";
                scan.ExecuteScalar();
            }
        }
        catch (DuckDBException e)
        {
            throw new UnusableFileException(paths.Results,
                $"cannot be read ({Failures.FirstLine(e.Message)}): move it, {Path.GetFileName(paths.ResultsOutbox)} and state.db aside and run again (the jobs run again; pre-training checkpoints are kept)",
                ExitCodes.Unreachable, e);
        }
    }

    private static void CheckSqlite(string path, string advice)
    {
        try
        {
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, Mode = SqliteOpenMode.ReadWrite }.ToString());
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA quick_check";
            if (command.ExecuteScalar() is not "ok" and var problem)
                throw new UnusableFileException(path, $"is damaged (SQLite's check says: {problem}): {advice}", ExitCodes.Unreachable);
        }
        catch (SqliteException e)
        {
            throw new UnusableFileException(path, $"is damaged or not a SQLite database ({e.Message}): {advice}", ExitCodes.Unreachable, e);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _lock?.Dispose();
}
