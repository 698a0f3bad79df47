using System.Diagnostics;
using System.Globalization;

namespace FaceRep.Cluster.Tests;

/// <summary>A silo process refusing to start: bad settings (exit 2), a numeric backend that fails its check (exit 3).</summary>
public sealed class SiloSettingsTests
{
    [Fact]
    public async Task A_silo_with_bad_settings_exits_with_code_2_naming_each_setting_and_what_to_write()
    {
        var (code, output) = await RunSiloAsync("silo with bad settings", TimeSpan.FromSeconds(60), new Dictionary<string, string>
        {
            ["FaceRep__Executor"] = "sleep:fast",
            ["FaceRep__Membership__MissedProbes"] = "0",
            ["FaceRep__HeartbeatSeconds"] = "10",
            ["FaceRep__LeaseSeconds"] = "5",
            ["FaceRep__DatasetRoots"] = "/nonexistent/faces",
        });

        Assert.Equal(2, code);
        Assert.Contains("FaceRep:Executor: 'sleep:fast' has no duration", output, StringComparison.Ordinal);
        Assert.Contains("write it as 200ms or 2s", output, StringComparison.Ordinal);
        Assert.Contains("FaceRep:Membership:MissedProbes is 0", output, StringComparison.Ordinal);
        Assert.Contains("FaceRep:LeaseSeconds is 5", output, StringComparison.Ordinal);
        Assert.Contains("FaceRep:DatasetRoots: '/nonexistent/faces' is not a directory", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_silo_whose_numeric_self_check_fails_does_not_start_and_names_the_check()
    {
        // No tolerance: float32 never equals float64 exactly, so the check fails with oneDNN and
        // again with libtorch's own kernels, as on a machine whose libtorch is wrong.
        var (code, output) = await RunSiloAsync("silo failing its numeric check", TimeSpan.FromSeconds(120), new Dictionary<string, string>
        {
            ["FaceRep__NumericTolerance"] = "0",
            ["FaceRep__HttpPort"] = "0",
            ["FaceRep__SiloPort"] = ChildProcess.FreePort().ToString(CultureInfo.InvariantCulture),
            ["FaceRep__GatewayPort"] = ChildProcess.FreePort().ToString(CultureInfo.InvariantCulture),
        });

        Assert.Equal(3, code);
        Assert.Contains("numeric self-check failed: with oneDNN (oneDNN capped at", output, StringComparison.Ordinal);
        Assert.Contains("differs from the float64 reference", output, StringComparison.Ordinal);
        Assert.Contains("it will not train", output, StringComparison.Ordinal);
        Assert.DoesNotContain("serves", output, StringComparison.Ordinal);
    }

    /// <summary>Runs the silo in a directory of its own with these settings until it exits.</summary>
    private static async Task<(int Code, string Output)> RunSiloAsync(string name, TimeSpan timeout, IReadOnlyDictionary<string, string> settings)
    {
        var directory = Directory.CreateTempSubdirectory("facerep-silo-start-");
        try
        {
            var info = new ProcessStartInfo("dotnet") { WorkingDirectory = directory.FullName };
            info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "FaceRep.Silo.dll"));
            info.Environment["FaceRep__DataRoot"] = directory.FullName;
            foreach (var (key, value) in settings)
                info.Environment[key] = value;
            using var silo = new ChildProcess(name, info);
            var code = await silo.WaitForExitAsync(timeout);
            return (code, silo.Output);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
