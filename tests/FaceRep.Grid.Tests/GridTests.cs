namespace FaceRep.Grid.Tests;

/// <summary>
/// Tests each of which gets a cluster of its own (two silos, a fake trainer, the grid's fake clock and
/// a result store): nothing one test leaves queued or running, cancels, or moves the clock for can
/// reach another, so no test needs to know what the others submit.
/// </summary>
public abstract class GridTests<TGrid> : IAsyncLifetime
    where TGrid : GridFixture, new()
{
    protected TGrid Grid { get; } = new();

    public Task InitializeAsync() => Grid.InitializeAsync();

    public Task DisposeAsync() => Grid.DisposeAsync();
}

/// <summary>Tests that each get the default two-silo cluster (see <see cref="GridTests{TGrid}"/>).</summary>
public abstract class GridTests : GridTests<GridFixture>;
