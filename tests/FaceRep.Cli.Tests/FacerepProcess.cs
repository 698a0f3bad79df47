using System.Diagnostics;
using System.Text;

namespace FaceRep.Cli.Tests;

/// <summary>Runs the real <c>facerep</c> executable as a child process and captures what it prints.</summary>
public sealed class FacerepProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly List<(Func<string, bool> Predicate, TaskCompletionSource<string> Signal)> _waiters = [];

    /// <summary>How the child is started.</summary>
    public enum Launch
    {
        /// <summary>dotnet facerep.dll, output through pipes.</summary>
        Plain,

        /// <summary>
        /// As <see cref="Plain"/>, with SIGINT and SIGTERM at their defaults whatever this process
        /// inherited (a background job inherits SIGINT ignored, and a program that honours that
        /// could not be tested with it).
        /// </summary>
        DefaultSignals,

        /// <summary>
        /// In a pseudo-terminal (util-linux <c>script</c>), as a user's shell would run it: what is
        /// written with <see cref="Type"/> is typed at its keyboard, so Ctrl-C is <c>\x03</c>.
        /// </summary>
        Terminal,
    }

    private readonly Launch _launch;

    private FacerepProcess(string workingDirectory, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null, Launch launch = Launch.Plain)
    {
        _launch = launch;
        var facerep = new List<string> { "dotnet", Path.Combine(AppContext.BaseDirectory, "facerep.dll") };
        facerep.AddRange(args);
        facerep.InsertRange(0, launch == Launch.Plain ? [] : ["env", "--default-signal=INT,TERM"]);
        var info = new ProcessStartInfo(launch == Launch.Terminal ? "script" : facerep[0])
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = launch == Launch.Terminal,
            UseShellExecute = false,
        };
        if (launch == Launch.Terminal)
        {
            // -q quiet, -f flush at once, -e the child's exit code, -c the command; no typescript file.
            foreach (var a in new[] { "-qfec", string.Join(' ', facerep.Select(a => "'" + a.Replace("'", "'\\''", StringComparison.Ordinal) + "'")), "/dev/null" })
                info.ArgumentList.Add(a);
        }
        else
        {
            foreach (var a in facerep.Skip(1))
                info.ArgumentList.Add(a);
        }

        info.Environment["NO_COLOR"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
                info.Environment.Remove(name);
            else
                info.Environment[name] = value;
        }

        _process = new Process { StartInfo = info, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    public static FacerepProcess Start(string workingDirectory, params string[] args) => new(workingDirectory, args);

    /// <summary>Starts facerep with environment variables set (or, where the value is null, removed).</summary>
    public static FacerepProcess StartWith(string workingDirectory, IReadOnlyDictionary<string, string?> environment, params string[] args) =>
        new(workingDirectory, args, environment);

    /// <summary>Starts facerep the way <paramref name="launch"/> says.</summary>
    public static FacerepProcess StartAs(Launch launch, string workingDirectory, params string[] args) => new(workingDirectory, args, null, launch);

    /// <summary>Sends a signal to the process, as <c>kill -SIGNAL</c> does.</summary>
    public void Signal(System.Runtime.InteropServices.PosixSignal signal)
    {
        if (_launch == Launch.Terminal)
            throw new InvalidOperationException("a terminal's child gets its signals from the keyboard: Type(\"\\x03\")");
        var number = signal switch
        {
            System.Runtime.InteropServices.PosixSignal.SIGINT => 2,
            System.Runtime.InteropServices.PosixSignal.SIGTERM => 15,
            _ => throw new ArgumentOutOfRangeException(nameof(signal)),
        };
        // env execs dotnet, which runs facerep in its own process: the pid is facerep's.
        if (Kill(_process.Id, number) != 0)
            throw new InvalidOperationException($"kill({_process.Id}, {number}) failed: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>Types text at the terminal's keyboard (<see cref="Launch.Terminal"/> only).</summary>
    public void Type(string text)
    {
        _process.StandardInput.Write(text);
        _process.StandardInput.Flush();
    }

    /// <summary>Runs to the end and returns the exit code and everything printed.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string workingDirectory, TimeSpan timeout, params string[] args)
    {
        using var p = Start(workingDirectory, args);
        var code = await p.WaitForExitAsync(timeout);
        return (code, p.Output);
    }

    /// <summary>Completes when a printed line satisfies the predicate.</summary>
    public Task<string> WaitForLineAsync(Func<string, bool> predicate)
    {
        var signal = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_output)
        {
            var existing = _output.ToString().Split('\n').FirstOrDefault(predicate);
            if (existing is not null)
                signal.SetResult(existing);
            else
                _waiters.Add((predicate, signal));
        }

        return signal.Task;
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"facerep did not finish within {timeout}; it printed:\n{Output}");
        }

        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>Kills the process at once, as SIGKILL does: no shutdown code runs.</summary>
    public void KillHard()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.Dispose();
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
