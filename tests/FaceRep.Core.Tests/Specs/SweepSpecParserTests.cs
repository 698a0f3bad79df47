using FaceRep.Core.Specs;

namespace FaceRep.Core.Tests.Specs;

public sealed class SweepSpecParserTests
{
    private const string Smoke = """
        name: smoke
        backbone: {arch: resnet18, width: 0.25, input: 64}
        pretrain:
          - {dataset: synth-curated, method: scratch}
          - {dataset: synth-curated, method: simclr, epochs: 5}
        tasks: [landmarks]        # later: recognition, landmarks, au, emotion, landmarks3d
        shots: [0.05, 0.2]        # fractions of the task's training split
        seeds: [0, 1]
        """;

    private static SpecException Refused(string yaml, SpecLimits? limits = null) =>
        Assert.Throws<SpecException>(() => new SweepSpecParser(limits).Parse(yaml, "bad.yaml"));

    [Fact]
    public void The_smoke_example_parses_with_defaults_resolved()
    {
        var spec = new SweepSpecParser().Parse(Smoke, "smoke.yaml");

        Assert.Equal("smoke", spec.Name);
        Assert.Equal(new BackboneSpec("resnet18", 0.25, 64), spec.Backbone);
        Assert.Equal(2, spec.Pretrain.Count);
        Assert.Equal("scratch", spec.Pretrain[0].Method);
        Assert.Equal(5, spec.Pretrain[1].Epochs);
        Assert.Equal(SweepSpecParser.PretrainDefaults.Images, spec.Pretrain[1].Images);
        Assert.Equal(["landmarks"], spec.Tasks);
        Assert.Equal([0.05, 0.2], spec.Shots);
        Assert.Equal([0, 1], spec.Seeds);
        Assert.Equal(["finetune"], spec.Protocols);
        Assert.Equal(SweepSpecParser.ScaleDefaults, spec.Scale);
    }

    [Fact]
    public void A_list_in_a_pretrain_entry_expands_as_a_cartesian_product()
    {
        var spec = new SweepSpecParser().Parse("""
            name: product
            pretrain:
              - {dataset: [synth-curated, synth-uncurated, synth-video], method: [simclr, moco], epochs: [1, 2]}
            tasks: landmarks
            shots: 1.0
            seeds: 0
            """);

        Assert.Equal(12, spec.Pretrain.Count);
        Assert.Equal(12, spec.Pretrain.Distinct().Count());
        Assert.Contains(spec.Pretrain, p => p is { Dataset: "synth-video", Method: "moco", Epochs: 2 });
    }

    [Fact]
    public void An_unknown_method_is_named_with_its_line_and_the_known_methods()
    {
        var e = Refused("""
            name: s
            pretrain:
              - {dataset: synth-curated, method: simclrr}
            tasks: [landmarks]
            shots: [0.5]
            seeds: [0]
            """);

        var error = Assert.Single(e.Errors);
        Assert.Equal("bad.yaml", error.File);
        Assert.Equal(3, error.Line);
        Assert.Equal("pretrain[0].method", error.Field);
        Assert.Contains("'simclrr'", error.Message, StringComparison.Ordinal);
        Assert.Contains("scratch, supervised, simclr, moco, swav, byol, barlow, import", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("bad.yaml:3:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_entries_naming_the_same_pretraining_are_refused_naming_both_lines()
    {
        var e = Refused("""
            name: s
            pretrain:
              - {dataset: synth-curated, method: scratch}
              - {dataset: synth-curated, method: simclr, epochs: 2}
              - {dataset: [synth-video, synth-curated], method: simclr, epochs: 2}
            tasks: [landmarks]
            shots: [0.5]
            seeds: [0]
            """);

        var error = Assert.Single(e.Errors);
        Assert.Equal(5, error.Line);
        Assert.Equal("pretrain[2]", error.Field);
        Assert.Contains("pretrain[1] on line 4", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_listed_twice_in_a_pretraining_entry_is_refused_but_scratch_over_several_datasets_is_one_source()
    {
        var e = Refused("""
            name: s
            pretrain:
              - {dataset: synth-curated, method: [simclr, moco, simclr], epochs: 2}
            tasks: [landmarks]
            shots: [0.5]
            seeds: [0]
            """);
        var error = Assert.Single(e.Errors);
        Assert.Equal("pretrain[0].method[2]", error.Field);
        Assert.Contains("listed twice", error.Message, StringComparison.Ordinal);

        var spec = new SweepSpecParser().Parse("""
            name: s
            pretrain:
              - {dataset: [synth-curated, synth-video], method: [scratch, simclr], epochs: 2}
            tasks: [landmarks]
            shots: [0.5]
            seeds: [0]
            """, "ok.yaml");
        Assert.Equal(3, Core.Experiments.GridExpander.Expand(spec).Pretrain.Count);
    }

    [Fact]
    public void A_tab_in_the_indentation_is_reported_at_its_line()
    {
        var e = Refused("name: s\nbackbone: {arch: resnet18}\npretrain:\n\t- {dataset: synth-curated, method: scratch}\ntasks: [landmarks]\nshots: [0.5]\nseeds: [0]\n");

        var error = Assert.Single(e.Errors);
        Assert.Equal((4, 1), (error.Line, error.Column));
        Assert.Contains("tab in the indentation", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_problem_is_reported_not_only_the_first()
    {
        var e = Refused("""
            name: s
            pretrain:
              - {dataset: synth-nowhere, method: simclr, epochs: -3}
            tasks: [landmarks, haircut]
            shots: [0.05, 1.5, 0.05]
            seeds: [0, x]
            colour: blue
            """);

        var fields = e.Errors.Select(x => x.Field).ToList();
        Assert.Contains("pretrain[0].dataset", fields);
        Assert.Contains("pretrain[0].epochs", fields);
        Assert.Contains("tasks[1]", fields);
        Assert.Contains("shots[1]", fields);
        Assert.Contains("shots[2]", fields);
        Assert.Contains("seeds[1]", fields);
        Assert.Contains("colour", fields);
        Assert.Contains(e.Errors, x => x.Field == "pretrain[0].epochs" && x.Message.Contains("-3", StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x.Field == "shots[2]" && x.Message.Contains("twice", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("pretrain: [{method: scratch}]\ntasks: [landmarks]\nshots: [1]\nseeds: [0]", "name", "is required")]
    [InlineData("name: s\npretrain: {method: scratch}\ntasks: [landmarks]\nshots: [1]\nseeds: [0]", "pretrain", "expected a list")]
    [InlineData("name: s\npretrain: []\ntasks: [landmarks]\nshots: [1]\nseeds: [0]", "pretrain", "empty")]
    [InlineData("name: s\npretrain: [{dataset: synth-curated}]\ntasks: [landmarks]\nshots: [1]\nseeds: [0]", "pretrain[0]", "'method' is required")]
    [InlineData("name: s\npretrain: [{method: simclr, epochs: \"5\"}]\ntasks: [landmarks]\nshots: [1]\nseeds: [0]", "pretrain[0].epochs", "quoted")]
    [InlineData("name: s\npretrain: [{method: simclr, epochs: 2.5}]\ntasks: [landmarks]\nshots: [1]\nseeds: [0]", "pretrain[0].epochs", "not an integer")]
    [InlineData("name: s\npretrain: [{method: simclr, lr: .nan}]\ntasks: [landmarks]\nshots: [1]\nseeds: [0]", "pretrain[0].lr", "finite")]
    [InlineData("name: s\nbackbone: {arch: vgg16}\npretrain: [{method: scratch}]\ntasks: [landmarks]\nshots: [1]\nseeds: [0]", "backbone.arch", "unknown architecture 'vgg16'")]
    [InlineData("name: s\nbackbone: {input: 60}\npretrain: [{method: scratch}]\ntasks: [landmarks]\nshots: [1]\nseeds: [0]", "backbone.input", "multiple of 8")]
    [InlineData("name: s\npretrain: [{method: scratch}]\ntasks: [landmarks]\nshots: [0]\nseeds: [0]", "shots[0]", "out of range")]
    [InlineData("name: s\npretrain: [{method: scratch}]\ntasks: [landmarks]\nshots: [1]\nseeds: [-1]", "seeds[0]", "out of range")]
    [InlineData("name: s\npretrain: [{method: scratch}]\ntasks: {a: 1}\nshots: [1]\nseeds: [0]", "tasks", "expected a list")]
    [InlineData("name: s\npretrain: [{method: scratch}]\ntasks: [landmarks]\nshots: [1]\nseeds: [0]\nprotocols: [zero-shot]", "protocols[0]", "unknown protocol")]
    [InlineData("name: 'bad name!'\npretrain: [{method: scratch}]\ntasks: [landmarks]\nshots: [1]\nseeds: [0]", "name", "not a valid sweep name")]
    [InlineData("name: s\npretrain: [{method: scratch}]\ntasks: [landmarks]\nshots: [1]\nseeds: [0]\nscale: {task_train: 5}", "scale.task_train", "out of range")]
    public void A_broken_spec_names_the_field_and_what_is_wrong(string yaml, string field, string message)
    {
        var e = Refused(yaml);

        Assert.Contains(e.Errors, x => x.Field == field && x.Message.Contains(message, StringComparison.Ordinal) && x.Line > 0);
    }

    [Fact]
    public void A_yaml_syntax_error_gives_its_line()
    {
        var e = Refused("name: s\npretrain:\n  - {method: scratch\ntasks: [landmarks]\n");

        var error = Assert.Single(e.Errors);
        Assert.True(error.Line >= 3, $"line {error.Line}");
        Assert.Contains("invalid YAML", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_grid_above_the_limit_is_refused_with_its_size_and_the_limit()
    {
        var e = Refused(Smoke, new SpecLimits(MaxJobs: 5));

        Assert.Contains("10 jobs", e.Message, StringComparison.Ordinal);
        Assert.Contains("limit is 5", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_alias_bomb_is_refused_by_the_node_budget()
    {
        var yaml = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
        for (var i = 0; i < 8; i++)
            yaml += $"{(char)('b' + i)}: &{(char)('b' + i)} [*{(char)('a' + i)}, *{(char)('a' + i)}, *{(char)('a' + i)}, *{(char)('a' + i)}, *{(char)('a' + i)}, *{(char)('a' + i)}, *{(char)('a' + i)}, *{(char)('a' + i)}, *{(char)('a' + i)}, *{(char)('a' + i)}]\n";

        var e = Refused(yaml);

        Assert.Contains("YAML nodes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_an_error_naming_the_path()
    {
        var path = Path.Combine(Path.GetTempPath(), $"facerep-missing-{Guid.NewGuid():N}.yaml");

        var e = Assert.Throws<SpecException>(() => new SweepSpecParser().ParseFile(path));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("not found", e.Message, StringComparison.Ordinal);
    }
}
