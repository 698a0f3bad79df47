using System.Diagnostics;
using Npgsql;

namespace FaceRep.Cluster.Tests;

/// <summary>
/// A throwaway PostgreSQL server (Debian's package; test.sh installs it when missing) on loopback,
/// on a free port, with its data in a temporary directory and password authentication, as a
/// production server would have. Run as the <c>postgres</c> user when the tests run as root
/// (PostgreSQL refuses to run as root). Stopped and deleted on dispose.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private const string User = "facerep";

    private ChildProcess _process;
    private readonly DirectoryInfo _directory;
    private int _databases;

    private PostgresServer(ChildProcess process, DirectoryInfo directory, int port, string password)
    {
        _process = process;
        _directory = directory;
        Port = port;
        Password = password;
    }

    public int Port { get; }

    public string Password { get; }

    /// <summary>The connection string of a database on this server.</summary>
    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username={User};Password={Password};Database={database};Pooling=true";

    public static async Task<PostgresServer> StartAsync()
    {
        var bin = FindBinaries()
            ?? throw new InvalidOperationException("PostgreSQL is not installed; test.sh installs it, or run: apt-get install -y postgresql");
        var asRoot = Environment.UserName == "root";
        for (var attempt = 1; ; attempt++)
        {
            var directory = Directory.CreateTempSubdirectory("facerep-postgres-");
            var password = Convert.ToHexString(Guid.NewGuid().ToByteArray());
            var passwordFile = Path.Combine(directory.FullName, "password");
            await File.WriteAllTextAsync(passwordFile, password);
            if (asRoot)
                await RunAsync("chown", ["-R", "postgres", directory.FullName]);
            var data = Path.Combine(directory.FullName, "data");
            await RunAsync(Path.Combine(bin, "initdb"),
                ["-D", data, "-U", User, "--auth=scram-sha-256", $"--pwfile={passwordFile}", "-E", "UTF8", "--locale=C", "--no-sync"], asRoot);

            var port = ChildProcess.FreePort();
            var process = Launch(bin, data, directory, port, asRoot);
            try
            {
                await WaitReadyAsync(process);
                return new PostgresServer(process, directory, port, password);
            }
            catch (InvalidOperationException) when (attempt < 3 && process.Output.Contains("could not bind", StringComparison.Ordinal))
            {
                // Another test took the port between our probe and the server binding it.
                process.Dispose();
                directory.Delete(recursive: true);
            }
        }
    }

    /// <summary>
    /// An immediate shutdown (SIGQUIT to the postmaster): every backend ends at once without a
    /// checkpoint, as after a crash, and the next start replays the write-ahead log. Returns when
    /// the server is gone, with the time the signal was sent.
    /// </summary>
    public async Task<DateTime> CrashAsync()
    {
        var at = DateTime.UtcNow;
        await RunAsync("kill", ["-QUIT", await PostmasterPidAsync()]);
        await _process.Exited.WaitAsync(TimeSpan.FromSeconds(30));
        return at;
    }

    /// <summary>Starts the server again on its port and data after <see cref="CrashAsync"/>; returns when it accepts connections.</summary>
    public async Task RestartAsync()
    {
        if (!_process.HasExited)
            throw new InvalidOperationException("postgres is still running; crash it first");
        _process.Dispose();
        var bin = FindBinaries()!;
        _process = Launch(bin, Path.Combine(_directory.FullName, "data"), _directory, Port, Environment.UserName == "root");
        await WaitReadyAsync(_process);
    }

    private static ChildProcess Launch(string bin, string data, DirectoryInfo directory, int port, bool asRoot)
    {
        var info = Command(Path.Combine(bin, "postgres"),
            ["-D", data, "-p", $"{port}", "-k", directory.FullName, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "max_connections=200"], asRoot);
        return new ChildProcess($"postgres :{port}", info);
    }

    private static Task WaitReadyAsync(ChildProcess process) =>
        process.WaitForLineAsync(l => l.Contains("ready to accept connections", StringComparison.Ordinal), TimeSpan.FromSeconds(60));

    /// <summary>The postmaster's pid (not runuser's, which does not pass signals on).</summary>
    private async Task<string> PostmasterPidAsync()
    {
        var pidFile = Path.Combine(_directory.FullName, "data", "postmaster.pid");
        return File.Exists(pidFile) ? (await File.ReadAllLinesAsync(pidFile))[0].Trim() : $"{_process.Id}";
    }

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"facerep_{Interlocked.Increment(ref _databases)}";
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        try
        {
            // A fast shutdown (SIGINT): clients are disconnected and the server and all its processes exit.
            if (!_process.HasExited)
                await RunAsync("kill", ["-INT", await PostmasterPidAsync()]);
            await _process.Exited.WaitAsync(TimeSpan.FromSeconds(15));
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException)
        {
            // It is gone or stuck; the kill below ends it either way.
        }

        _process.Dispose();
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A file still open for a moment; the temporary directory is cleaned up eventually.
        }
    }

    private static string? FindBinaries() =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.EnumerateDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin"))
                .Where(b => File.Exists(Path.Combine(b, "initdb")) && File.Exists(Path.Combine(b, "postgres")))
                .OrderByDescending(b => int.TryParse(Path.GetFileName(Path.GetDirectoryName(b)), out var v) ? v : 0)
                .FirstOrDefault()
            : null;

    private static ProcessStartInfo Command(string executable, IEnumerable<string> arguments, bool asPostgres)
    {
        var info = new ProcessStartInfo(asPostgres ? "runuser" : executable);
        if (asPostgres)
        {
            foreach (var a in new[] { "-u", "postgres", "--", executable })
                info.ArgumentList.Add(a);
        }

        foreach (var a in arguments)
            info.ArgumentList.Add(a);
        return info;
    }

    private static async Task RunAsync(string executable, IEnumerable<string> arguments, bool asPostgres = false)
    {
        var info = Command(executable, arguments, asPostgres);
        using var process = new ChildProcess(Path.GetFileName(executable), info);
        var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));
        if (code != 0)
            throw new InvalidOperationException($"{Path.GetFileName(executable)} exited with code {code}:\n{process.Tail(20)}");
    }
}
