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

    /// <summary>Directory for the SQLite state file, the DuckDB results and logs.</summary>
    public string DataRoot { get; set; } = "facerep-silo";

    /// <summary>Checkpoint directory: local disk for one silo, a shared filesystem for many.</summary>
    public string? ArtifactRoot { get; set; }

    /// <summary>CPU worker slots (0: one per ThreadsPerSlot cores).</summary>
    public int CpuSlots { get; set; }

    /// <summary>libtorch threads per slot.</summary>
    public int ThreadsPerSlot { get; set; } = 1;

    /// <summary>Silo-to-silo port.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Client gateway port.</summary>
    public int GatewayPort { get; set; } = 30000;

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
        if (CpuSlots < 0)
            problems.Add($"FaceRep:CpuSlots is {CpuSlots}; use 0 (automatic) or more");
        if (ThreadsPerSlot < 1)
            problems.Add($"FaceRep:ThreadsPerSlot is {ThreadsPerSlot}; use 1 or more");
        foreach (var (name, port) in new[] { ("SiloPort", SiloPort), ("GatewayPort", GatewayPort) })
        {
            if (port is < 1 or > 65535)
                problems.Add($"FaceRep:{name} is {port}; use 1-65535");
        }

        return problems;
    }
}
