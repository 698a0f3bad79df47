using FaceRep.Core.Experiments;
using FaceRep.Core.Specs;

namespace FaceRep.Core.Tests.Specs;

/// <summary><c>scale.finetune_lr</c> as a list: a hyper-parameter axis chosen per cell on the validation split.</summary>
public sealed class TunedLearningRateTests
{
    private static SweepSpec Parse(string lr) => new SweepSpecParser().Parse($$"""
        name: tuned
        pretrain:
          - {dataset: synth-curated, method: scratch}
        tasks: [landmarks, au]
        shots: [0.1, 1.0]
        seeds: [0, 1]
        scale: {finetune_lr: {{lr}}}
        """, "tuned.yaml");

    [Fact]
    public void A_list_of_learning_rates_runs_every_cell_once_per_rate_and_one_rate_keeps_the_old_ids()
    {
        var single = GridExpander.Expand(Parse("0.003"));
        var tuned = GridExpander.Expand(Parse("[0.003, 0.01]"));

        Assert.Equal([0.003], single.Spec.Scale.LearningRates);
        Assert.Null(single.Spec.Scale.TunedLearningRates);
        Assert.Equal([0.003, 0.01], tuned.Spec.Scale.LearningRates);
        Assert.Equal(2 * 2 * 2, single.Evaluations.Count);
        Assert.Equal(2 * single.Evaluations.Count, tuned.Evaluations.Count);
        Assert.Equal(GridExpander.CountJobs(tuned.Spec), tuned.JobCount);
        // The first rate's jobs are the untuned sweep's jobs: same configuration, same ids.
        Assert.Subset(tuned.Evaluations.Select(e => e.Id).ToHashSet(), single.Evaluations.Select(e => e.Id).ToHashSet());
        Assert.Equal(tuned.Evaluations.Count, tuned.Evaluations.Select(e => e.Id).Distinct().Count());
    }

    [Theory]
    [InlineData("[0.003, 0.003]", "tuned.yaml:7:", "scale.finetune_lr[1]: 0.003 is listed twice")]
    [InlineData("[0.003, -1]", "tuned.yaml:7:", "scale.finetune_lr[1]")]
    [InlineData("[0.003, fast]", "tuned.yaml:7:", "scale.finetune_lr[1]")]
    [InlineData("[]", "tuned.yaml:7:", "scale.finetune_lr: the list is empty")]
    public void Bad_learning_rates_are_refused_naming_the_item(string lr, string where, string what)
    {
        var error = Assert.Throws<SpecException>(() => Parse(lr));

        Assert.Contains(where, error.Message, StringComparison.Ordinal);
        Assert.Contains(what, error.Message, StringComparison.Ordinal);
    }
}
