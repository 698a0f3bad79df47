using System.Runtime.InteropServices;
using FaceRep.Grid.Hosting;
using FaceRep.Grid.Workers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FaceRep.Silo;

/// <summary>
/// How the silo stops on SIGTERM or Ctrl+C: it drains first, while everything is still up (its
/// health endpoint answers "draining", its metrics are scraped, its running jobs report), and only
/// then stops the host, which leaves the cluster. The host's own console lifetime would stop the
/// web server at once. A second signal stops at once.
/// </summary>
public sealed class DrainingLifetime(IHostApplicationLifetime application, TrainingHost host, IOptions<GridOptions> options, ILogger<DrainingLifetime> log)
    : IHostLifetime, IDisposable
{
    private readonly List<PosixSignalRegistration> _registrations = [];
    private int _signals;

    /// <inheritdoc />
    public Task WaitForStartAsync(CancellationToken cancellationToken)
    {
        foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGQUIT })
            _registrations.Add(PosixSignalRegistration.Create(signal, OnSignal));
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var registration in _registrations)
            registration.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        if (Interlocked.Increment(ref _signals) > 1)
        {
            log.LogWarning("{Signal} again: stopping without waiting for the drain", context.Signal);
            application.StopApplication();
            return;
        }

        log.LogInformation("{Signal}: draining, then leaving the cluster", context.Signal);
        _ = Task.Run(async () =>
        {
            try
            {
                await host.DrainAsync(options.Value.DrainTimeout, application.ApplicationStopping);
            }
            catch (Exception e)
            {
                log.LogError(e, "Draining failed; stopping anyway");
            }
            finally
            {
                application.StopApplication();
            }
        });
    }
}
