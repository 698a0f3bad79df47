using System.Net;
using FaceRep.Grid.Placement;
using Orleans.Runtime.Placement;

namespace FaceRep.Grid.Tests.Placement;

public sealed class SiloPinnedPlacementTests
{
    private static readonly SiloAddress A = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11111), 1);
    private static readonly SiloAddress B = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11112), 2);
    private static readonly SiloAddress Gone = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11113), 3);

    private static PlacementTarget Target(string key) =>
        new(GrainId.Create("worker", key), [], default, 0);

    [Fact]
    public async Task A_worker_is_placed_on_the_silo_its_key_names()
    {
        var director = new SiloPinnedPlacementDirector();

        var chosen = await director.OnAddActivation(SiloPinnedPlacement.Instance, Target(SiloPinnedPlacement.KeyFor(B, "cpu1")), new Context(A, B));

        Assert.Equal(B, chosen);
    }

    [Fact]
    public async Task A_worker_of_a_departed_silo_is_placed_nowhere()
    {
        var director = new SiloPinnedPlacementDirector();

        var e = await Assert.ThrowsAsync<OrleansException>(() =>
            director.OnAddActivation(SiloPinnedPlacement.Instance, Target(SiloPinnedPlacement.KeyFor(Gone, "cpu0")), new Context(A, B)));

        Assert.Contains("not placed elsewhere", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Keys_round_trip_their_silo()
    {
        var key = SiloPinnedPlacement.KeyFor(A, "cpu0");

        Assert.Equal(A, SiloPinnedPlacement.SiloOf(key));
        Assert.EndsWith("/cpu0", key, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => SiloPinnedPlacement.SiloOf("no-silo-here"));
    }

    private sealed class Context(params SiloAddress[] silos) : IPlacementContext
    {
        public SiloAddress LocalSilo => silos[0];

        public SiloStatus LocalSiloStatus => SiloStatus.Active;

        public SiloAddress[] GetCompatibleSilos(PlacementTarget target) => silos;

        public IReadOnlyDictionary<ushort, SiloAddress[]> GetCompatibleSilosWithVersions(PlacementTarget target) =>
            new Dictionary<ushort, SiloAddress[]> { [0] = silos };
    }
}
