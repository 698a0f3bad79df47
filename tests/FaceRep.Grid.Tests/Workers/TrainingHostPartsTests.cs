using FaceRep.Core.Experiments;
using FaceRep.Grid.Abstractions;
using FaceRep.Grid.Workers;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FaceRep.Grid.Tests.Workers;

/// <summary>The training host's parts, in process: work items, gang claims, budgets and the drain.</summary>
public sealed class TrainingHostPartsTests
{
    private static WorkItem Item(string job = "pt-0000000000000001", params (string Worker, DeviceThread Thread)[] gang) =>
        new("silo/cpu0", new JobLease(new JobDescriptor(job, JobKind.Pretrain, null, "{}"), 1, DateTime.UtcNow.AddMinutes(1)), gang);

    [Fact]
    public void A_work_item_stays_itself_as_its_state_changes()
    {
        var item = Item();
        var twin = Item();
        var set = new HashSet<WorkItem> { item };

        item.OverBudget = "over";
        item.StartedUtc = DateTime.UtcNow;
        item.Executing = true;

        Assert.Contains(item, set);
        Assert.NotEqual(item, twin);
        Assert.Equal(2, new[] { item, item, twin }.Distinct().Count());
    }

    [Fact]
    public void Cancelling_an_item_whose_outcome_was_reported_does_nothing_and_does_not_throw()
    {
        var item = Item();
        item.Cancellation.Dispose();

        var cancelled = item.TryCancel();

        Assert.False(cancelled);
    }

    [Fact]
    public void A_gang_claims_all_its_devices_or_none()
    {
        using var a = new DeviceThread(new Device("cpu0", 1), (_, _) => { });
        using var b = new DeviceThread(new Device("cpu1", 1), (_, _) => { });
        using var c = new DeviceThread(new Device("cpu2", 1), (_, _) => { });
        var other = Item("pt-0000000000000002");
        Assert.True(c.TryClaim(other));
        var gang = Item("pt-0000000000000003", ("silo/cpu1", b), ("silo/cpu2", c));

        var claimed = GangClaim.TryClaimAll(gang, [a, b, c]);

        Assert.False(claimed);
        Assert.Null(a.Current);
        Assert.Null(b.Current);
        Assert.Same(other, c.Current);

        c.Release(other);
        Assert.True(GangClaim.TryClaimAll(gang, [a, b, c]));
        Assert.All(new[] { a, b, c }, t => Assert.Same(gang, t.Current));
        GangClaim.ReleaseAll(gang, a);
        Assert.All(new[] { a, b, c }, t => Assert.Null(t.Current));
    }

    [Fact]
    public void A_job_over_the_time_budget_is_stopped_and_one_under_it_is_not()
    {
        var watch = new BudgetWatch(TimeSpan.FromSeconds(90), 0, idleMemory: 0);
        var now = new DateTime(2026, 12, 5, 12, 0, 0, DateTimeKind.Utc);
        var late = Item("pt-0000000000000004");
        late.StartedUtc = now.AddSeconds(-91);
        var early = Item("pt-0000000000000005");
        early.StartedUtc = now.AddSeconds(-89);

        var stops = watch.Check([late, early], idle: false, memory: 0, now);

        var (item, reason) = Assert.Single(stops);
        Assert.Same(late, item);
        Assert.Equal("exceeded the time budget of 1.5 min per job (ran 1.5 min)", reason);
    }

    [Fact]
    public void Over_the_memory_budget_the_job_that_grew_the_silo_most_is_stopped()
    {
        const long MiB = 1 << 20;
        var watch = new BudgetWatch(TimeSpan.Zero, 100 * MiB, idleMemory: 500 * MiB);
        var small = Item("pt-0000000000000006");
        small.MemoryAtStart = 520 * MiB;
        var big = Item("pt-0000000000000007");
        big.MemoryAtStart = 510 * MiB;

        var within = watch.Check([small, big], idle: false, memory: 690 * MiB, DateTime.UtcNow);
        var over = watch.Check([small, big], idle: false, memory: 710 * MiB, DateTime.UtcNow);

        Assert.Empty(within);
        var (item, reason) = Assert.Single(over);
        Assert.Same(big, item);
        Assert.Equal("exceeded the memory budget of 100 MiB per job (the silo held 710 MiB, 500 MiB of it with no job running; 2 job(s) running)", reason);
    }

    [Fact]
    public void An_idle_silo_moves_the_memory_baseline()
    {
        const long MiB = 1 << 20;
        var watch = new BudgetWatch(TimeSpan.Zero, 100 * MiB, idleMemory: 500 * MiB);
        var job = Item();
        job.MemoryAtStart = 700 * MiB;

        Assert.Empty(watch.Check([], idle: true, memory: 700 * MiB, DateTime.UtcNow));

        Assert.Equal(700 * MiB, watch.IdleMemory);
        Assert.Empty(watch.Check([job], idle: false, memory: 790 * MiB, DateTime.UtcNow));
    }

    [Fact]
    public async Task A_drain_lets_jobs_finish_within_the_grace_and_hands_back_the_rest()
    {
        // Arrange: two running jobs; one finishes during the grace, the other only when stopped.
        var finishes = Item("pt-0000000000000008");
        var stays = Item("pt-0000000000000009");
        var running = new List<WorkItem> { finishes, stays };
        var handedBack = 0;
        stays.Cancellation.Token.Register(() =>
        {
            lock (running)
                running.Remove(stays);
            Interlocked.Increment(ref handedBack);
        });
        var time = new FakeTimeProvider();
        var drain = new Drain(NullLogger.Instance, time);
        List<WorkItem> Running()
        {
            lock (running)
                return [.. running];
        }

        // Act: the drain's clock is the test's; the first job ends before any time has passed.
        var drained = drain.RunAsync(TimeSpan.FromSeconds(2), Running, () => Running().Count, () => Volatile.Read(ref handedBack), CancellationToken.None);
        Assert.True(drain.Begun);
        lock (running)
            running.Remove(finishes);
        while (!drained.IsCompleted)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            // Lets the drain's timer continuation run; the clock only moves when the test moves it.
            await Task.WhenAny(drained, Task.Delay(5));
        }

        // Assert
        Assert.False(finishes.HandBack);
        Assert.False(finishes.Cancellation.IsCancellationRequested);
        Assert.True(stays.HandBack);
        Assert.True(stays.Cancellation.IsCancellationRequested);
        Assert.Equal(1, handedBack);
        Assert.Same(drained, drain.RunAsync(TimeSpan.Zero, Running, () => 0, () => 0, CancellationToken.None));
    }
}
