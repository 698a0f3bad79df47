using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace FaceRep.Bench;

/// <summary>
/// bench/python/train_step.py running under Debian's /usr/bin/python3 in its <c>--serve</c> mode:
/// the same training step in PyTorch, timed a block at a time when asked, so its blocks interleave
/// with the C# ones and drift in the machine's speed affects both sides alike. Only one side runs
/// at a time: the other waits on the pipe.
/// </summary>
internal sealed class PythonReference : IDisposable
{
    private const string Python = "/usr/bin/python3";
    private readonly Process _process;

    private PythonReference(Process process, string runtime)
    {
        _process = process;
        Runtime = runtime;
    }

    /// <summary>"Python torch 1.13.0a0" or the like.</summary>
    public string Runtime { get; }

    /// <summary>
    /// Starts the reference with the benchmark's shape and thread count; prints its runtime and, when
    /// <paramref name="matmul"/>, its own matmul ceilings. Null (and says why) when Python, PyTorch or
    /// the script is missing. <paramref name="environment"/> adds variables to the child's environment.
    /// </summary>
    public static PythonReference? Start(TrainBench.Settings settings, bool matmul, IReadOnlyDictionary<string, string>? environment)
    {
        var script = FindScript();
        if (!File.Exists(Python) || script is null)
        {
            Console.WriteLine($"(PyTorch reference skipped: {(script is null ? "bench/python/train_step.py not found" : $"{Python} not found")})");
            return null;
        }

        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = false,
            UseShellExecute = false,
        };
        string[] args =
        [
            script, "--serve", "--threads", $"{settings.Threads}", "--batch", $"{settings.Batch}", "--input", $"{settings.Input}",
            "--width", settings.Width.ToString(CultureInfo.InvariantCulture), "--warmup", $"{settings.Warmup}",
            "--freeze", $"{settings.Freeze}", "--max-load", settings.MaxLoad.ToString(CultureInfo.InvariantCulture), "--matmul", matmul ? "1024" : "0",
        ];
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            start.Environment[key] = value;

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {Python}");
        var runtime = "Python torch";
        while (true)
        {
            var line = process.StandardOutput.ReadLine();
            if (line is null)
            {
                process.WaitForExit();
                Console.WriteLine($"(PyTorch reference skipped: {Python} {script} exited with {process.ExitCode})");
                process.Dispose();
                return null;
            }

            using var json = JsonDocument.Parse(line);
            var o = json.RootElement;
            switch (o.GetProperty("kind").GetString())
            {
                case "ready":
                    return new PythonReference(process, runtime);
                case "runtime":
                    runtime = $"Python torch {o.GetProperty("torch").GetString()}";
                    Console.WriteLine($"PyTorch reference: {line}");
                    break;
                case "matmul":
                    Console.WriteLine($"PyTorch float32 matmul, {o.GetProperty("path").GetString()} {o.GetProperty("n").GetInt32()}: median {o.GetProperty("gflops").GetDouble():F1} GFLOP/s " +
                        $"(min–max {o.GetProperty("gflops_min").GetDouble():F1}–{o.GetProperty("gflops_max").GetDouble():F1})");
                    break;
                default:
                    Console.WriteLine($"# PyTorch: {line}");
                    break;
            }
        }
    }

    /// <summary>Sends one command and returns its JSON answer.</summary>
    public JsonElement Ask(string command)
    {
        _process.StandardInput.WriteLine(command);
        _process.StandardInput.Flush();
        var line = _process.StandardOutput.ReadLine() ?? throw new InvalidOperationException($"the PyTorch reference ended while asked '{command}'");
        using var json = JsonDocument.Parse(line);
        var answer = json.RootElement.Clone();
        if (answer.GetProperty("kind").GetString() == "error")
            throw new InvalidOperationException($"the PyTorch reference answered '{command}' with {line}");
        return answer;
    }

    public void Dispose()
    {
        try
        {
            _process.StandardInput.WriteLine("quit");
            _process.StandardInput.Flush();
            if (!_process.WaitForExit(TimeSpan.FromSeconds(30)))
                _process.Kill();
        }
        catch (IOException)
        {
            // Already gone.
        }

        _process.Dispose();
    }

    private static string? FindScript()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "bench", "python", "train_step.py");
                if (File.Exists(candidate))
                    return candidate;
            }
        }

        return null;
    }
}
