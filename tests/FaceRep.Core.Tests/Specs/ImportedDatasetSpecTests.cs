using FaceRep.Core.Experiments;
using FaceRep.Core.Specs;

namespace FaceRep.Core.Tests.Specs;

public sealed class ImportedDatasetSpecTests
{
    private static string Spec(string entry) => $"""
        name: real
        pretrain:
          - {entry}
        tasks: [landmarks]
        shots: [0.5]
        seeds: [0]
        """;

    private static SweepSpecParser Knowing(params string[] names) =>
        new(checkDataset: name => names.Contains(name) ? null : KnownNames.UnknownDataset(name, string.Join(", ", names)));

    [Fact]
    public void An_imported_set_is_named_like_a_directory_and_taken_whole_unless_a_subset_is_asked_for()
    {
        var whole = Knowing("vggface2").Parse(Spec("{dataset: vggface2, method: simclr}")).Pretrain[0];
        var subset = Knowing("vggface2").Parse(Spec("{dataset: vggface2, method: simclr, images: 5000}")).Pretrain[0];
        var all = Knowing("vggface2").Parse(Spec("{dataset: vggface2, method: simclr, images: all}")).Pretrain[0];

        Assert.Equal(("vggface2", PretrainSpec.AllImages), (whole.Dataset, whole.Images));
        Assert.Equal(5000, subset.Images);
        Assert.Equal(PretrainSpec.AllImages, all.Images);
        // SynthFace sets keep their default size.
        Assert.Equal(1000, Knowing().Parse(Spec("{dataset: synth-curated, method: simclr}")).Pretrain[0].Images);
    }

    [Fact]
    public void An_unknown_set_is_refused_at_its_line_listing_the_sets_there_are()
    {
        var e = Assert.Throws<SpecException>(() => Knowing("vggface2", "flickr").Parse(Spec("{dataset: vgg, method: simclr}"), "real.yaml"));

        var error = Assert.Single(e.Errors);
        Assert.Equal(("real.yaml", 3, "pretrain[0].dataset"), (error.File, error.Line, error.Field));
        Assert.Contains("unknown dataset 'vgg'", error.Message, StringComparison.Ordinal);
        Assert.Contains("vggface2, flickr", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_dataset_roots_only_synthface_names_are_known()
    {
        var e = Assert.Throws<SpecException>(() => new SweepSpecParser().Parse(Spec("{dataset: vggface2, method: simclr}")));

        Assert.Contains("no dataset root given", Assert.Single(e.Errors).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("VGGFace2")]
    [InlineData("../vgg")]
    [InlineData("-vgg")]
    [InlineData("vgg face")]
    public void A_name_that_cannot_be_a_directory_name_here_is_refused_as_such(string name)
    {
        var e = Assert.Throws<SpecException>(() => Knowing(name).Parse(Spec($"{{dataset: \"{name}\", method: simclr}}")));

        Assert.Contains("neither a SynthFace set", Assert.Single(e.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void All_images_of_a_synthface_set_is_refused_because_it_has_no_end()
    {
        var e = Assert.Throws<SpecException>(() => Knowing().Parse(Spec("{dataset: synth-video, method: simclr, images: all}")));

        var error = Assert.Single(e.Errors);
        Assert.Equal("pretrain[0].images", error.Field);
        Assert.Contains("needs an imported dataset", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_synthface_job_keeps_the_id_it_had_before_imported_sets_existed()
    {
        var config = new PretrainConfig("simclr", "synth-curated", new BackboneSpec("resnet18", 0.25, 64), 5, 1000, 64, 1e-3, 0.2);

        // The id a SynthFace SimCLR job had before: its canonical JSON did not change.
        Assert.Equal(
            """{"v":1,"kind":"pretrain","method":"simclr","backbone":{"arch":"resnet18","input":"64","width":"0.25"},"batch":"64","dataset":"synth-curated","epochs":"5","images":"1000","lr":"0.001","temperature":"0.2"}""",
            config.ToCanonicalJson());
        Assert.Equal(JobConfig.IdOf(JobKind.Pretrain, config.ToCanonicalJson()), config.Id);
    }
}

public sealed class InputNormalisationSpecTests
{
    private static string Spec(string backbone) => $"""
        name: norm
        backbone: {backbone}
        pretrain:
          - {"{"}dataset: synth-curated, method: simclr{"}"}
        tasks: [landmarks]
        shots: [0.5]
        seeds: [0]
        """;

    [Fact]
    public void A_backbone_takes_the_papers_normalisation_and_it_is_part_of_every_job_id()
    {
        var parser = new SweepSpecParser();
        var plain = parser.Parse(Spec("{arch: resnet18, width: 0.25, input: 64}"));
        var paper = parser.Parse(Spec("{arch: resnet18, width: 0.25, input: 64, mean: [0.485, 0.456, 0.406], std: [0.228, 0.224, 0.225]}"));
        var centred = parser.Parse(Spec("{arch: resnet18, width: 0.25, input: 64, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25]}"));

        Assert.Null(plain.Backbone.Normalisation);
        Assert.Equal(InputNormalisation.Paper, paper.Backbone.Normalisation);
        Assert.Null(centred.Backbone.Normalisation);
        var a = PretrainConfig.From(plain.Pretrain[0], plain.Backbone);
        var b = PretrainConfig.From(paper.Pretrain[0], paper.Backbone);
        Assert.NotEqual(a.Id, b.Id);
        Assert.Equal(a.Id, PretrainConfig.From(centred.Pretrain[0], centred.Backbone).Id);
        Assert.Contains("\"mean\":[\"0.485\",\"0.456\",\"0.406\"]", b.ToCanonicalJson(), StringComparison.Ordinal);
        Assert.DoesNotContain("mean", a.ToCanonicalJson(), StringComparison.Ordinal);
        Assert.Equal(b, JobConfig.Parse(b.ToCanonicalJson()));
        Assert.Equal(InputNormalisation.Paper, ((PretrainConfig)JobConfig.Parse(b.ToCanonicalJson())).Backbone.Normalisation);
    }

    [Theory]
    [InlineData("{arch: resnet18, mean: [0.5, 0.5, 0.5]}", "backbone.mean", "give std too")]
    [InlineData("{arch: resnet18, mean: [0.5, 0.5], std: [0.2, 0.2, 0.2]}", "backbone.mean", "three numbers")]
    [InlineData("{arch: resnet18, mean: [0.5, 0.5, 0.5], std: [0.2, 0, 0.2]}", "backbone.std[1]", "")]
    public void A_partial_or_malformed_normalisation_is_refused_naming_the_field(string backbone, string field, string message)
    {
        var e = Assert.Throws<SpecException>(() => new SweepSpecParser().Parse(Spec(backbone)));

        var error = Assert.Single(e.Errors);
        Assert.Equal(field, error.Field);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
