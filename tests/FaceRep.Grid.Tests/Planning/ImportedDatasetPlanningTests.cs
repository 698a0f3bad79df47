using FaceRep.Core.Experiments;
using FaceRep.Core.Specs;
using FaceRep.Data.ImageSets;
using FaceRep.Grid.Planning;

namespace FaceRep.Grid.Tests.Planning;

/// <summary>Planning a spec that names imported sets (sources written by PIL; see FaceRep.Data.Tests/ImageSets/Fixtures).</summary>
public sealed class ImportedDatasetPlanningTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"facerep-planning-{Guid.NewGuid():N}");
    private readonly ImageSetManifest _faces;
    private readonly ImageSetManifest _vox;
    private readonly ImageSetManifest _crawl;

    public ImportedDatasetPlanningTests()
    {
        _faces = ImageSetImport.Import(global::FaceRep.Tests.Shared.ImageSetFixtures.PathOf("identities"), Path.Combine(_root, "faces")).Manifest;
        _vox = ImageSetImport.Import(global::FaceRep.Tests.Shared.ImageSetFixtures.PathOf("video"), Path.Combine(_root, "vox")).Manifest;
        _crawl = ImageSetImport.Import(global::FaceRep.Tests.Shared.ImageSetFixtures.PathOf("crawl"), Path.Combine(_root, "crawl")).Manifest;
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static string Spec(string entries) => $"""
        name: plan
        backbone: {"{"}arch: resnet18, width: 0.125, input: 32{"}"}
        pretrain:
        {entries}
        tasks: [landmarks]
        shots: [0.5]
        seeds: [0]
        """;

    private PretrainConfig Only(string entry) =>
        Assert.Single(SweepPlanner.Plan(Spec($"  - {entry}"), "plan.yaml", DatasetCatalog.Open([_root])).Grid.Pretrain).Config;

    [Fact]
    public void A_named_set_becomes_its_content_and_size()
    {
        var config = Only("{dataset: faces, method: simclr, batch: 8}");

        Assert.Equal(("faces", _faces.Content, 20), (config.Dataset, config.DatasetContent, config.Images));
    }

    [Fact]
    public void A_union_is_its_parts_in_order_and_their_sizes_summed()
    {
        var config = Only("{dataset: faces+vox+crawl, method: simclr, batch: 8}");

        Assert.Equal($"{_faces.Content}+{_vox.Content}+{_crawl.Content}", config.DatasetContent);
        Assert.Equal(42, config.Images);
        Assert.NotEqual(Only("{dataset: vox+faces+crawl, method: simclr, batch: 8}").Id, config.Id);
    }

    [Fact]
    public void Frames_per_clip_thins_a_video_set_before_a_subset_is_taken()
    {
        var two = Only("{dataset: vox, method: simclr, batch: 4, frames_per_clip: 2}");
        var all = Only("{dataset: vox, method: simclr, batch: 4, frames_per_clip: 4, images: 16}");

        Assert.Equal((2, 8), (two.FramesPerClip, two.Images));
        Assert.Contains("\"frames_per_clip\":\"2\"", two.ToCanonicalJson(), StringComparison.Ordinal);
        Assert.Equal(16, all.Images);
        var e = Assert.Throws<SpecException>(() => SweepPlanner.Plan(Spec("  - {dataset: vox, method: simclr, batch: 4, frames_per_clip: 2, images: 17}"), "plan.yaml", DatasetCatalog.Open([_root])));
        Assert.Contains("has 8 at 2 frame(s) per clip", Assert.Single(e.Errors).Message, StringComparison.Ordinal);
        var noClips = Assert.Throws<SpecException>(() => SweepPlanner.Plan(Spec("  - {dataset: faces, method: simclr, batch: 4, frames_per_clip: 2}"), "plan.yaml", DatasetCatalog.Open([_root])));
        Assert.Contains("has no clips", Assert.Single(noClips.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_sets_kind_comes_from_its_layout_and_is_kept_beside_the_name_outside_the_id()
    {
        Assert.Equal("curated", Only("{dataset: faces, method: simclr, batch: 8}").DatasetKind);
        Assert.Equal("video", Only("{dataset: vox, method: simclr, batch: 8}").DatasetKind);
        Assert.Equal("uncurated", Only("{dataset: crawl, method: simclr, batch: 4}").DatasetKind);
        Assert.Null(Only("{dataset: faces+crawl, method: simclr, batch: 8}").DatasetKind);

        var config = Only("{dataset: vox, method: simclr, batch: 8}");
        Assert.Contains("\"dataset_kind\":\"video\"", config.ToCanonicalJson(), StringComparison.Ordinal);
        Assert.DoesNotContain("dataset_kind", config.ToIdentityJson(), StringComparison.Ordinal);
        Assert.Equal(config.Id, (config with { DatasetKind = null }).Id);
        Assert.Equal(config, JobConfig.Parse(config.ToCanonicalJson()));
    }

    [Fact]
    public void Supervised_on_a_set_without_identities_is_refused_naming_the_set()
    {
        var e = Assert.Throws<SpecException>(() => SweepPlanner.Plan(Spec("  - {dataset: faces+crawl, method: supervised, batch: 8}"), "plan.yaml", DatasetCatalog.Open([_root])));

        Assert.Contains("'crawl'", Assert.Single(e.Errors).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("faces+faces", "names a set twice")]
    [InlineData("faces+synth-curated", "a union is of imported sets")]
    [InlineData("faces+nope", "unknown dataset 'nope'")]
    public void A_bad_union_is_refused_at_its_line(string dataset, string message)
    {
        var e = Assert.Throws<SpecException>(() => SweepPlanner.Plan(Spec($"  - {{dataset: {dataset}, method: simclr, batch: 8}}"), "plan.yaml", DatasetCatalog.Open([_root])));

        var error = Assert.Single(e.Errors);
        Assert.Equal((4, "pretrain[0].dataset"), (error.Line, error.Field));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
