using FaceRep.Grid.Abstractions;
using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace FaceRep.Grid.Placement;

/// <summary>
/// Places a grain on the silo named by the first segment of its key (<c>{silo}/{rest}</c>, the
/// silo as <see cref="SiloAddress.ToParsableString"/>) and nowhere else: a worker grain lives
/// with the device it drives. If that silo is gone, activation fails rather than landing on
/// another silo.
/// </summary>
[Serializable, GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class SiloPinnedPlacement : PlacementStrategy
{
    /// <summary>The shared instance.</summary>
    public static SiloPinnedPlacement Instance { get; } = new();

    /// <summary>The key of a grain pinned to <paramref name="silo"/>.</summary>
    public static string KeyFor(SiloAddress silo, string name) => new WorkerKey(silo.ToParsableString(), name).ToString();

    /// <summary>The silo a pinned key names.</summary>
    public static SiloAddress SiloOf(string key)
    {
        if (!WorkerKey.TryParse(key, out var parsed))
            throw new ArgumentException($"'{key}' is not a silo-pinned key of the form {{silo}}/{{device}}", nameof(key));
        return SiloAddress.FromParsableString(parsed.Silo);
    }
}

/// <summary>Marks a grain class as pinned to the silo its key names.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SiloPinnedAttribute() : PlacementAttribute(SiloPinnedPlacement.Instance);

/// <summary>Resolves <see cref="SiloPinnedPlacement"/>.</summary>
public sealed class SiloPinnedPlacementDirector : IPlacementDirector
{
    /// <inheritdoc />
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var key = target.GrainIdentity.Key.ToString();
        var silo = SiloPinnedPlacement.SiloOf(key!);
        var compatible = context.GetCompatibleSilos(target);
        if (!compatible.Contains(silo))
            throw new OrleansException($"silo {silo} of pinned grain {target.GrainIdentity} is not an active member of the cluster; the grain is not placed elsewhere");
        return Task.FromResult(silo);
    }
}
