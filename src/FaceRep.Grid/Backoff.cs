namespace FaceRep.Grid;

/// <summary>Tries a call again while it fails for a reason that passes, waiting longer each time.</summary>
internal static class Backoff
{
    /// <summary>
    /// Runs <paramref name="call"/>, and again after 0.25, 0.5, 1, 2, 4, 4 … s while it fails with an
    /// error <paramref name="transient"/> accepts, for up to <paramref name="patience"/> in all.
    /// Null once it succeeded; otherwise the last error, which is not thrown.
    /// </summary>
    /// <param name="call">What to run.</param>
    /// <param name="transient">Which errors are worth waiting out.</param>
    /// <param name="patience">How long to keep trying.</param>
    /// <param name="retrying">Told of each error waited out, with the wait before the next try.</param>
    /// <param name="cancellationToken">Stops the waits.</param>
    public static async Task<Exception?> RetryAsync(Func<Task> call, Func<Exception, bool> transient, TimeSpan patience,
        Action<Exception, TimeSpan> retrying, CancellationToken cancellationToken = default)
    {
        var started = DateTime.UtcNow;
        var delay = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                await call();
                return null;
            }
            catch (Exception e) when (transient(e) && DateTime.UtcNow - started + delay <= patience)
            {
                retrying(e, delay);
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(4).Ticks));
            }
            catch (Exception e)
            {
                return e;
            }
        }
    }
}
