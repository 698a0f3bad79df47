using DuckDB.NET.Data;
using Microsoft.Data.Sqlite;

namespace FaceRep.Cli;

/// <summary>
/// A file or directory a verb needs that it cannot use: a damaged store, an output directory that
/// is a file, a store another run holds. Printed as one line naming it, with the exit code it calls for.
/// </summary>
public sealed class UnusableFileException(string path, string problem, int exitCode, Exception? inner = null)
    : Exception($"{path}: {problem}", inner)
{
    /// <summary>The file or directory.</summary>
    public string Path { get; } = path;

    /// <summary><see cref="ExitCodes.BadInput"/> when the user named something unusable; <see cref="ExitCodes.Unreachable"/> when a store is.</summary>
    public int ExitCode { get; } = exitCode;
}

/// <summary>What the console does with an exception no verb handled: one line, never a trace on the console.</summary>
internal static class Failures
{
    /// <summary>Prints <paramref name="e"/> as one <c>error:</c> line and returns the exit code it calls for.</summary>
    public static int Report(Exception e, TextWriter error)
    {
        switch (e)
        {
            case UnusableFileException unusable:
                error.WriteLine($"error: {unusable.Message}");
                return unusable.ExitCode;
            case DuckDBException or SqliteException or IOException or UnauthorizedAccessException:
                // Their messages name the file (DuckDB, .NET's I/O) or the database error (SQLite).
                error.WriteLine($"error: {FirstLine(e.Message)}");
                return ExitCodes.Unreachable;
            default:
                var details = WriteDetails(e);
                error.WriteLine($"error: {e.GetType().Name}: {FirstLine(e.Message)} (a fault in facerep{(details is null ? "" : $"; the details are in {details}")})");
                return ExitCodes.Internal;
        }
    }

    /// <summary>The first line of a message (DuckDB's and libraries' can run to several).</summary>
    public static string FirstLine(string message)
    {
        var line = message.Split('\n', 2)[0].Trim();
        return line.StartsWith("DuckDBOpen failed: ", StringComparison.Ordinal) ? line["DuckDBOpen failed: ".Length..] : line;
    }

    private static string? WriteDetails(Exception e)
    {
        try
        {
            var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"facerep-error-{Environment.ProcessId}.txt");
            File.WriteAllText(path, $"{DateTime.UtcNow:O} facerep\n{e}\n");
            return path;
        }
        catch (Exception write) when (write is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
