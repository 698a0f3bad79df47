using System.Text.Json;
using FaceRep.Grid.Workers;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FaceRep.Silo;

/// <summary>
/// The silo's health: healthy while it is an active member of the cluster and taking jobs;
/// degraded while it drains (it finishes or hands back its jobs and leaves); unhealthy before it
/// has joined or after it has left. Readiness (<c>/health</c>) answers 503 unless healthy, so a
/// load balancer or Kubernetes stops counting a draining silo; liveness (<c>/health/live</c>)
/// answers 200 while the process serves at all.
/// </summary>
public sealed class SiloHealthCheck(TrainingHost host, IClusterMembershipService membership, ILocalSiloDetails silo) : IHealthCheck
{
    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = membership.CurrentSnapshot.GetSiloStatus(silo.SiloAddress);
        var data = new Dictionary<string, object>
        {
            ["silo"] = silo.Name,
            ["address"] = silo.SiloAddress.ToParsableString(),
            ["membership"] = status.ToString(),
            ["devices"] = host.DeviceCount,
            ["busy"] = host.BusyDevices,
            ["draining"] = host.Draining,
        };
        var result = status != SiloStatus.Active ? HealthCheckResult.Unhealthy($"the silo is {status}, not an active member", data: data)
            : host.Draining ? HealthCheckResult.Degraded("draining: no new jobs; running ones finish or are handed back", data: data)
            : HealthCheckResult.Healthy($"active; {host.BusyDevices} of {host.DeviceCount} devices busy", data);
        return Task.FromResult(result);
    }

    /// <summary>How the endpoint answers: JSON with the status and the data; for readiness, 503 unless healthy.</summary>
    public static HealthCheckOptions Options(bool ready) => new()
    {
        Predicate = _ => ready,
        ResultStatusCodes =
        {
            [HealthStatus.Healthy] = StatusCodes.Status200OK,
            [HealthStatus.Degraded] = ready ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK,
            [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
        },
        ResponseWriter = (http, report) =>
        {
            http.Response.ContentType = "application/json";
            return http.Response.WriteAsync(JsonSerializer.Serialize(new
            {
                status = report.Status.ToString(),
                checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description, data = e.Value.Data }),
            }));
        },
    };
}
