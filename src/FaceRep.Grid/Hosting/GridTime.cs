namespace FaceRep.Grid.Hosting;

/// <summary>
/// The clock the grid's grains read (leases, submission and finish times), registered as a keyed
/// <see cref="TimeProvider"/> so tests can drive it without also stopping Orleans' own clock.
/// </summary>
public static class GridTime
{
    /// <summary>The service key of the grid's clock.</summary>
    public const string Key = "facerep";
}
