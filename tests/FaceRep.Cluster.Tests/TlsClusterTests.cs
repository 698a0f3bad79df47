using FaceRep.Grid.Abstractions;
using FaceRep.Grid.Hosting;
using Xunit.Abstractions;

namespace FaceRep.Cluster.Tests;

/// <summary>
/// A cluster on mutual TLS: two silos, each with a certificate from the cluster's authority, talk
/// to each other and to the console over TLS; a console with no certificate, or with one from
/// another authority, is refused.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class TlsClusterTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("facerep-tls-").FullName;
    private TestCertificates _authority = null!;
    private ClusterHarness _cluster = null!;

    public async Task InitializeAsync()
    {
        _authority = TestCertificates.CreateAuthority(Path.Combine(_dir, "pki"), "FaceRep test cluster CA");
        var silo0 = _authority.Issue("silo0");
        var silo1 = _authority.Issue("silo1");
        _cluster = await ClusterHarness.StartAsync(output, silos: 2,
            configureSilo: (i, c) => c with { Tls = (i == 0 ? silo0 : silo1, _authority.Password, _authority.AuthorityPath) });
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task A_sweep_runs_end_to_end_over_mutual_TLS_and_clients_without_the_right_certificate_are_refused()
    {
        // Arrange: a client certificate from the cluster's authority, and one from another.
        var client = _authority.Issue("researcher");
        var rogueAuthority = TestCertificates.CreateAuthority(Path.Combine(_dir, "rogue"), "Someone else's CA");
        var rogue = rogueAuthority.Issue("intruder");
        var spec = Path.Combine(_dir, "tls.yaml");
        await File.WriteAllTextAsync(spec, Sweeps.SpecText("tls", pretrainPerMethod: 2, seeds: 5));
        string[] cluster = ["--cluster-id", _cluster.Config.ClusterId];
        var environment = new Dictionary<string, string>
        {
            ["FACEREP_CLUSTER"] = _cluster.Redis.ConnectionString,
            ["FACEREP_TLS_CERT_PASSWORD"] = _authority.Password,
        };

        // Act: submit and watch with the right certificate.
        var (code, text) = await FacerepConsole.RunAsync(_dir, ["sweep", "submit", spec, "--watch", "--plain", "--tls-cert", client, "--tls-ca", _authority.AuthorityPath, .. cluster], environment);

        // Assert: every job succeeded, on both silos (so silo-to-silo traffic flowed over TLS too).
        Assert.True(code == 0, text);
        Assert.Contains("Sweep tls finished: 44 succeeded, 0 failed, of 44.", text, StringComparison.Ordinal);
        var runs = RunLog.Read(_cluster.RunLogPath);
        Assert.All(_cluster.Silos, s => Assert.Contains(runs, r => s.Owns(r.Silo) && r.Succeeded));
        (code, text) = await FacerepConsole.RunAsync(_dir, ["cluster", "status", "--tls-cert", client, "--tls-ca", _authority.AuthorityPath, .. cluster], environment);
        Assert.True(code == 0, text);
        Assert.Contains("2 silo(s)", text, StringComparison.Ordinal);

        // A console without TLS, or with a certificate another authority issued, does not get in.
        (code, text) = await FacerepConsole.RunAsync(_dir, ["cluster", "status", .. cluster], environment);
        Assert.True(code == 3, $"without a certificate: exit {code}\n{text}");
        var rogueEnvironment = new Dictionary<string, string>(environment) { ["FACEREP_TLS_CERT_PASSWORD"] = rogueAuthority.Password };
        (code, text) = await FacerepConsole.RunAsync(_dir, ["cluster", "status", "--tls-cert", rogue, "--tls-ca", _authority.AuthorityPath, .. cluster], rogueEnvironment);
        Assert.True(code == 3, $"with another authority's certificate: exit {code}\n{text}");
        Assert.DoesNotContain(_authority.Password, text, StringComparison.Ordinal);

        // An Orleans client with the rogue certificate cannot call a grain either.
        var intruder = GridTls.Load(rogue, rogueAuthority.Password, _authority.AuthorityPath);
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var connected = await GridClient.ConnectAsync(_cluster.Redis.ConnectionString, _cluster.Config.ClusterId, _cluster.Config.ServiceId, intruder)
                .WaitAsync(TimeSpan.FromSeconds(20));
            await connected.Client.GetGrain<ISweepGrain>("tls").GetStatusAsync().WaitAsync(TimeSpan.FromSeconds(10));
        });

        // The silos logged the refused handshakes, and never the certificate password.
        Assert.Contains(_cluster.Silos.SelectMany(s => s.Problems()), l => l.Contains("TlsServerConnectionMiddleware: Authentication failed", StringComparison.Ordinal));
        Assert.All(_cluster.Silos, s => Assert.DoesNotContain(_authority.Password, s.Process.Output, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_silo_refuses_to_start_with_an_unreadable_certificate_or_a_wrong_password_naming_the_file()
    {
        var config = _cluster.Config with { Tls = (Path.Combine(_dir, "missing.pfx"), "x", _authority.AuthorityPath) };
        using var missing = SiloProcess.Start("missing-cert", config, Path.Combine(_dir, "missing"));
        Assert.Equal(2, await missing.Process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("cannot load the TLS certificate", missing.Process.Output, StringComparison.Ordinal);
        Assert.Contains("missing.pfx", missing.Process.Output, StringComparison.Ordinal);

        var wrongPassword = _cluster.Config with { Tls = (_authority.Issue("silo9"), "not-the-password", _authority.AuthorityPath) };
        using var refused = SiloProcess.Start("wrong-password", wrongPassword, Path.Combine(_dir, "wrong"));
        Assert.Equal(2, await refused.Process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("cannot load the TLS certificate", refused.Process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password", refused.Process.Output, StringComparison.Ordinal);
    }
}
