using FaceRep.Core.Experiments;
using FaceRep.Core.Specs;

namespace FaceRep.Core.Tests.Specs;

/// <summary><c>scale.finetune_steps</c> per task: slow tasks get a longer budget without lengthening the rest.</summary>
public sealed class TaskStepsTests
{
    private static string Spec(string steps) => $"""
        name: budgets
        pretrain:
          - {"{dataset: synth-curated, method: scratch}"}
        tasks: [landmarks, emotion, au]
        shots: [0.5]
        seeds: [0]
        scale: {"{"}task_train: 200, finetune_steps: {steps}{"}"}
        """;

    private static SweepSpec Parse(string steps) => new SweepSpecParser().Parse(Spec(steps), "budgets.yaml");

    [Fact]
    public void Each_task_takes_its_own_steps_and_the_rest_the_default()
    {
        var spec = Parse("{default: 250, emotion: 750, au: 500}");
        var jobs = GridExpander.Expand(spec).Evaluations.ToDictionary(e => e.Config.Task, e => e.Config.Steps);

        Assert.Equal(250, spec.Scale.FinetuneSteps);
        Assert.Equal(new Dictionary<string, int> { ["landmarks"] = 250, ["emotion"] = 750, ["au"] = 500 }, jobs);
    }

    [Fact]
    public void A_task_without_a_budget_of_its_own_keeps_its_job_id()
    {
        var one = GridExpander.Expand(Parse("250")).Evaluations;
        var per = GridExpander.Expand(Parse("{default: 250, emotion: 750}")).Evaluations;

        Assert.Equal(one.Where(e => e.Config.Task != "emotion").Select(e => e.Id), per.Where(e => e.Config.Task != "emotion").Select(e => e.Id));
        Assert.NotEqual(one.Single(e => e.Config.Task == "emotion").Id, per.Single(e => e.Config.Task == "emotion").Id);
        Assert.Null(Parse("250").Scale.TaskSteps);
        // Without a default, the other tasks take the built-in one.
        Assert.Equal(SweepSpecParser.ScaleDefaults.FinetuneSteps, Parse("{emotion: 750}").Scale.StepsFor("landmarks"));
    }

    [Theory]
    [InlineData("{default: 250, emotoin: 750}", "scale.finetune_steps.emotoin", "unknown field 'emotoin'")]
    [InlineData("{default: 250, emotion: 0}", "scale.finetune_steps.emotion", "")]
    [InlineData("{default: many}", "scale.finetune_steps.default", "")]
    [InlineData("{}", "scale.finetune_steps", "an empty mapping")]
    public void A_bad_budget_names_the_field(string steps, string field, string message)
    {
        var e = Assert.Throws<SpecException>(() => Parse(steps));

        var error = Assert.Single(e.Errors);
        Assert.Equal(field, error.Field);
        Assert.Equal(7, error.Line);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
