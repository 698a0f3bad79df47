using System.Security.Cryptography;
using System.Text;
using FaceRep.Core.Tests.Specs;

namespace FaceRep.Cli.Tests;

/// <summary>
/// The hostile spec corpus through the real console: <c>facerep run</c> refuses each with one
/// error line per problem, exit code 2, no stack trace and no crash or hang, and the results
/// directory of an earlier run is left byte for byte as it was. Every spec is refused by the
/// parser in FaceRep.Core.Tests; here one in five, spread over every kind, pays a process start.
/// </summary>
public sealed class HostileSpecConsoleTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("facerep-hostile-").FullName;

    public static TheoryData<string> Sample => new(HostileSpecs.All.Where((_, i) => i % 5 == 0).Select(s => s.Name));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [MemberData(nameof(Sample))]
    public async Task The_console_refuses_a_hostile_spec_with_exit_code_2_and_touches_nothing(string name)
    {
        // Arrange: a results directory holding an earlier run's files.
        var spec = HostileSpecs.All.Single(s => s.Name == name);
        var path = Path.Combine(_dir, "hostile.yaml");
        // Written as a careless editor would: what UTF-8 cannot encode (a lone surrogate) becomes U+FFFD.
        await File.WriteAllTextAsync(path, spec.Text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false));
        var results = Path.Combine(_dir, "results");
        Directory.CreateDirectory(Path.Combine(results, "artifacts"));
        await File.WriteAllTextAsync(Path.Combine(results, "grid.db"), "an earlier run's state");
        await File.WriteAllBytesAsync(Path.Combine(results, "artifacts", "model.pt"), RandomNumberGenerator.GetBytes(4096));
        var before = Snapshot(results);

        // Act
        var (code, output) = await FacerepProcess.RunAsync(_dir, TimeSpan.FromSeconds(60), "run", path, "--out", results);

        // Assert
        Assert.True(code == 2, $"exit code {code}; it printed:\n{Clip(output)}");
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.StartsWith("error: hostile.yaml", StringComparison.Ordinal));
        Assert.Contains(spec.Expected, output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
        Assert.True(output.Length < 8_000, $"the console printed {output.Length} characters");
        Assert.Equal(before, Snapshot(results));
    }

    [Fact]
    public async Task The_console_refuses_a_spec_file_that_is_not_UTF_8()
    {
        var path = Path.Combine(_dir, "latin1.yaml");
        await File.WriteAllBytesAsync(path, [.. "name: caf"u8, 0xE9, .. "\npretrain: [{method: simclr}]\ntasks: [landmarks]\nshots: [0.2]\nseeds: [0]\n"u8, 0xFF, 0xFE, 0xC3, 0x28]);

        var (code, output) = await FacerepProcess.RunAsync(_dir, TimeSpan.FromSeconds(60), "run", path, "--out", Path.Combine(_dir, "results"));

        Assert.True(code == 2, $"exit code {code}; it printed:\n{output}");
        Assert.Contains("error: latin1.yaml:1:0: the file is not UTF-8: 0xE9 at byte offset 9; save it as UTF-8", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "results")), "a refused spec created the results directory");
    }

    private static string Clip(string text) => text.Length <= 2_000 ? text : text[..2_000] + "…";

    /// <summary>Every file under the directory with a hash of its bytes.</summary>
    private static Dictionary<string, string> Snapshot(string directory) =>
        Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(directory, f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));
}
