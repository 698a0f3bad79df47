using System.Net.Sockets;
using Npgsql;

namespace FaceRep.Results.Store;

/// <summary>Which result-store failures are worth waiting out.</summary>
public static class StoreErrors
{
    /// <summary>
    /// True when <paramref name="error"/> says the store is unreachable for now (a PostgreSQL
    /// server restarting or crashed, a dropped connection, a timeout), so the same write may
    /// succeed later; false for errors the same write would meet again (a bad row, a full disk,
    /// a schema the store refuses).
    /// </summary>
    public static bool IsTransient(Exception error) => error switch
    {
        // Terminated by an administrator or a crash of another backend (57P01/57P02), or still
        // starting up (57P03): the next connection works once the server is back.
        PostgresException p => p.IsTransient || p.SqlState is "57P01" or "57P02" or "57P03",
        NpgsqlException n => n.IsTransient,
        SocketException or TimeoutException => true,
        AggregateException a => a.InnerExceptions.Count > 0 && a.InnerExceptions.All(IsTransient),
        _ => error.InnerException is { } inner && IsTransient(inner),
    };
}
