using System.CommandLine;
using DuckDB.NET.Data;
using FaceRep.Grid.Hosting;
using FaceRep.Results.Store;
using Spectre.Console;

namespace FaceRep.Cli;

/// <summary>Where a results verb reads from: an embedded run's directory or a PostgreSQL store.</summary>
/// <param name="runOption">The name of the option naming the embedded run's directory.</param>
internal sealed class StoreOptions(string runOption = "--out")
{
    public Option<string?> Sweep { get; } = new("--sweep") { Description = "Only this sweep's results (default: every result in the store)." };

    public Option<string> Out { get; } = new(runOption) { Description = "The embedded run's directory (as given to facerep run/demo).", DefaultValueFactory = _ => "facerep-out" };

    public Option<string?> Postgres { get; } = new("--postgres")
    {
        Description = "Read a cluster's PostgreSQL result store instead (Npgsql connection string; default: the FACEREP_POSTGRES environment variable).",
    };

    /// <summary>
    /// Opens the store (--postgres, else FACEREP_POSTGRES, else the embedded directory), reads
    /// from it, and closes it; on failure prints one line and gives the exit code.
    /// </summary>
    public async Task<(T? Value, int Exit)> ReadAsync<T>(ParseResult result, IAnsiConsole console, Func<IResultStore, Task<T>> read, CancellationToken cancellationToken)
        where T : class
    {
        var directory = result.GetValue(Out)!;
        var postgres = result.GetValue(Postgres) ?? Environment.GetEnvironmentVariable("FACEREP_POSTGRES");
        try
        {
            // An embedded run's directory is held while it is read: a run cannot start on it meanwhile.
            using var held = string.IsNullOrWhiteSpace(postgres) ? OpenDirectory(directory) : null;
            await using IResultStore opened = held is null ? new PostgresResultStore(postgres!)
                // Through the outbox, so rows a stopped run left there are counted too.
                : new OutboxResultStore(new DuckDbResultStore(held.Paths.Results), held.Paths.ResultsOutbox);
            await opened.InitialiseAsync(cancellationToken);
            return (await read(opened), 0);
        }
        catch (UnusableFileException e)
        {
            console.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
            return (null, e.ExitCode);
        }
        catch (Exception e) when (e is DuckDBException or Microsoft.Data.Sqlite.SqliteException)
        {
            // Damage the open-time check could not see (a garbled block read later).
            console.MarkupLineInterpolated($"[red]error:[/] the results in {Path.GetFullPath(directory)} cannot be read: {Failures.FirstLine(e.Message)}");
            return (null, ExitCodes.Unreachable);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
        {
            // The message names the host and port, never the password.
            console.MarkupLineInterpolated($"[red]error:[/] the PostgreSQL result store cannot be reached: {e.Message}");
            return (null, ExitCodes.Unreachable);
        }
    }

    /// <summary>An embedded run's directory, checked and held for reading its results.</summary>
    private static EmbeddedOut OpenDirectory(string directory)
    {
        var paths = new EmbeddedPaths(Path.GetFullPath(directory));
        if (!File.Exists(paths.Results) && !File.Exists(paths.ResultsOutbox))
        {
            throw new UnusableFileException(paths.Root,
                $"holds no results ({Path.GetFileName(paths.Results)} is missing): run a sweep there first, give its --out, or give --postgres", ExitCodes.BadInput);
        }

        return EmbeddedOut.ForReading(directory);
    }
}
