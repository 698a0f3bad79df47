using FaceRep.Core.Experiments;
using FaceRep.Core.Specs;

namespace FaceRep.Grid.Abstractions.Tests;

public sealed class DatasetRequirementTests
{
    private static readonly BackboneSpec Tiny = new("resnet18", 0.125, 32);

    [Fact]
    public void A_job_on_imported_sets_needs_a_silo_holding_every_part_and_other_jobs_need_none()
    {
        var union = new PretrainConfig("simclr", "a+b", Tiny, 1, 16, 8, 1e-3, 0.2, DatasetContent: "aaaa+bbbb");
        var synth = new PretrainConfig("simclr", "synth-curated", Tiny, 1, 16, 8, 1e-3, 0.2);
        var evaluation = new EvaluateConfig(union, "landmarks", "finetune", 0.5, 0, 100, 50, 5, 8, 1e-3);

        var job = QueuedJob.For(union.Id, JobDescriptor.From(union, null), "s", 0);

        Assert.Equal("aaaa+bbbb", JobDescriptor.From(union, null).Datasets);
        Assert.Null(JobDescriptor.From(synth, null).Datasets);
        Assert.Null(JobDescriptor.From(evaluation, union.Id).Datasets);
        Assert.True(job.CanRunWith(["bbbb", "aaaa", "cccc"]));
        Assert.False(job.CanRunWith(["aaaa"]));
        Assert.False(job.CanRunWith([]));
        Assert.False(job.CanRunWith(null));
        Assert.True(QueuedJob.For(synth.Id, JobDescriptor.From(synth, null), "s", 0).CanRunWith(null));
    }
}
