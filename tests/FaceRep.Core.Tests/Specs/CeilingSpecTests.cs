using FaceRep.Core.Experiments;
using FaceRep.Core.Specs;

namespace FaceRep.Core.Tests.Specs;

/// <summary>A spec's <c>ceiling</c>: the untrained backbone fine-tuned on all labels, long, as a reference run per task and seed.</summary>
public sealed class CeilingSpecTests
{
    private static string Spec(string ceiling, string sources = "  - {dataset: synth-curated, method: simclr}") => $"""
        name: capped
        pretrain:
        {sources}
        tasks: [landmarks, emotion]
        shots: [0.1, 0.5]
        seeds: [0, 1, 2]
        scale: {"{task_train: 500, finetune_batch: 16, finetune_lr: [0.001, 0.01]}"}
        {ceiling}
        """;

    private static SweepSpec Parse(string text) => new SweepSpecParser().Parse(text, "capped.yaml");

    [Fact]
    public void The_ceiling_takes_its_steps_and_falls_back_to_the_scale_for_batch_and_learning_rate()
    {
        Assert.Equal(new CeilingSpec(2000, 16, 0.001), Parse(Spec("ceiling: {steps: 2000}")).Ceiling);
        Assert.Equal(new CeilingSpec(500, 64, 0.03), Parse(Spec("ceiling: {steps: 500, batch: 64, lr: 0.03}")).Ceiling);
        Assert.Null(Parse(Spec("")).Ceiling);
    }

    [Fact]
    public void A_ceiling_adds_one_run_per_task_and_seed_from_scratch_on_all_labels_and_changes_no_other_job()
    {
        var plain = GridExpander.Expand(Parse(Spec("")));
        var spec = Parse(Spec("ceiling: {steps: 2000}"));
        var capped = GridExpander.Expand(spec);

        // The scratch source is added for it (the spec does not list one), and nothing else changes.
        var scratch = Assert.Single(capped.Pretrain, p => p.Config.Method == "scratch");
        Assert.Equal(plain.Pretrain.Select(p => p.Id).Append(scratch.Id), capped.Pretrain.Select(p => p.Id));
        Assert.Equal(plain.Evaluations.Select(e => e.Id), capped.Evaluations.Take(plain.Evaluations.Count).Select(e => e.Id));

        var ceiling = capped.Evaluations.Skip(plain.Evaluations.Count).ToList();
        Assert.Equal(2 * 3, ceiling.Count);
        Assert.All(ceiling, e =>
        {
            Assert.Equal(scratch.Id, e.DependsOn);
            Assert.Equal((KnownNames.CeilingProtocol, 1.0, 2000, 16, 0.001, 500), (e.Config.Protocol, e.Config.Shots, e.Config.Steps, e.Config.Batch, e.Config.LearningRate, e.Config.TaskTrain));
        });
        Assert.Equal(
            new[] { "landmarks", "emotion" }.SelectMany(t => new[] { 0, 1, 2 }.Select(s => (t, s))),
            ceiling.Select(e => (e.Config.Task, e.Config.Seed)));
        Assert.Equal(capped.JobCount, GridExpander.CountJobs(spec));
        Assert.Equal(capped.Evaluations.Count, capped.Evaluations.Select(e => e.Id).Distinct().Count());
    }

    [Fact]
    public void A_listed_scratch_source_is_the_one_the_ceiling_starts_from()
    {
        var sources = "  - {dataset: synth-curated, method: simclr}\n  - {dataset: synth-video, method: scratch}";
        var capped = GridExpander.Expand(Parse(Spec("ceiling: {steps: 100}", sources)));

        var scratch = Assert.Single(capped.Pretrain, p => p.Config.Method == "scratch");
        Assert.Equal(2, capped.Pretrain.Count);
        Assert.All(capped.Evaluations.Where(e => e.Config.Protocol == KnownNames.CeilingProtocol), e => Assert.Equal(scratch.Id, e.DependsOn));
        // Its study evaluations are still there: 2 tasks × 2 shots × 3 seeds × 2 learning rates, per source.
        Assert.Equal(24, capped.Evaluations.Count(e => e.DependsOn == scratch.Id && e.Config.Protocol == "finetune"));
    }

    [Theory]
    [InlineData("ceiling: 2000", "ceiling", "expected a mapping with steps, batch, lr")]
    [InlineData("ceiling: {batch: 8}", "ceiling.steps", "is required")]
    [InlineData("ceiling: {steps: 0}", "ceiling.steps", "")]
    [InlineData("ceiling: {steps: 100, lr: -1}", "ceiling.lr", "")]
    [InlineData("ceiling: {steps: 100, shots: 0.5}", "ceiling.shots", "unknown field 'shots'")]
    public void A_bad_ceiling_names_the_field_and_line(string ceiling, string field, string message)
    {
        var e = Assert.Throws<SpecException>(() => Parse(Spec(ceiling)));

        var error = Assert.Single(e.Errors);
        Assert.Equal(field, error.Field);
        Assert.Equal(8, error.Line);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ceiling_is_not_a_protocol_a_spec_can_list()
    {
        var e = Assert.Throws<SpecException>(() => Parse(Spec("protocols: [ceiling]")));

        Assert.Contains("unknown protocol 'ceiling'", Assert.Single(e.Errors).Message, StringComparison.Ordinal);
    }
}
