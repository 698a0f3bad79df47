namespace FaceRep.Grid.Workers;

/// <summary>
/// Claims the devices a job needs at once (its own and its gang's): all of them, or none.
/// </summary>
internal static class GangClaim
{
    /// <summary>
    /// Claims every thread in <paramref name="threads"/> for <paramref name="item"/>; if any is
    /// busy, releases those already claimed and returns false.
    /// </summary>
    public static bool TryClaimAll(WorkItem item, IEnumerable<DeviceThread> threads)
    {
        var claimed = new List<DeviceThread>();
        foreach (var thread in threads)
        {
            if (!thread.TryClaim(item))
            {
                foreach (var c in claimed)
                    c.Release(item);
                return false;
            }

            claimed.Add(thread);
        }

        return true;
    }

    /// <summary>Releases every device <paramref name="item"/> holds: its own and its gang's.</summary>
    public static void ReleaseAll(WorkItem item, DeviceThread own)
    {
        foreach (var (_, member) in item.Gang)
            member.Release(item);
        own.Release(item);
    }
}
