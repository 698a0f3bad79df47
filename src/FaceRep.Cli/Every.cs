namespace FaceRep.Cli;

/// <summary>
/// Says when something periodic is due, for a loop that wakes at irregular times: once per
/// period, at the first wake at or after each due time, however the wakes fall.
/// </summary>
/// <param name="period">The period.</param>
/// <param name="start">When the first period starts.</param>
internal sealed class Every(TimeSpan period, DateTime start)
{
    private DateTime _next = start + period;

    /// <summary>True at the first call at or after the next due time; it then moves one period past <paramref name="now"/>'s period.</summary>
    public bool Due(DateTime now)
    {
        if (now < _next)
            return false;
        while (_next <= now)
            _next += period;
        return true;
    }
}
