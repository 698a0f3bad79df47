using Microsoft.Extensions.Hosting;

namespace FaceRep.Grid.Hosting;

/// <summary>
/// A host lifetime that leaves Ctrl-C and SIGTERM alone. A host built in a console process (the
/// embedded silo, the console's cluster client) would otherwise register the default console
/// lifetime, which takes those signals and stops the host under the verb that is using it; the
/// console decides what a signal means and stops the host itself.
/// </summary>
public sealed class SignalFreeLifetime : IHostLifetime
{
    /// <inheritdoc />
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
