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

    private static readonly Func<string, string, bool> NobodyComing = (_, _) => false;

    [Fact]
    public void A_worker_takes_the_jobs_preferring_its_silo_first_even_when_others_are_older()
    {
        var queue = Queue(("old", null, 1), ("x-job", "X", 5), ("y-job", "Y", 2));

        Assert.Equal("x-job", queue.Take("X", "cpu", NobodyComing)!.Job.JobId);
        Assert.Equal("y-job", queue.Take("Y", "cpu", NobodyComing)!.Job.JobId);
        Assert.Equal(1, queue.Count);
    }

    [Fact]
    public void Jobs_that_others_wait_for_go_before_older_jobs_and_jobs_preferring_the_silo()
    {
        // Evaluations of a finished source prefer the silo holding its checkpoint; the pre-training
        // jobs the other evaluations wait for are later in the queue and prefer no silo.
        var queue = new SweepQueue("s", 0);
        queue.Add(new QueueEntry(new QueuedJob("eval-local", "s", 0, "X"), 1));
        queue.Add(new QueueEntry(new QueuedJob("eval-old", "s", 0), 2));
        queue.Add(new QueueEntry(new QueuedJob("pretrain-gpu", "s", 0) { Blocks = true, Requires = "gpu" }, 3));
        queue.Add(new QueueEntry(new QueuedJob("pretrain-b", "s", 0) { Blocks = true }, 5));
        queue.Add(new QueueEntry(new QueuedJob("pretrain-a", "s", 0) { Blocks = true }, 4));

        Assert.Equal("pretrain-a", queue.Take("X", "cpu", NobodyComing)!.Job.JobId);
        Assert.Equal("pretrain-b", queue.Take("X", "cpu", NobodyComing)!.Job.JobId);
        // A CPU worker cannot run the GPU pre-training job, so it gets on with what it can run, locality first.
        Assert.Equal("eval-local", queue.Take("X", "cpu", NobodyComing)!.Job.JobId);
        Assert.Equal("pretrain-gpu", queue.Take("G", "gpu", NobodyComing)!.Job.JobId);
        Assert.Equal("eval-old", queue.Take("X", "cpu", NobodyComing)!.Job.JobId);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void Without_a_job_of_its_own_a_worker_takes_the_oldest_job_nobody_else_is_coming_for()
    {
        var queue = Queue(("x-job", "X", 1), ("anywhere", null, 3), ("z-job", "Z", 2));
        var coming = new HashSet<string> { "X" };

        Assert.Equal("z-job", queue.Take("Y", "cpu", (silo, _) => coming.Contains(silo))!.Job.JobId);
        Assert.Equal("anywhere", queue.Take("Y", "cpu", (silo, _) => coming.Contains(silo))!.Job.JobId);
        // Only X's job is left and X's worker is on its way: a worker of Y gets nothing.
        Assert.Null(queue.Take("Y", "cpu", (silo, _) => coming.Contains(silo)));
        Assert.Equal(1, queue.Count);
        // Nobody is coming after all: it does not wait for ever.
        Assert.Equal("x-job", queue.Take("Y", "cpu", NobodyComing)!.Job.JobId);
        Assert.Equal(0, queue.Count);
        Assert.Null(queue.Take("Y", "cpu", NobodyComing));
    }

    [Fact]
    public void Jobs_that_lost_their_worker_go_before_fresh_ones()
    {
        var queue = Queue(("fresh", null, 10), ("lost", null, long.MinValue));

        Assert.Equal("lost", queue.Take("X", "cpu", NobodyComing)!.Job.JobId);
        Assert.Equal("fresh", queue.Take("X", "cpu", NobodyComing)!.Job.JobId);
    }

    [Fact]
    public void A_worker_is_offered_only_jobs_its_device_kind_may_run()
    {
        var queue = new SweepQueue("s", 0);
        queue.Add(new QueueEntry(new QueuedJob("gpu-old", "s", 0) { Requires = "gpu" }, 1));
        queue.Add(new QueueEntry(new QueuedJob("cpu-job", "s", 0) { Requires = "cpu" }, 2));
        queue.Add(new QueueEntry(new QueuedJob("any-job", "s", 0), 3));
        queue.Add(new QueueEntry(new QueuedJob("gpu-local", "s", 0, "G") { Requires = "gpu" }, 4));

        Assert.True(queue.HasWorkFor("cpu"));
        // A CPU worker skips the older GPU job and takes the oldest it can run; then the one for any device.
        Assert.Equal("cpu-job", queue.Take("C", "cpu", NobodyComing)!.Job.JobId);
        Assert.Equal("any-job", queue.Take("C", "cpu", NobodyComing)!.Job.JobId);
        Assert.Null(queue.Take("C", "cpu", NobodyComing));
        Assert.False(queue.HasWorkFor("cpu"));
        Assert.True(queue.HasWorkFor("gpu"));
        Assert.Equal(2, queue.Count);
        // A GPU worker of silo G gets its own silo's job first, then the other.
        Assert.Equal("gpu-local", queue.Take("G", "gpu", NobodyComing)!.Job.JobId);
        Assert.Equal("gpu-old", queue.Take("G", "gpu", NobodyComing)!.Job.JobId);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void Across_lanes_the_earliest_job_a_device_may_run_goes_first()
    {
        var queue = new SweepQueue("s", 0);
        queue.Add(new QueueEntry(new QueuedJob("any-late", "s", 0), 9));
        queue.Add(new QueueEntry(new QueuedJob("gpu-early", "s", 0) { Requires = "gpu" }, 2));
        queue.Add(new QueueEntry(new QueuedJob("gpu-lost", "s", 0) { Requires = "gpu" }, long.MinValue));

        Assert.Equal("gpu-lost", queue.Take("G", "gpu", NobodyComing)!.Job.JobId);
        Assert.Equal("gpu-early", queue.Take("G", "gpu", NobodyComing)!.Job.JobId);
        Assert.Equal("any-late", queue.Take("G", "gpu", NobodyComing)!.Job.JobId);
    }

    [Fact]
    public void A_worker_coming_for_its_silo_holds_only_the_jobs_its_device_can_run()
    {
        // Evaluations prefer silo G, where their pre-training ran, but must run on a CPU; G has only a GPU.
        var queue = new SweepQueue("s", 0);
        queue.Add(new QueueEntry(new QueuedJob("eval", "s", 0, "G") { Requires = "cpu" }, 1));
        var asked = new List<(string Silo, string Requires)>();
        bool GpuOnlyAtG(string silo, string requires)
        {
            asked.Add((silo, requires));
            return silo == "G" && requires is "" or "gpu";
        }

        Assert.Equal("eval", queue.Take("C", "cpu", GpuOnlyAtG)!.Job.JobId);
        Assert.NotEmpty(asked);
        Assert.All(asked, a => Assert.Equal(("G", "cpu"), a));
    }
}
