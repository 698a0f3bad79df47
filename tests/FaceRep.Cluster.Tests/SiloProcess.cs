using System.Diagnostics;
using System.Globalization;

namespace FaceRep.Cluster.Tests;

/// <summary>How a test's silos are configured; every silo of one cluster shares all but its ports and data directory.</summary>
public sealed record SiloConfig
{
    public required string ClusterId { get; init; }

    public required string ServiceId { get; init; }

    public required string Redis { get; init; }

    /// <summary>The artifact root every silo shares (and with it the sleep trainer's run log).</summary>
    public required string ArtifactRoot { get; init; }

    public int CpuSlots { get; init; } = 2;

    public string Executor { get; init; } = "sleep:150ms";

    public double HeartbeatSeconds { get; init; } = 1;

    public double LeaseSeconds { get; init; } = 10;

    public double ProbeTimeoutSeconds { get; init; } = 1;

    public int MissedProbes { get; init; } = 2;

    public double TableRefreshSeconds { get; init; } = 2;

    /// <summary>Seconds a stopping silo lets running jobs finish before handing them back.</summary>
    public double DrainSeconds { get; init; } = 5;

    /// <summary>The PostgreSQL result store every silo writes to; null for a DuckDB file in each silo's data directory.</summary>
    public string? Postgres { get; init; }

    /// <summary>The silo's TLS certificate (.pfx), its password and the cluster's authority; null for no TLS.</summary>
    public (string Certificate, string Password, string Authority)? Tls { get; init; }

    /// <summary>The longest one job may run, in minutes (0: no limit).</summary>
    public double JobTimeBudgetMinutes { get; init; }

    /// <summary>The most memory one job may add to the silo, in MiB (0: no limit).</summary>
    public long JobMemoryBudgetMB { get; init; }

    /// <summary>Devices by name (<c>cpu0,cuda0</c>); null for <see cref="CpuSlots"/> CPU slots.</summary>
    public string? Devices { get; init; }

    /// <summary>Directories of datasets the silo holds (FaceRep:DatasetRoots); null for none.</summary>
    public string? DatasetRoots { get; init; }
}

/// <summary>
/// One real silo: <c>dotnet FaceRep.Silo.dll</c> (copied next to the tests by the project
/// reference) configured by FaceRep__* environment variables, as an operator runs it.
/// </summary>
public sealed class SiloProcess : IDisposable
{
    private readonly ChildProcess _process;

    private SiloProcess(string name, ChildProcess process, int siloPort, int gatewayPort, int httpPort, string dataRoot)
    {
        Name = name;
        _process = process;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
        HttpPort = httpPort;
        DataRoot = dataRoot;
    }

    public string Name { get; }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    /// <summary>The port of its dashboard, metrics and health endpoints.</summary>
    public int HttpPort { get; }

    public string DataRoot { get; }

    public int ProcessId => _process.Id;

    public ChildProcess Process => _process;

    /// <summary>True if a silo address (<c>127.0.0.1:PORT@GENERATION</c>, as the run log names silos) is this silo's.</summary>
    public bool Owns(string siloAddress) => siloAddress.StartsWith($"127.0.0.1:{SiloPort}@", StringComparison.Ordinal);

    /// <summary>Starts a silo; it is ready once <see cref="WaitReadyAsync"/> returns.</summary>
    /// <param name="name">The silo's name in test output.</param>
    /// <param name="config">Its settings.</param>
    /// <param name="dataRoot">Its data directory.</param>
    /// <param name="ports">Silo, gateway and HTTP ports (a restart on the same address); free ones when null.</param>
    public static SiloProcess Start(string name, SiloConfig config, string dataRoot, int[]? ports = null)
    {
        Directory.CreateDirectory(dataRoot);
        ports ??= ChildProcess.FreePorts(3);
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = dataRoot };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "FaceRep.Silo.dll"));
        string Number(double value) => value.ToString(CultureInfo.InvariantCulture);
        var settings = new Dictionary<string, string>
        {
            ["ClusterId"] = config.ClusterId,
            ["ServiceId"] = config.ServiceId,
            ["Clustering"] = "redis",
            ["State"] = "redis",
            ["Redis"] = config.Redis,
            ["AdvertisedAddress"] = "127.0.0.1",
            ["SiloPort"] = $"{ports[0]}",
            ["GatewayPort"] = $"{ports[1]}",
            ["CpuSlots"] = $"{config.CpuSlots}",
            ["HttpPort"] = $"{ports[2]}",
            ["DrainSeconds"] = Number(config.DrainSeconds),
            ["JobTimeBudgetMinutes"] = Number(config.JobTimeBudgetMinutes),
            ["JobMemoryBudgetMB"] = $"{config.JobMemoryBudgetMB}",
            ["DataRoot"] = dataRoot,
            ["ArtifactRoot"] = config.ArtifactRoot,
            ["Executor"] = config.Executor,
            ["HeartbeatSeconds"] = Number(config.HeartbeatSeconds),
            ["LeaseSeconds"] = Number(config.LeaseSeconds),
            ["Membership__ProbeTimeoutSeconds"] = Number(config.ProbeTimeoutSeconds),
            ["Membership__MissedProbes"] = $"{config.MissedProbes}",
            ["Membership__TableRefreshSeconds"] = Number(config.TableRefreshSeconds),
        };
        if (config.Devices is { } devices)
            settings["Devices"] = devices;
        if (config.DatasetRoots is { } roots)
            settings["DatasetRoots"] = roots;
        if (config.Tls is { } tls)
            (settings["TlsCertificate"], settings["TlsCertificatePassword"], settings["TlsCa"]) = tls;
        if (config.Postgres is { } postgres)
            (settings["Results"], settings["Postgres"]) = ("postgres", postgres);
        foreach (var (key, value) in settings)
            info.Environment[$"FaceRep__{key}"] = value;
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return new SiloProcess(name, new ChildProcess(name, info), ports[0], ports[1], ports[2], dataRoot);
    }

    /// <summary>Waits until the silo has joined the cluster and its workers pull jobs.</summary>
    public Task WaitReadyAsync(TimeSpan timeout) =>
        _process.WaitForLineAsync(l => l.Contains("WorkerStarter: Silo ", StringComparison.Ordinal) && l.Contains(" serves ", StringComparison.Ordinal), timeout);

    /// <summary>SIGTERM, as an operator or Kubernetes stops a silo: it drains and leaves. Returns when the signal was sent.</summary>
    public void Terminate() => _process.Terminate();

    /// <summary>SIGKILL: the silo gets no chance to leave the cluster or release anything. Returns when the signal was sent.</summary>
    public DateTime Kill() => _process.Kill();

    /// <summary>Waits for the silo to start its next job (its training host logs each start just before running it).</summary>
    public Task WaitForNextJobAsync(TimeSpan timeout) =>
        _process.WaitForLineAsync(l => l.Contains("TrainingHost: Job ", StringComparison.Ordinal) && l.Contains(" started on ", StringComparison.Ordinal), timeout, printedBefore: false);

    /// <summary>
    /// SIGKILLs the silo while the sleep trainer's run log shows it running a job, and returns when
    /// the signal was sent. The silo is frozen (SIGSTOP) before the log is read, so a run seen open
    /// cannot end between the look and the kill; if none is open it runs on and the log is read
    /// again a moment later.
    /// </summary>
    public async Task<DateTime> KillWhileRunningAsync(string runLogPath, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            _process.Freeze(stop: true);
            if (File.Exists(runLogPath) && RunLog.Read(runLogPath).Any(r => r.End is null && Owns(r.Silo)))
                return Kill();
            _process.Freeze(stop: false);
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{Name} ran no job within {timeout.TotalSeconds:F0} s; it printed:\n{_process.Tail(30)}");
            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }
    }

    /// <summary>The warnings and errors the silo printed, for a failing test's output.</summary>
    public IEnumerable<string> Problems() =>
        _process.Output.Split('\n').Where(l => l.Contains(" WRN]", StringComparison.Ordinal) || l.Contains(" ERR]", StringComparison.Ordinal) || l.Contains(" FTL]", StringComparison.Ordinal));

    public void Dispose() => _process.Dispose();
}
