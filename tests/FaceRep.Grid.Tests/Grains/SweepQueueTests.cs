using FaceRep.Grid.Abstractions;
using FaceRep.Grid.Grains;

namespace FaceRep.Grid.Tests.Grains;

/// <summary>One sweep's ready jobs and the order workers of each silo get them (the locality rule).</summary>
public sealed class SweepQueueTests
{
    private static SweepQueue Queue(params (string Id, string? Silo, long Place)[] jobs)
    {
        var queue = new SweepQueue("s", 0);
        foreach (var (id, silo, place) in jobs)
            queue.Add(new QueueEntry(new QueuedJob(id, "s", 0, silo), place));
        return queue;
    }

    private static readonly Func<string, bool> NobodyComing = _ => false;

    [Fact]
    public void A_worker_takes_the_jobs_preferring_its_silo_first_even_when_others_are_older()
    {
        var queue = Queue(("old", null, 1), ("x-job", "X", 5), ("y-job", "Y", 2));

        Assert.Equal("x-job", queue.Take("X", NobodyComing)!.Job.JobId);
        Assert.Equal("y-job", queue.Take("Y", NobodyComing)!.Job.JobId);
        Assert.Equal(1, queue.Count);
    }

    [Fact]
    public void Without_a_job_of_its_own_a_worker_takes_the_oldest_job_nobody_else_is_coming_for()
    {
        var queue = Queue(("x-job", "X", 1), ("anywhere", null, 3), ("z-job", "Z", 2));
        var coming = new HashSet<string> { "X" };

        Assert.Equal("z-job", queue.Take("Y", coming.Contains)!.Job.JobId);
        Assert.Equal("anywhere", queue.Take("Y", coming.Contains)!.Job.JobId);
        // Only X's job is left and X's worker is on its way: a worker of Y gets nothing.
        Assert.Null(queue.Take("Y", coming.Contains));
        Assert.Equal(1, queue.Count);
        // Nobody is coming after all: it does not wait for ever.
        Assert.Equal("x-job", queue.Take("Y", NobodyComing)!.Job.JobId);
        Assert.Equal(0, queue.Count);
        Assert.Null(queue.Take("Y", NobodyComing));
    }

    [Fact]
    public void Jobs_that_lost_their_worker_go_before_fresh_ones()
    {
        var queue = Queue(("fresh", null, 10), ("lost", null, long.MinValue));

        Assert.Equal("lost", queue.Take("X", NobodyComing)!.Job.JobId);
        Assert.Equal("fresh", queue.Take("X", NobodyComing)!.Job.JobId);
    }
}
