using System.Diagnostics;

namespace FaceRep.Cluster.Tests;

public sealed class SiloSettingsTests
{
    [Fact]
    public async Task A_silo_with_bad_settings_exits_with_code_2_naming_each_setting_and_what_to_write()
    {
        var directory = Directory.CreateTempSubdirectory("facerep-silo-settings-");
        try
        {
            var info = new ProcessStartInfo("dotnet") { WorkingDirectory = directory.FullName };
            info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "FaceRep.Silo.dll"));
            info.Environment["FaceRep__Executor"] = "sleep:fast";
            info.Environment["FaceRep__Membership__MissedProbes"] = "0";
            info.Environment["FaceRep__HeartbeatSeconds"] = "10";
            info.Environment["FaceRep__LeaseSeconds"] = "5";
            info.Environment["FaceRep__DatasetRoots"] = "/nonexistent/faces";
            using var silo = new ChildProcess("silo with bad settings", info);

            var code = await silo.WaitForExitAsync(TimeSpan.FromSeconds(60));

            Assert.Equal(2, code);
            Assert.Contains("FaceRep:Executor: 'sleep:fast' has no duration", silo.Output, StringComparison.Ordinal);
            Assert.Contains("write it as 200ms or 2s", silo.Output, StringComparison.Ordinal);
            Assert.Contains("FaceRep:Membership:MissedProbes is 0", silo.Output, StringComparison.Ordinal);
            Assert.Contains("FaceRep:LeaseSeconds is 5", silo.Output, StringComparison.Ordinal);
            Assert.Contains("FaceRep:DatasetRoots: '/nonexistent/faces' is not a directory", silo.Output, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_silo_whose_numeric_self_check_fails_does_not_start_and_names_the_check()
    {
        var directory = Directory.CreateTempSubdirectory("facerep-silo-numerics-");
        try
        {
            var info = new ProcessStartInfo("dotnet") { WorkingDirectory = directory.FullName };
            info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "FaceRep.Silo.dll"));
            // No tolerance: float32 never equals float64 exactly, so the check fails with oneDNN
            // and again with libtorch's own kernels, as on a machine whose libtorch is wrong.
            info.Environment["FaceRep__NumericTolerance"] = "0";
            info.Environment["FaceRep__HttpPort"] = "0";
            info.Environment["FaceRep__SiloPort"] = ChildProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
            info.Environment["FaceRep__GatewayPort"] = ChildProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
            info.Environment["FaceRep__DataRoot"] = directory.FullName;
            using var silo = new ChildProcess("silo failing its numeric check", info);

            var code = await silo.WaitForExitAsync(TimeSpan.FromSeconds(120));

            Assert.Equal(3, code);
            Assert.Contains("numeric self-check failed: with oneDNN (oneDNN capped at", silo.Output, StringComparison.Ordinal);
            Assert.Contains("differs from the float64 reference", silo.Output, StringComparison.Ordinal);
            Assert.Contains("it will not train", silo.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("serves", silo.Output, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
