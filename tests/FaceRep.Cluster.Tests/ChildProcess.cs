using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FaceRep.Cluster.Tests;

/// <summary>A server the tests start as a child process, with everything it prints captured.</summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly List<(Func<string, bool> Predicate, TaskCompletionSource<string> Signal)> _waiters = [];
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ChildProcess(string name, ProcessStartInfo info)
    {
        Name = name;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        _process = new Process { StartInfo = info, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.Exited += (_, _) => _exited.TrySetResult(_process.ExitCode);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Id = _process.Id;
    }

    public string Name { get; }

    public int Id { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Completes with the exit code when the process ends.</summary>
    public Task<int> Exited => _exited.Task;

    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    /// <summary>
    /// Waits for a printed line that satisfies <paramref name="predicate"/>; fails at once if the
    /// process ends first, and after <paramref name="timeout"/> otherwise, with what it printed.
    /// </summary>
    /// <param name="predicate">The line looked for.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="printedBefore">Whether a line printed before the call counts.</param>
    public async Task<string> WaitForLineAsync(Func<string, bool> predicate, TimeSpan timeout, bool printedBefore = true)
    {
        var signal = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_output)
        {
            var existing = printedBefore ? _output.ToString().Split('\n').FirstOrDefault(predicate) : null;
            if (existing is not null)
                return existing;
            _waiters.Add((predicate, signal));
        }

        var first = await Task.WhenAny(signal.Task, Exited, Task.Delay(timeout));
        if (first == signal.Task)
            return await signal.Task;
        var why = first == Exited ? $"exited with code {await Exited}" : $"printed no such line within {timeout.TotalSeconds:0} s";
        throw new InvalidOperationException($"{Name} {why}; it printed:\n{Tail(60)}");
    }

    /// <summary>
    /// Sends SIGKILL (no shutdown code runs) and returns when the process is gone, with the time
    /// the signal was sent: the process ran no code after it, whereas waiting for it to be reaped
    /// and its output drained can take much longer on a loaded machine.
    /// </summary>
    public DateTime Kill()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: false);
        var signalled = DateTime.UtcNow;
        _process.WaitForExit();
        return signalled;
    }

    /// <summary>Waits for the process to end and for everything it printed to be read; returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        var code = await Exited.WaitAsync(timeout);
        _process.WaitForExit();
        return code;
    }

    /// <summary>Sends SIGTERM: the process runs its shutdown code (a silo drains and leaves the cluster).</summary>
    public void Terminate()
    {
        if (!_process.HasExited && Sys.Kill(_process.Id, Sys.SigTerm) != 0)
            throw new InvalidOperationException($"kill -TERM {_process.Id} failed with errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
    }

    /// <summary>SIGSTOP (<paramref name="stop"/>) or SIGCONT: the process is frozen where it is, or runs on.</summary>
    public void Freeze(bool stop)
    {
        var signal = stop ? Sys.SigStop : Sys.SigCont;
        if (!_process.HasExited && Sys.Kill(_process.Id, signal) != 0)
            throw new InvalidOperationException($"kill -{signal} {_process.Id} failed with errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
    }

    /// <summary>The last lines printed.</summary>
    public string Tail(int lines)
    {
        var all = Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
    }

    public void Dispose()
    {
        try
        {
            Kill();
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }

        _process.Dispose();
    }

    /// <summary>A TCP port free on loopback now (another process may still take it before it is used).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Distinct free ports.</summary>
    public static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            foreach (var l in listeners)
                l.Start();
            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            foreach (var l in listeners)
                l.Dispose();
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
            return;
        lock (_output)
        {
            _output.AppendLine(line);
            foreach (var waiter in _waiters.Where(w => w.Predicate(line)).ToList())
            {
                waiter.Signal.TrySetResult(line);
                _waiters.Remove(waiter);
            }
        }
    }
}

internal static class Sys
{
    public const int SigTerm = 15;

    public const int SigStop = 19;

    public const int SigCont = 18;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static extern int Kill(int pid, int signal);
}
