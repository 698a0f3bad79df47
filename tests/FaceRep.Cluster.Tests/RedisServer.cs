using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace FaceRep.Cluster.Tests;

/// <summary>
/// A throwaway redis-server (Debian's package; test.sh installs it when missing) on loopback, on a
/// free port, working in a temporary directory, with an append-only file as a production server
/// would have. Shut down and deleted on dispose.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private ChildProcess _process;
    private readonly DirectoryInfo _directory;

    private RedisServer(ChildProcess process, DirectoryInfo directory, int port, string? password)
    {
        _process = process;
        _directory = directory;
        Port = port;
        Password = password;
    }

    public int Port { get; }

    /// <summary>The password clients must give (<c>requirepass</c>), or null for none.</summary>
    public string? Password { get; }

    /// <summary>The StackExchange.Redis connection string of the server.</summary>
    public string ConnectionString => Password is null ? $"127.0.0.1:{Port}" : $"127.0.0.1:{Port},password={Password}";

    /// <summary>Starts a server; with <paramref name="password"/>, clients must authenticate.</summary>
    public static async Task<RedisServer> StartAsync(string? password = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            var directory = Directory.CreateTempSubdirectory("facerep-redis-");
            var port = ChildProcess.FreePort();
            var process = Launch(directory, port, password);
            try
            {
                await WaitReadyAsync(process);
                return new RedisServer(process, directory, port, password);
            }
            catch (InvalidOperationException) when (attempt < 3 && process.Output.Contains("Address already in use", StringComparison.Ordinal))
            {
                // Another test took the port between our probe and redis binding it.
                process.Dispose();
                directory.Delete(recursive: true);
            }
        }
    }

    /// <summary>SIGKILL, as a crash: Redis writes nothing more. Returns when the signal was sent.</summary>
    public DateTime Kill() => _process.Kill();

    /// <summary>
    /// Starts the server again on its port and directory after <see cref="Kill"/>: it reloads its
    /// append-only file, so every write it acknowledged before the crash is back.
    /// </summary>
    public async Task RestartAsync()
    {
        if (!_process.HasExited)
            throw new InvalidOperationException("redis-server is still running; kill it first");
        _process.Dispose();
        _process = Launch(_directory, Port, Password);
        await WaitReadyAsync(_process);
    }

    private static ChildProcess Launch(DirectoryInfo directory, int port, string? password)
    {
        var executable = FindExecutable("redis-server")
            ?? throw new InvalidOperationException("redis-server is not installed; test.sh installs it, or run: apt-get install -y redis-server");
        var info = new ProcessStartInfo(executable) { WorkingDirectory = directory.FullName };
        foreach (var arg in new[]
        {
            "--port", $"{port}", "--bind", "127.0.0.1", "--protected-mode", "yes", "--dir", directory.FullName,
            "--daemonize", "no", "--save", "", "--appendonly", "yes", "--appendfsync", "no", "--logfile", "",
        })
        {
            info.ArgumentList.Add(arg);
        }

        if (password is not null)
        {
            info.ArgumentList.Add("--requirepass");
            info.ArgumentList.Add(password);
        }

        return new ChildProcess($"redis-server :{port}", info);
    }

    private static Task WaitReadyAsync(ChildProcess process) =>
        process.WaitForLineAsync(l => l.Contains("Ready to accept connections", StringComparison.Ordinal), TimeSpan.FromSeconds(20));

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", Port);
            var auth = Password is null ? "" : $"*2\r\n$4\r\nAUTH\r\n${Password.Length}\r\n{Password}\r\n";
            await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes(auth + "*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n"));
            await _process.Exited.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is SocketException or IOException or TimeoutException)
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
            // Best effort: it is under the temp directory.
        }
    }

    private static string? FindExecutable(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/sbin").Append("/usr/bin")
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}
