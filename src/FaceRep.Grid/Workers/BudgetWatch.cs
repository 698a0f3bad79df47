namespace FaceRep.Grid.Workers;

/// <summary>
/// Holds running jobs to a silo's budgets (<see cref="Hosting.GridOptions.JobTimeBudget"/>,
/// <see cref="Hosting.GridOptions.JobMemoryBudgetBytes"/>): says which jobs to stop, and why.
/// Between jobs it notes the memory the silo holds idle, against which jobs' growth is measured.
/// </summary>
internal sealed class BudgetWatch(TimeSpan timeBudget, long memoryBudgetBytes, long idleMemory)
{
    private long _idleMemory = idleMemory;

    /// <summary>True when there is a budget to hold jobs to.</summary>
    public bool Enabled => timeBudget > TimeSpan.Zero || memoryBudgetBytes > 0;

    /// <summary>The silo's memory with no job running, as last seen.</summary>
    public long IdleMemory => Volatile.Read(ref _idleMemory);

    /// <summary>
    /// The jobs to stop now, each with its reason. <paramref name="running"/> are the jobs whose
    /// trainers run and that were not stopped yet; with <paramref name="idle"/> (no device busy
    /// at all) the silo's <paramref name="memory"/> is taken as its idle memory instead.
    /// </summary>
    public IReadOnlyList<(WorkItem Item, string Reason)> Check(IReadOnlyCollection<WorkItem> running, bool idle, long memory, DateTime now)
    {
        if (idle)
        {
            Volatile.Write(ref _idleMemory, memory);
            return [];
        }

        var stops = new List<(WorkItem, string)>();
        if (timeBudget > TimeSpan.Zero)
        {
            foreach (var item in running.Where(i => now - i.StartedUtc > timeBudget))
                stops.Add((item, $"exceeded the time budget of {Describe(timeBudget)} per job (ran {Describe(now - item.StartedUtc)})"));
        }

        var idleMemory = IdleMemory;
        if (memoryBudgetBytes > 0 && running.Count > 0 && memory - idleMemory > memoryBudgetBytes * running.Count)
        {
            // The job that grew the silo most since it started.
            var culprit = running.MaxBy(i => memory - i.MemoryAtStart)!;
            if (!stops.Any(s => ReferenceEquals(s.Item1, culprit)))
                stops.Add((culprit, $"exceeded the memory budget of {memoryBudgetBytes >> 20} MiB per job (the silo held {memory >> 20} MiB, {idleMemory >> 20} MiB of it with no job running; {running.Count} job(s) running)"));
        }

        return stops;
    }

    private static string Describe(TimeSpan span) =>
        span.TotalHours >= 1 ? $"{span.TotalHours:0.#} h" : span.TotalMinutes >= 1 ? $"{span.TotalMinutes:0.#} min" : $"{span.TotalSeconds:0.#} s";
}
