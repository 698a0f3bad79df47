using System.Diagnostics;
using System.Text;

namespace FaceRep.Cli.Tests;

/// <summary>Runs the real <c>facerep</c> executable as a child process and captures what it prints.</summary>
public sealed class FacerepProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly List<(Func<string, bool> Predicate, TaskCompletionSource<string> Signal)> _waiters = [];

    private FacerepProcess(string workingDirectory, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "facerep.dll"));
        foreach (var a in args)
            info.ArgumentList.Add(a);
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
