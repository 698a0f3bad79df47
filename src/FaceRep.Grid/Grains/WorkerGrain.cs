using FaceRep.Grid.Abstractions;
using FaceRep.Grid.Hosting;
using FaceRep.Grid.Placement;
using FaceRep.Grid.Workers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FaceRep.Grid.Grains;

/// <summary>
/// One device of one silo, pinned there. Pulls a lease from the dispatcher when idle, hands it
/// to the silo's training host (returning at once: training never runs inside a grain call),
/// renews the lease by heartbeat while the job runs, and pulls again when it ends.
/// </summary>
[SiloPinned]
public sealed class WorkerGrain(
    TrainingHost host,
    ILocalSiloDetails silo,
    IOptions<GridOptions> options,
    ILogger<WorkerGrain> log) : Grain, IWorkerGrain
{
    private string _device = "";
    private bool _started;
    private bool _pulling;
    private JobLease? _current;
    private IGrainTimer? _heartbeat;
    private IDispatcherGrain? _dispatcher;

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _device = WorkerKey.Parse(this.GetPrimaryKeyString()).Device;
        // Any activation of a worker is its device's worker from the start, not only the one the
        // silo's start-up made: should the cluster ever activate it again (its directory entry
        // lost while another silo left), it goes on pulling rather than wait for a start that
        // never comes again.
        EnsureStarted();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task StartAsync()
    {
        EnsureStarted();
        await PullAsync();
    }

    /// <inheritdoc />
    public Task WakeAsync() => _started ? PullAsync() : Task.CompletedTask;

    /// <summary>
    /// Starts the heartbeat (lease renewals and pulls) once, for a device this silo has. Logged
    /// per activation: two lines for one worker in one silo's log mean it was activated again.
    /// </summary>
    private void EnsureStarted()
    {
        if (_started || !host.Has(_device))
            return;
        _started = true;
        var period = options.Value.HeartbeatInterval;
        _heartbeat = this.RegisterGrainTimer(_ => HeartbeatAsync(), new GrainTimerCreationOptions(period, period) { KeepAlive = true });
        log.LogInformation("Worker {Worker} started", this.GetPrimaryKeyString());
    }

    /// <inheritdoc />
    public Task JobEndedAsync(string jobId)
    {
        if (_current?.Job.Id == jobId)
            _current = null;
        return PullAsync();
    }

    /// <inheritdoc />
    public Task<string?> GetCurrentJobAsync() => Task.FromResult(_current?.Job.Id);

    /// <inheritdoc />
    public Task CancelJobAsync(string jobId, long token)
    {
        if (_current?.Job.Id == jobId && _current.Token == token)
        {
            log.LogInformation("Worker {Worker} cancelling {JobId}", this.GetPrimaryKeyString(), jobId);
            host.Cancel(_device, jobId);
        }

        return Task.CompletedTask;
    }

    private async Task PullAsync()
    {
        if (_pulling || _current is not null)
            return;
        if (host.CurrentJob(_device) is { } running)
        {
            // A job of several devices holds this one too (its own worker runs it), or a run that
            // outlived its lease is still ending; either way the device is not free yet. A run this
            // worker leased before it was activated again is taken up, so its lease is renewed.
            if (host.LeaseHeldBy(_device, this.GetPrimaryKeyString()) is { } held)
            {
                _current = held;
                log.LogInformation("Worker {Worker} takes up the lease of {JobId}, which its device is running", this.GetPrimaryKeyString(), running);
                return;
            }

            log.LogDebug("Worker {Worker} finds its device busy with {JobId}; it pulls when that ends", this.GetPrimaryKeyString(), running);
            return;
        }

        if (host.Draining)
            return;

        _pulling = true;
        try
        {
            var me = this.GetPrimaryKeyString();
            JobLease? lease;
            try
            {
                lease = await (_dispatcher ??= GrainFactory.GetGrain<IDispatcherGrain>(0)).LeaseAsync(me, silo.SiloAddress.ToParsableString(), host.DeviceCount, host.DatasetContents());
            }
            catch (Exception e) when (e is OrleansException or TimeoutException)
            {
                // The dispatcher's silo died and the cluster has not noticed yet; the next heartbeat pulls again.
                log.LogWarning("Worker {Worker} could not reach the dispatcher ({Error}); it pulls again in {Seconds} s", me, e.Message, options.Value.HeartbeatInterval.TotalSeconds);
                return;
            }

            if (lease is null)
                return;
            if (!host.TryStart(_device, me, lease))
            {
                // One of a gang's devices was taken between the dispatcher choosing it and now (its
                // worker pulled a job of its own meanwhile): hand the job back unstarted.
                log.LogInformation("Devices for {JobId} are busy; handing it back", lease.Job.Id);
                await GrainFactory.Ref<IExperimentGrain>(lease.Job.Id).ReturnLeaseAsync(me, lease.Token);
                return;
            }

            _current = lease;
        }
        finally
        {
            _pulling = false;
        }
    }

    private async Task HeartbeatAsync()
    {
        if (_current is { } ended && host.CurrentJob(_device) != ended.Job.Id)
        {
            // The run has ended and reported; its JobEnded notice is on its way (or was lost, which
            // would otherwise leave this worker idle for good). Renewing would only hear that the
            // lease is gone and cancel a run that is already over.
            _current = null;
            await PullAsync();
        }
        else if (_current is { } lease)
        {
            var me = this.GetPrimaryKeyString();
            var held = await GrainFactory.Ref<IExperimentGrain>(lease.Job.Id).RenewLeaseAsync(me, lease.Token);
            // A run that has just finished hears the same from its own completion: nothing to cancel.
            if (!held && host.IsExecuting(_device, lease.Job.Id))
            {
                log.LogWarning("Worker {Worker} lost its lease on {JobId}; cancelling the run", me, lease.Job.Id);
                host.Cancel(_device, lease.Job.Id);
            }
        }
        else
        {
            await PullAsync();
        }
    }
}
