using System.Collections.Concurrent;
using FaceRep.Grid.Abstractions;
using FaceRep.Grid.Grains;
using FaceRep.Grid.Hosting;
using FaceRep.Grid.Planning;
using FaceRep.Grid.Workers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;

namespace FaceRep.Grid.Tests;

/// <summary>An in-process cluster of two silos running the grid with the fake trainer (one per test: see <see cref="GridTests{TGrid}"/>).</summary>
public class GridFixture : IAsyncLifetime
{
    public FakeExecutor Executor { get; } = new();

    public MemoryResultStore Results { get; } = new();

    /// <summary>The grid's clock: it moves only when a test advances it, so leases expire only when a test says so.</summary>
    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    /// <summary>The most jobs a sweep may hold in these tests (the default is 1,000,000).</summary>
    public const int MaxSweepJobs = 2_000;

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IClusterClient Client => Cluster.Client;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(initialSilosCount: 2);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(GridStorage.Name);
            silo.UseInMemoryReminderService();
            silo.AddFaceRepGrid(
                o =>
                {
                    o.CpuSlots = 2;
                    o.ArtifactRoot = Path.Combine(Path.GetTempPath(), $"facerep-grid-tests-{Guid.NewGuid():N}");
                    o.HeartbeatInterval = TimeSpan.FromSeconds(1);
                    o.LeaseDuration = TimeSpan.FromSeconds(10);
                    o.MaxAttempts = 3;
                    o.MaxSweepJobs = MaxSweepJobs;
                    Configure(o);
                },
                _ => Results);
            silo.Services.AddSingleton<IJobExecutor>(Executor);
            silo.Services.AddKeyedSingleton<TimeProvider>(GridTime.Key, Time);
            silo.AddIncomingGrainCallFilter(async call =>
            {
                await call.Invoke();
                if (call.InterfaceMethod?.DeclaringType == typeof(IExperimentGrain) && call.MethodName is not (nameof(IExperimentGrain.GetStatusAsync) or nameof(IExperimentGrain.GetRunningAsync)))
                    Changed(call.TargetId.Key.ToString()!);
            });
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public virtual async Task DisposeAsync() => await Cluster.DisposeAsync();

    private readonly ConcurrentDictionary<string, TaskCompletionSource> _changes = new(StringComparer.Ordinal);

    /// <summary>Wakes whoever waits on a job: a call to its grain has just been handled (the only way its state changes; reads, which would wake the reader itself, excepted).</summary>
    private void Changed(string jobId)
    {
        if (_changes.TryRemove(jobId, out var change))
            change.TrySetResult();
    }

    /// <summary>
    /// Waits until the job's status satisfies <paramref name="until"/>, woken by each call its grain
    /// handles rather than by polling; on timeout, says the status it stuck at.
    /// </summary>
    public Task<JobStatus> WaitForJobAsync(string jobId, Func<JobStatus, bool> until, TimeSpan? timeout = null) =>
        WaitForJobAsync(jobId, g => g.GetStatusAsync(), until, timeout);

    /// <summary>Waits until what <paramref name="read"/> reads of a job's grain satisfies <paramref name="until"/>, woken by each call the grain handles.</summary>
    public async Task<T> WaitForJobAsync<T>(string jobId, Func<IExperimentGrain, Task<T>> read, Func<T, bool> until, TimeSpan? timeout = null)
    {
        var experiment = Client.GetGrain<IExperimentGrain>(jobId);
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            // Taken before the grain is read, so a change in between is not missed.
            var next = _changes.GetOrAdd(jobId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            var value = await read(experiment);
            if (until(value))
                return value;
            try
            {
                await next.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"job {jobId} stuck at {value}; its status: {await experiment.GetStatusAsync()}");
            }
        }
    }

    /// <summary>Changes the grid's settings of every silo (after the defaults above).</summary>
    protected virtual void Configure(GridOptions options)
    {
    }

    /// <summary>The smoke grid under a given name, as descriptors.</summary>
    public static (string Name, List<JobDescriptor> Jobs) Sweep(string name, string shots = "[0.05, 0.2]", string seeds = "[0, 1]", int epochs = 5)
    {
        return (name, Jobs($"""
            name: {name}
            pretrain:
              - {"{dataset: synth-curated, method: scratch}"}
              - {"{dataset: synth-curated, method: simclr, epochs: " + epochs + "}"}
            tasks: [landmarks]
            shots: {shots}
            seeds: {seeds}
            """));
    }

    /// <summary>
    /// A sweep of <paramref name="count"/> landmark evaluations of the scratch backbone (plus the
    /// scratch job they wait for), told apart from another such sweep of the same test by <paramref name="firstSeed"/>.
    /// </summary>
    public static List<JobDescriptor> Independent(int count, int firstSeed = 0)
    {
        return Jobs($"""
            name: independent
            pretrain:
              - {"{dataset: synth-curated, method: scratch}"}
            tasks: [landmarks]
            shots: [0.1]
            seeds: [{string.Join(", ", Enumerable.Range(firstSeed, count))}]
            """);
    }

    /// <summary>One pre-training job that waits for nothing, told apart from another of the same test by <paramref name="unique"/>.</summary>
    public static JobDescriptor Alone(int unique = 0, int devices = 1)
    {
        return Jobs($$"""
            name: alone
            pretrain:
              - {dataset: synth-curated, method: simclr, epochs: 1, images: {{256 + unique}}, devices: {{devices}}}
            tasks: [landmarks]
            shots: [0.1]
            seeds: [0]
            """)[0];
    }

    /// <summary>A pre-training job that waits for nothing (as <see cref="Alone"/>) and <paramref name="evaluations"/> evaluations of it.</summary>
    public static List<JobDescriptor> WithEvaluations(int evaluations, int unique = 0)
    {
        return Jobs($$"""
            name: with-evaluations
            pretrain:
              - {dataset: synth-curated, method: simclr, epochs: 1, images: {{256 + unique}}}
            tasks: [landmarks]
            shots: [0.1]
            seeds: [{{string.Join(", ", Enumerable.Range(0, evaluations))}}]
            """);
    }

    /// <summary>The jobs a spec plans to, as the console submits them (pre-training first).</summary>
    public static List<JobDescriptor> Jobs(string specText) => [.. SweepPlanner.Plan(specText).Submission().Jobs];

    /// <summary>Submits a sweep without waiting for it.</summary>
    public async Task SubmitAsync(string name, List<JobDescriptor> jobs, int priority = 0)
    {
        var submitted = await Client.GetGrain<ISweepGrain>(name).SubmitAsync(new SweepSubmission(name, "test", priority, jobs));
        Assert.True(submitted.Accepted, submitted.Error);
    }

    /// <summary>Submits a sweep and waits for it to complete, driven by the sweep's own notifications.</summary>
    public async Task<SweepStatus> RunAsync(string name, List<JobDescriptor> jobs, TimeSpan? timeout = null)
    {
        var sweep = Client.GetGrain<ISweepGrain>(name);
        var observer = new CompletionObserver();
        var reference = Client.CreateObjectReference<ISweepObserver>(observer);
        await sweep.SubscribeAsync(reference);
        try
        {
            var submitted = await sweep.SubmitAsync(new SweepSubmission(name, "test", 0, jobs));
            Assert.True(submitted.Accepted, submitted.Error);
            if (!submitted.Status.IsComplete)
                await observer.Completed.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(60));
            return await sweep.GetStatusAsync();
        }
        finally
        {
            await sweep.UnsubscribeAsync(reference);
        }
    }

    /// <summary>Waits, driven by the sweep's notifications, until its status satisfies <paramref name="until"/>.</summary>
    public async Task<SweepStatus> WaitAsync(string name, Func<SweepStatus, bool> until, TimeSpan? timeout = null)
    {
        var sweep = Client.GetGrain<ISweepGrain>(name);
        var observer = new ConditionObserver(until);
        var reference = Client.CreateObjectReference<ISweepObserver>(observer);
        await sweep.SubscribeAsync(reference);
        try
        {
            var status = await sweep.GetStatusAsync();
            if (!until(status))
            {
                try
                {
                    await observer.Reached.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(60));
                }
                catch (TimeoutException)
                {
                    // Say where it stuck: the sweep's counters and each unfinished job.
                    var jobs = await Task.WhenAll((await sweep.GetJobIdsAsync()).Select(id => Client.GetGrain<IExperimentGrain>(id).GetStatusAsync()));
                    var stuck = string.Join("; ", jobs.Where(j => j.State != JobState.Succeeded).Select(j => $"{j.Id} {j.State} attempts {j.Attempts} {j.Failure} {j.Error}"));
                    throw new TimeoutException($"sweep {name} stuck at {await sweep.GetStatusAsync()}; not succeeded: {stuck}");
                }
            }

            return await sweep.GetStatusAsync();
        }
        finally
        {
            await sweep.UnsubscribeAsync(reference);
        }
    }

    private sealed class ConditionObserver(Func<SweepStatus, bool> until) : ISweepObserver
    {
        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnProgress(SweepStatus status)
        {
            if (until(status))
                Reached.TrySetResult();
        }
    }

    private sealed class CompletionObserver : ISweepObserver
    {
        public TaskCompletionSource Completed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnProgress(SweepStatus status)
        {
            if (status.IsComplete)
                Completed.TrySetResult();
        }
    }
}
