using System.Diagnostics;

namespace FaceRep.Cluster.Tests;

/// <summary>The real <c>facerep</c> console, run as a child process as researchers run it.</summary>
public static class FacerepConsole
{
    /// <summary>Runs the real console to its end.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string dir, string[] args, IReadOnlyDictionary<string, string>? environment = null)
    {
        using var process = Start(dir, args, environment);
        try
        {
            var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(120));
            return (code, process.Output);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"facerep {string.Join(' ', args.Take(3))} did not finish within 120 s; it printed:\n{process.Tail(40)}");
        }
    }

    /// <summary>
    /// The console as built in its own project's output (the project reference builds it): the
    /// copy beside these tests would resolve its assemblies against the silo's ASP.NET Core framework.
    /// </summary>
    private static string ConsolePath
    {
        get
        {
            var bin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var configuration = bin.Parent!.Parent!.Name;
            var root = bin;
            while (root is not null && !File.Exists(Path.Combine(root.FullName, "FaceRep.Grid.sln")))
                root = root.Parent;
            var path = Path.Combine(root!.FullName, "src", "FaceRep.Cli", "bin", configuration, "net10.0", "linux-x64", "facerep.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"the console is not built at {path}", path);
        }
    }

    /// <summary>Starts the real console, <c>dotnet facerep.dll</c>, as a researcher runs it.</summary>
    /// <param name="dir">Its working directory.</param>
    /// <param name="args">Its arguments.</param>
    /// <param name="environment">Environment variables to set (FACEREP_CLUSTER is otherwise removed).</param>
    public static ChildProcess Start(string dir, string[] args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = dir };
        info.ArgumentList.Add(ConsolePath);
        foreach (var a in args)
            info.ArgumentList.Add(a);
        info.Environment["NO_COLOR"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment.Remove("FACEREP_CLUSTER");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            info.Environment[name] = value;
        return new ChildProcess($"facerep {string.Join(' ', args.Take(2))}", info);
    }
}
