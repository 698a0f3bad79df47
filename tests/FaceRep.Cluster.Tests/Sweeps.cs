using System.Diagnostics;
using FaceRep.Grid.Abstractions;

namespace FaceRep.Cluster.Tests;

public static class Sweeps
{
    /// <summary>
    /// A sweep as <c>facerep sweep submit</c> expands it: <paramref name="pretrainPerMethod"/> SimCLR
    /// and as many MoCo pre-training jobs (epochs 1, 2, …), each evaluated on landmarks at two shot
    /// counts and <paramref name="seeds"/> seeds.
    /// </summary>
    public static SweepSubmission Expand(string name, int pretrainPerMethod, int seeds) =>
        FromSpec(SpecText(name, pretrainPerMethod, seeds));

    /// <summary>The submission <c>facerep sweep submit</c> makes of a spec.</summary>
    public static SweepSubmission FromSpec(string specText)
    {
        return Grid.Planning.SweepPlanner.Plan(specText).Submission();
    }

    /// <summary>The YAML spec of <see cref="Expand"/>'s sweep, as a researcher writes it for <c>facerep sweep submit</c>.</summary>
    public static string SpecText(string name, int pretrainPerMethod, int seeds)
    {
        var epochs = $"[{string.Join(", ", Enumerable.Range(1, pretrainPerMethod))}]";
        return $"""
            name: {name}
            pretrain:
              - {"{dataset: synth-curated, method: simclr, epochs: " + epochs + "}"}
              - {"{dataset: synth-curated, method: moco, epochs: " + epochs + "}"}
            tasks: [landmarks]
            shots: [0.05, 0.2]
            seeds: [{string.Join(", ", Enumerable.Range(0, seeds))}]
            """;
    }

    /// <summary>
    /// Waits until a sweep's status satisfies <paramref name="until"/>, driven by the sweep's
    /// notifications. A sweep grain on a killed silo loses its subscribers, so the observer
    /// resubscribes, and reads the status, once a second while it waits; calls that fail while
    /// the cluster notices the death are retried the same way.
    /// </summary>
    public static async Task<SweepStatus> WaitAsync(IClusterClient client, string name, Func<SweepStatus, bool> until, TimeSpan timeout)
    {
        var sweep = client.GetGrain<ISweepGrain>(name);
        var observer = new Observer(until);
        var reference = client.CreateObjectReference<ISweepObserver>(observer);
        var clock = Stopwatch.StartNew();
        SweepStatus? last = null;
        Exception? lastError = null;
        try
        {
            while (true)
            {
                try
                {
                    await sweep.SubscribeAsync(reference);
                    last = await sweep.GetStatusAsync();
                    if (until(last))
                        return last;
                }
                catch (Exception e) when (e is OrleansException or TimeoutException)
                {
                    lastError = e;
                }

                if (clock.Elapsed > timeout)
                    throw new TimeoutException($"sweep {name} did not get there within {timeout.TotalSeconds:0} s; last status {last}; last error {lastError?.Message}");
                if (await Task.WhenAny(observer.Reached.Task, Task.Delay(TimeSpan.FromSeconds(1))) == observer.Reached.Task)
                    return await observer.Reached.Task;
            }
        }
        finally
        {
            try
            {
                await sweep.UnsubscribeAsync(reference);
            }
            catch (Exception e) when (e is OrleansException or TimeoutException)
            {
                // The subscription expires on its own.
            }

            client.DeleteObjectReference<ISweepObserver>(reference);
        }
    }

    private sealed class Observer(Func<SweepStatus, bool> until) : ISweepObserver
    {
        public TaskCompletionSource<SweepStatus> Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnProgress(SweepStatus status)
        {
            if (until(status))
                Reached.TrySetResult(status);
        }
    }
}
