using System.Net;
using FaceRep.Grid.Hosting;
using FaceRep.Grid.Workers;

namespace FaceRep.Silo;

/// <summary>The silo's settings: section "FaceRep" of appsettings.json, FACEREP__* environment variables, or --FaceRep:Key=value.</summary>
public sealed class SiloSettings
{
    /// <summary>Cluster id shared by every silo and client of one grid.</summary>
    public string ClusterId { get; set; } = "facerep";

    /// <summary>Service id; keeps grain state apart between deployments.</summary>
    public string ServiceId { get; set; } = "facerep";

    /// <summary>Membership: "localhost" (one silo, development) or "redis".</summary>
    public string Clustering { get; set; } = "localhost";

    /// <summary>Grain state: "sqlite" (one silo) or "redis".</summary>
    public string State { get; set; } = "sqlite";

    /// <summary>Redis connection string (host:port,password=…); prefer the FACEREP__Redis environment variable for secrets.</summary>
    public string? Redis { get; set; }

    /// <summary>Where results go: <c>duckdb</c> (a file under DataRoot, this silo's alone) or <c>postgres</c> (shared by the cluster).</summary>
    public string Results { get; set; } = "duckdb";

    /// <summary>Npgsql connection string of the result database (Host=…;Database=…;Username=…;Password=…); prefer the FACEREP__Postgres environment variable for the password.</summary>
    public string? Postgres { get; set; }

    /// <summary>Directory for the SQLite state file, the DuckDB results and logs.</summary>
    public string DataRoot { get; set; } = "facerep-silo";

    /// <summary>Checkpoint directory: local disk for one silo, a shared filesystem for many.</summary>
    public string? ArtifactRoot { get; set; }

    /// <summary>The devices, NAME[:THREADS] separated by commas (<c>cpu0:2,cuda0</c>); empty to inventory them.</summary>
    public string? Devices { get; set; }

    /// <summary>The silo's name in results and dataset copies; default <c>{host name}-{SiloPort}</c>, the same across restarts.</summary>
    public string? SiloName { get; set; }

    /// <summary>Dataset directories this silo holds a copy of (commas or semicolons between them); registered at start.</summary>
    public string? DatasetRoots { get; set; }

    /// <summary>CPU worker slots (0: one per ThreadsPerSlot cores).</summary>
    public int CpuSlots { get; set; }

    /// <summary>libtorch threads per slot.</summary>
    public int ThreadsPerSlot { get; set; } = 1;

    /// <summary>Silo-to-silo port.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Client gateway port.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>
    /// The IP address other silos and clients reach this silo at (redis clustering). Empty: the
    /// host name's address, listening on every interface; a loopback address listens on loopback only.
    /// </summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>The trainer: <c>torch</c>, or <c>sleep:DURATION</c> (such as <c>sleep:200ms</c>) to run the grid without training.</summary>
    public string Executor { get; set; } = "torch";

    /// <summary>Seconds a job's lease lasts without a heartbeat from its worker.</summary>
    public double LeaseSeconds { get; set; } = 60;

    /// <summary>
    /// This silo's TLS certificate with its private key (<c>.pfx</c>/<c>.p12</c>, or PEM with the
    /// key in the same file). With <see cref="TlsCa"/>, every connection between silos and from
    /// clients is mutual TLS: peers must present a certificate issued by that authority.
    /// </summary>
    public string? TlsCertificate { get; set; }

    /// <summary>The password of <see cref="TlsCertificate"/>, if it has one (set it by environment, FaceRep__TlsCertificatePassword).</summary>
    public string? TlsCertificatePassword { get; set; }

    /// <summary>The cluster's certificate authority (PEM or DER): only certificates it issued are let in.</summary>
    public string? TlsCa { get; set; }

    /// <summary>Directories (commas between) that files named in specs, such as imported checkpoints, may be read from; default: <c>imports</c> under the artifact root.</summary>
    public string? ImportRoots { get; set; }

    /// <summary>The longest one job may run, in minutes (0: no limit); a job over it fails as over budget and is not retried.</summary>
    public double JobTimeBudgetMinutes { get; set; }

    /// <summary>The most memory one job may add to the silo, in MiB (0: no limit); a job over it fails as over budget and is not retried.</summary>
    public long JobMemoryBudgetMB { get; set; }

    /// <summary>The most jobs one sweep may hold; larger submissions are refused with their size and this limit.</summary>
    public int MaxSweepJobs { get; set; } = 1_000_000;

    /// <summary>Seconds between lease heartbeats (and between idle workers' looks for work, and checks of leases held by departed silos).</summary>
    public double HeartbeatSeconds { get; set; } = 10;

    /// <summary>
    /// Port of the silo's HTTP endpoint: the Orleans Dashboard at <c>/dashboard</c>, Prometheus
    /// metrics at <c>/metrics</c>, readiness at <c>/health</c> (503 while draining or not yet an
    /// active member) and liveness at <c>/health/live</c>. 0 serves none of them.
    /// </summary>
    public int HttpPort { get; set; } = 8080;

    /// <summary>
    /// On SIGTERM (or Ctrl+C) the silo stops taking jobs, lets running ones finish for up to this
    /// many seconds, hands the rest back to the queue, then leaves the cluster. Give the process
    /// manager a grace period longer than this (Kubernetes terminationGracePeriodSeconds, compose stop_grace_period).
    /// </summary>
    public double DrainSeconds { get; set; } = 60;

    /// <summary>
    /// Running in Kubernetes: the silo takes its name and address from the pod (POD_NAME,
    /// POD_NAMESPACE, POD_IP) and its cluster and service ids from the pod's
    /// <c>orleans/clusterId</c> and <c>orleans/serviceId</c> labels, and removes pods that are gone from membership.
    /// </summary>
    public bool Kubernetes { get; set; }

    /// <summary>How fast the cluster notices a dead silo (Orleans' membership protocol).</summary>
    public MembershipSettings Membership { get; set; } = new();

    /// <summary>The TLS material, loaded by <see cref="Validate"/> when TLS is configured.</summary>
    public GridTls? Tls { get; private set; }

    /// <summary>
    /// The largest relative difference between float32 and float64 the start-up numeric
    /// self-check accepts (default 0.001); 0 refuses always.
    /// </summary>
    public double NumericTolerance { get; set; } = Training.Numerics.NumericSelfCheck.DefaultTolerance;

    /// <summary>Problems with the settings, each naming the setting and its value.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Clustering is not ("localhost" or "redis"))
            problems.Add($"FaceRep:Clustering is '{Clustering}'; use localhost or redis");
        if (State is not ("sqlite" or "redis"))
            problems.Add($"FaceRep:State is '{State}'; use sqlite or redis");
        if ((Clustering == "redis" || State == "redis") && string.IsNullOrWhiteSpace(Redis))
            problems.Add("FaceRep:Redis is empty but redis clustering or state was asked for; set FACEREP__Redis");
        if (Results is not ("duckdb" or "postgres"))
            problems.Add($"FaceRep:Results is '{Results}'; use duckdb or postgres");
        if (Results == "postgres" && string.IsNullOrWhiteSpace(Postgres))
            problems.Add("FaceRep:Postgres is empty but postgres results were asked for; set FACEREP__Postgres to Host=…;Database=…;Username=…;Password=…");
        if (CpuSlots < 0)
            problems.Add($"FaceRep:CpuSlots is {CpuSlots}; use 0 (automatic) or more");
        if (ThreadsPerSlot < 1)
            problems.Add($"FaceRep:ThreadsPerSlot is {ThreadsPerSlot}; use 1 or more");
        if (!string.IsNullOrWhiteSpace(Devices) && DeviceInventory.Parse(Devices, Math.Max(1, ThreadsPerSlot), out var deviceError) is null)
            problems.Add($"FaceRep:Devices: {deviceError}");
        foreach (var root in Grid.Datasets.DatasetRootRegistration.Roots(DatasetRoots).Where(r => !Directory.Exists(r)))
            problems.Add($"FaceRep:DatasetRoots: '{root}' is not a directory");
        foreach (var (name, port) in new[] { ("SiloPort", SiloPort), ("GatewayPort", GatewayPort) })
        {
            if (port is < 1 or > 65535)
                problems.Add($"FaceRep:{name} is {port}; use 1-65535");
        }

        if (!string.IsNullOrWhiteSpace(AdvertisedAddress) && !IPAddress.TryParse(AdvertisedAddress, out _))
            problems.Add($"FaceRep:AdvertisedAddress is '{AdvertisedAddress}'; use an IP address such as 10.0.0.5 or 127.0.0.1, or leave it empty");
        if (HttpPort is < 0 or > 65535)
            problems.Add($"FaceRep:HttpPort is {HttpPort}; use 1-65535, or 0 for no HTTP endpoint");
        if (HttpPort != 0 && (HttpPort == SiloPort || HttpPort == GatewayPort))
            problems.Add($"FaceRep:HttpPort is {HttpPort}, the same as the silo or gateway port; give it a port of its own");
        if (!(DrainSeconds is >= 0 and <= 86400))
            problems.Add($"FaceRep:DrainSeconds is {DrainSeconds}; use 0-86400");
        if (Kubernetes && Clustering != "redis")
            problems.Add($"FaceRep:Kubernetes is true but FaceRep:Clustering is '{Clustering}'; a Kubernetes deployment of several pods needs redis clustering");
        if (ExecutorSetting.Parse(Executor, out var executorError) is null)
            problems.Add($"FaceRep:Executor: {executorError}");
        if (!(HeartbeatSeconds > 0))
            problems.Add($"FaceRep:HeartbeatSeconds is {HeartbeatSeconds}; use a positive number");
        if (string.IsNullOrWhiteSpace(TlsCertificate) != string.IsNullOrWhiteSpace(TlsCa))
            problems.Add("FaceRep:TlsCertificate and FaceRep:TlsCa go together: set both for mutual TLS, or neither");
        else if (!string.IsNullOrWhiteSpace(TlsCertificate))
        {
            try
            {
                Tls = GridTls.Load(TlsCertificate, TlsCertificatePassword, TlsCa!);
            }
            catch (InvalidOperationException e)
            {
                problems.Add($"FaceRep:TlsCertificate/TlsCa: {e.Message}");
            }
        }

        if (!(JobTimeBudgetMinutes >= 0) || double.IsInfinity(JobTimeBudgetMinutes))
            problems.Add($"FaceRep:JobTimeBudgetMinutes is {JobTimeBudgetMinutes}; use 0 (no limit) or a positive number of minutes");
        if (JobMemoryBudgetMB < 0)
            problems.Add($"FaceRep:JobMemoryBudgetMB is {JobMemoryBudgetMB}; use 0 (no limit) or a positive number of MiB");
        if (!(NumericTolerance is >= 0 and <= 1))
            problems.Add($"FaceRep:NumericTolerance is {NumericTolerance}; use 0-1 (default 0.001)");
        if (MaxSweepJobs < 1)
            problems.Add($"FaceRep:MaxSweepJobs is {MaxSweepJobs}; use at least 1");
        if (!(LeaseSeconds >= 2 * HeartbeatSeconds))
            problems.Add($"FaceRep:LeaseSeconds is {LeaseSeconds}; use at least twice HeartbeatSeconds ({HeartbeatSeconds}) so one late heartbeat does not lose a lease");
        problems.AddRange(Membership.Validate());
        return problems;
    }
}

/// <summary>
/// Orleans membership timing (section <c>FaceRep:Membership</c>). A silo that stops answering is
/// suspected after <see cref="MissedProbes"/> probes time out and declared dead on
/// <see cref="DeathVotes"/> silos' votes: roughly <see cref="ProbeTimeoutSeconds"/> ×
/// <see cref="MissedProbes"/> after it died. The defaults are Orleans' own (about 15 s); a small
/// cluster on a fast network can use 1 s × 2.
/// </summary>
public sealed class MembershipSettings
{
    /// <summary>Seconds a liveness probe may take, and between probes of a peer.</summary>
    public double ProbeTimeoutSeconds { get; set; } = 5;

    /// <summary>Probes a silo may miss before its peers suspect it.</summary>
    public int MissedProbes { get; set; } = 3;

    /// <summary>Suspecting silos needed to declare one dead.</summary>
    public int DeathVotes { get; set; } = 2;

    /// <summary>Seconds between reads of the membership table (gossip usually brings changes sooner).</summary>
    public double TableRefreshSeconds { get; set; } = 60;

    /// <summary>Problems with the settings.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (!(ProbeTimeoutSeconds is >= 0.1 and <= 600))
            problems.Add($"FaceRep:Membership:ProbeTimeoutSeconds is {ProbeTimeoutSeconds}; use 0.1-600");
        if (MissedProbes is < 1 or > 100)
            problems.Add($"FaceRep:Membership:MissedProbes is {MissedProbes}; use 1-100");
        if (DeathVotes is < 1 or > 10)
            problems.Add($"FaceRep:Membership:DeathVotes is {DeathVotes}; use 1-10");
        if (!(TableRefreshSeconds is >= 0.1 and <= 3600))
            problems.Add($"FaceRep:Membership:TableRefreshSeconds is {TableRefreshSeconds}; use 0.1-3600");
        return problems;
    }
}
