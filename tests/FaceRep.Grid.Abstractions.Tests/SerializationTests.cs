using FaceRep.Core.Experiments;
using FaceRep.Core.Specs;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace FaceRep.Grid.Abstractions.Tests;

/// <summary>Everything that crosses a grain call or is persisted must survive Orleans' serializer unchanged.</summary>
public sealed class SerializationTests
{
    private static readonly Serializer Serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

    private static T RoundTrip<T>(T value) => Serializer.Deserialize<T>(Serializer.SerializeToArray(value))!;

    private static JobDescriptor Descriptor() =>
        JobDescriptor.From(PretrainConfig.From(new PretrainSpec("synth-curated", "simclr", 5, 1000, 64, 1e-3, 0.2), new BackboneSpec("resnet18", 0.25, 64)), null);

    [Fact]
    public void A_job_descriptor_round_trips_and_keeps_its_content_hash()
    {
        var job = Descriptor();

        var copy = RoundTrip(job);

        Assert.Equal(job, copy);
        Assert.Equal(job.Id, JobConfig.Parse(copy.ConfigJson).Id);
        Assert.Equal(JobKind.Pretrain, copy.Kind);
    }

    [Fact]
    public void A_gang_lease_round_trips_with_its_devices_and_workers()
    {
        var spec = new PretrainSpec("synth-curated", "simclr", 5, 1000, 64, 1e-3, 0.2, Devices: 4);
        var job = JobDescriptor.From(PretrainConfig.From(spec, new BackboneSpec("resnet18", 0.25, 64)), null);
        var lease = new JobLease(job, 2, new DateTime(2026, 11, 27, 0, 0, 0, DateTimeKind.Utc), 9, ["silo/d1", "silo/d2", "silo/d3"]);

        var copy = RoundTrip(lease);

        Assert.Equal(4, job.Devices);
        Assert.Equal(job, copy.Job);
        Assert.Equal(4, copy.Job.GangSize);
        Assert.Equal(lease.Gang, copy.Gang);
        Assert.Equal(9, copy.Token);
        Assert.Equal(1, Descriptor().GangSize);
    }

    [Fact]
    public void A_job_status_with_a_failure_kind_round_trips()
    {
        var status = new JobStatus("ev-0123456789abcdef", JobState.Failed, 3, "silo/cpu0", FailureKind.Diverged, "loss became NaN", new DateTime(2026, 11, 27, 0, 0, 0, DateTimeKind.Utc), 7);

        Assert.Equal(status, RoundTrip(status));
    }

    [Fact]
    public void A_submission_round_trips_with_its_jobs()
    {
        var submission = new SweepSubmission("smoke", "name: smoke", 3, [Descriptor(), Descriptor() with { Id = "ev-1", DependsOn = "pt-1" }]);

        var copy = RoundTrip(submission);

        Assert.Equal(submission.Name, copy.Name);
        Assert.Equal(submission.Priority, copy.Priority);
        Assert.Equal(submission.Jobs, copy.Jobs);
    }

    [Theory]
    [InlineData(10, 7, 3, true)]
    [InlineData(10, 7, 2, false)]
    [InlineData(0, 0, 0, false)]
    public void A_sweep_is_complete_when_every_job_has_finished(int total, int succeeded, int failed, bool complete)
    {
        var status = new SweepStatus("s", total, 0, 0, 0, succeeded, failed, 0, null, null);

        Assert.Equal(complete, status.IsComplete);
        Assert.Equal(status, RoundTrip(status));
    }
}
