using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;

namespace FaceRep.Core.Tests.Build;

/// <summary>
/// The build switch of Directory.Build.props: <c>-p:TorchDevice=cuda</c> swaps
/// libtorch-cpu-linux-x64 for libtorch-cuda-12.8-linux-x64 in everything that carries libtorch
/// and changes nothing else that restore or the build read; any other value stops the build.
/// Each case runs <c>dotnet msbuild</c> on the project files, plain and with the switch: its
/// evaluation (properties, package references and central versions) and the graph NuGet would
/// restore (every project the project references, with its packages), written by
/// GenerateRestoreGraphFile. Both are offline: nothing is restored or built.
/// </summary>
public sealed class TorchDeviceSwitchTests
{
    private const string CpuPackage = "libtorch-cpu-linux-x64";
    private const string CudaPackage = "libtorch-cuda-12.8-linux-x64";

    /// <summary>The libtorch version TorchSharp 0.107.0 is built against, which both packages carry.</summary>
    private const string LibTorchVersion = "2.10.0";

    /// <summary>Properties that must not move with the switch (besides the two that must).</summary>
    private static readonly string[] UnchangedProperties = ["LibTorchVersion", "RuntimeIdentifier", "TargetFramework", "SelfContained", "TreatWarningsAsErrors"];

    /// <summary>Variables of the test's own environment that would change what dotnet msbuild evaluates.</summary>
    private static readonly string[] InheritedVariables = ["TorchDevice", "LibTorchPackage", "LibTorchVersion", "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "MSBuildLoadMicrosoftTargetsReadOnly"];

    /// <summary>The restore graph's sections besides "projects".</summary>
    private static readonly string[] GraphSections = ["format", "restore"];

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(180);

    /// <summary>What carries libtorch: the silo, the console, and the one project that references the package.</summary>
    public static TheoryData<string> Projects => new()
    {
        "silos/FaceRep.Silo/FaceRep.Silo.csproj",
        "src/FaceRep.Cli/FaceRep.Cli.csproj",
        "src/FaceRep.Training/FaceRep.Training.csproj",
    };

    [Theory]
    [MemberData(nameof(Projects))]
    public async Task Cuda_swaps_the_libtorch_package_and_nothing_else(string project)
    {
        var plainRun = Evaluate(project);
        var cudaRun = Evaluate(project, "-p:TorchDevice=cuda");
        var (plain, cuda) = (await plainRun, await cudaRun);

        Assert.Equal("cpu", plain.Properties["TorchDevice"]);
        Assert.Equal(CpuPackage, plain.Properties["LibTorchPackage"]);
        Assert.Equal("cuda", cuda.Properties["TorchDevice"]);
        Assert.Equal(CudaPackage, cuda.Properties["LibTorchPackage"]);
        Assert.Equal(LibTorchVersion, plain.Properties["LibTorchVersion"]);
        foreach (var name in UnchangedProperties)
            Assert.True(plain.Properties[name] == cuda.Properties[name], $"{project}: {name} is '{plain.Properties[name]}' plain but '{cuda.Properties[name]}' with TorchDevice=cuda");

        // Central versions: the libtorch entry is renamed, at the same version; the rest is untouched.
        Assert.Equal(LibTorchVersion, plain.Versions[CpuPackage]);
        Assert.Equal(LibTorchVersion, cuda.Versions[CudaPackage]);
        Assert.DoesNotContain(CudaPackage, plain.Versions.Keys);
        Assert.DoesNotContain(CpuPackage, cuda.Versions.Keys);
        Assert.Equal(Swapped(plain.Versions.Select(v => $"{v.Key}/{v.Value}")).Order(StringComparer.Ordinal), cuda.Versions.Select(v => $"{v.Key}/{v.Value}").Order(StringComparer.Ordinal));

        // The project's own package references, with their central versions (only FaceRep.Training
        // names libtorch; the others get it through their project references, below).
        if (project.EndsWith("FaceRep.Training.csproj", StringComparison.Ordinal))
        {
            Assert.Contains($"{CpuPackage}/{LibTorchVersion}", plain.References);
            Assert.Contains($"{CudaPackage}/{LibTorchVersion}", cuda.References);
        }

        Assert.Equal(Swapped(plain.References).Order(StringComparer.Ordinal), cuda.References.Order(StringComparer.Ordinal));

        // Everything restore would fetch, through every project reference: libtorch is there in
        // both, and the two graphs are the same file but for the package's name.
        Assert.Contains($"src/FaceRep.Training/FaceRep.Training.csproj net10.0 {CpuPackage}/[{LibTorchVersion}, )", plain.Graph.Packages);
        Assert.Contains($"src/FaceRep.Training/FaceRep.Training.csproj net10.0 {CudaPackage}/[{LibTorchVersion}, )", cuda.Graph.Packages);
        Assert.DoesNotContain(cuda.Graph.Packages, p => p.Contains(" libtorch-cpu", StringComparison.Ordinal));
        Assert.Equal(plain.Graph.Packages.Select(p => p.Replace($" {CpuPackage}/", $" {CudaPackage}/", StringComparison.Ordinal)).Order(StringComparer.Ordinal), cuda.Graph.Packages.Order(StringComparer.Ordinal));
        var renamed = JsonNode.Parse(plain.Graph.Text.Replace($"\"{CpuPackage}\"", $"\"{CudaPackage}\"", StringComparison.Ordinal));
        var differing = DifferingProjects(renamed!, JsonNode.Parse(cuda.Graph.Text)!);
        Assert.True(differing.Count == 0, $"{project}: the restore graph differs with TorchDevice=cuda beyond the libtorch package, in {string.Join(", ", differing)}");
    }

    [Fact]
    public async Task An_unknown_device_stops_restore_and_build_naming_the_property()
    {
        // Restore's graph of the silo, through every project it references, FaceRep.Training included.
        var graphFile = Path.Combine(Path.GetTempPath(), $"facerep-restore-graph-{Guid.NewGuid():N}.json");
        var restore = RunMsBuild(["silos/FaceRep.Silo/FaceRep.Silo.csproj", "-t:GenerateRestoreGraphFile", $"-p:RestoreGraphOutputPath={graphFile}", "-p:TorchDevice=rocm"]);
        // A build without restore (--no-restore) stops before it compiles: BeforeBuild is its first step.
        var build = RunMsBuild(["src/FaceRep.Core/FaceRep.Core.csproj", "-t:BeforeBuild", "-p:TorchDevice=rocm"]);
        var results = new[] { ("restore", await restore), ("build", await build) };
        File.Delete(graphFile);

        foreach (var (step, (exitCode, stdout, stderr)) in results)
        {
            var output = stdout + stderr;
            Assert.True(exitCode != 0, $"{step} with TorchDevice=rocm exited 0:\n{output}");
            Assert.Contains("TorchDevice='rocm'", output, StringComparison.Ordinal);
            Assert.Contains("-p:TorchDevice=cpu", output, StringComparison.Ordinal);
            Assert.Contains("-p:TorchDevice=cuda", output, StringComparison.Ordinal);
        }

        var (_, restoreOutput, restoreErrors) = results[0].Item2;
        Assert.Contains("FaceRep.Training.csproj", restoreOutput + restoreErrors, StringComparison.Ordinal);
    }

    // ---------------------------------------------------------------------------------------
    // dotnet msbuild
    // ---------------------------------------------------------------------------------------

    /// <summary>One project as dotnet msbuild sees it.</summary>
    private sealed record Evaluation(
        IReadOnlyDictionary<string, string> Properties,
        IReadOnlyDictionary<string, string> Versions,
        IReadOnlyList<string> References,
        RestoreGraph Graph);

    /// <summary>The restore graph's text, and its package dependencies as "project framework package/version range".</summary>
    private sealed record RestoreGraph(string Text, IReadOnlyList<string> Packages);

    private static async Task<Evaluation> Evaluate(string project, params string[] properties)
    {
        var graphFile = Path.Combine(Path.GetTempPath(), $"facerep-restore-graph-{Guid.NewGuid():N}.json");
        try
        {
            string[] arguments =
            [
                project,
                "-t:GenerateRestoreGraphFile", $"-p:RestoreGraphOutputPath={graphFile}",
                "-getProperty:TorchDevice", "-getProperty:LibTorchPackage",
                .. UnchangedProperties.Select(p => $"-getProperty:{p}"),
                "-getItem:PackageReference", "-getItem:PackageVersion",
                .. properties,
            ];
            var (exitCode, output, errors) = await RunMsBuild(arguments);
            Assert.True(exitCode == 0, $"dotnet msbuild {project} {string.Join(' ', properties)} exited {exitCode}:\n{output}\n{errors}");
            var json = JsonNode.Parse(output)!;

            var values = json["Properties"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<string>(), StringComparer.Ordinal);
            var versions = Items(json, "PackageVersion").ToDictionary(i => Text(i, "Identity"), i => Text(i, "Version"), StringComparer.Ordinal);
            var references = Items(json, "PackageReference")
                .Select(i => Text(i, "Identity"))
                .Select(id => $"{id}/{(versions.TryGetValue(id, out var v) ? v : "(no central version)")}")
                .ToList();

            var text = await File.ReadAllTextAsync(graphFile);
            return new(values, versions, references, new(text, GraphPackages(JsonNode.Parse(text)!)));
        }
        finally
        {
            File.Delete(graphFile);
        }
    }

    /// <summary>
    /// <c>dotnet msbuild</c> in the repository with <paramref name="arguments"/>. With the target
    /// GenerateRestoreGraphFile it writes the graph restore would fetch (the targets restore
    /// runs, without fetching); with -getProperty/-getItem its output is JSON.
    /// </summary>
    private static async Task<(int ExitCode, string Output, string Errors)> RunMsBuild(string[] arguments)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet")
        {
            WorkingDirectory = Repo.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in (string[])["msbuild", "-nologo", "-nodeReuse:false", .. arguments])
            info.ArgumentList.Add(argument);
        foreach (var name in InheritedVariables)
            info.Environment.Remove(name);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet msbuild {string.Join(' ', arguments)} did not finish within {Timeout.TotalSeconds} s");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    private static IEnumerable<JsonNode> Items(JsonNode json, string type) => json["Items"]?[type]?.AsArray().OfType<JsonNode>() ?? [];

    private static string Text(JsonNode item, string metadata) => item[metadata]?.GetValue<string>() ?? "";

    /// <summary>"package/version" entries with the CPU package renamed to the CUDA one.</summary>
    private static IEnumerable<string> Swapped(IEnumerable<string> entries) =>
        entries.Select(e => e.StartsWith(CpuPackage + "/", StringComparison.Ordinal) ? CudaPackage + e[CpuPackage.Length..] : e);

    /// <summary>Every package dependency of every project in a restore graph (dgspec).</summary>
    private static List<string> GraphPackages(JsonNode graph)
    {
        var packages = new List<string>();
        foreach (var (path, spec) in graph["projects"]!.AsObject())
        {
            foreach (var (framework, body) in spec!["frameworks"]!.AsObject())
            {
                foreach (var (package, dependency) in body!["dependencies"]?.AsObject() ?? [])
                    packages.Add($"{Repo.Relative(path)} {framework} {package}/{dependency!["version"]?.GetValue<string>()}");
            }
        }

        return packages;
    }

    /// <summary>The projects (and top-level sections) whose restore specs differ between two graphs.</summary>
    private static List<string> DifferingProjects(JsonNode expected, JsonNode actual)
    {
        var differing = new List<string>();
        foreach (var section in GraphSections)
        {
            if (!JsonNode.DeepEquals(expected[section], actual[section]))
                differing.Add(section);
        }

        var expectedProjects = expected["projects"]!.AsObject();
        var actualProjects = actual["projects"]!.AsObject();
        foreach (var name in expectedProjects.Select(p => p.Key).Union(actualProjects.Select(p => p.Key)).Order(StringComparer.Ordinal))
        {
            if (!JsonNode.DeepEquals(expectedProjects[name], actualProjects[name]))
                differing.Add(Repo.Relative(name));
        }

        return differing;
    }

    /// <summary>The repository: found from the test's output directory by walking up to FaceRep.Grid.sln.</summary>
    private static class Repo
    {
        public static readonly string Root = FindRoot();

        public static string Relative(string path) => Path.GetRelativePath(Root, path).Replace('\\', '/');

        private static string FindRoot()
        {
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "FaceRep.Grid.sln")))
                    return directory.FullName;
            }

            throw new DirectoryNotFoundException($"FaceRep.Grid.sln not found above {AppContext.BaseDirectory}");
        }
    }
}
