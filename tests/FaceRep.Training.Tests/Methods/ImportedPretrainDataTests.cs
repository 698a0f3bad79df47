using FaceRep.Core.Experiments;
using FaceRep.Core.Specs;
using FaceRep.Data.Formats;
using FaceRep.Data.ImageSets;
using FaceRep.Training.Methods;
using FaceRep.Training.Runs;

namespace FaceRep.Training.Tests.Methods;

/// <summary>Pre-training streamed from an imported set (identity folders written by PIL; see FaceRep.Data.Tests/ImageSets/Fixtures).</summary>
[Collection(TorchCollection.Name)]
public sealed class ImportedPretrainDataTests : IDisposable
{
    private static readonly BackboneSpec Tiny = new("resnet18", 0.125, 32);
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"facerep-imported-{Guid.NewGuid():N}");
    private readonly ImageSetManifest _manifest;

    public ImportedPretrainDataTests()
    {
        _manifest = ImageSetImport.Import(global::FaceRep.Tests.Shared.ImageSetFixtures.PathOf("identities"), Path.Combine(_root, "vgg"), new ImageImportOptions { ShardSize = 6 }).Manifest;
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private PretrainConfig Config(string method, int images = PretrainSpec.AllImages) =>
        new(method, "vgg", Tiny, 2, images, 8, 1e-3, 0.2, DatasetContent: _manifest.Content);

    private DatasetCatalog Catalog => DatasetCatalog.Open([_root]);

    [Theory]
    [InlineData("supervised")]
    [InlineData("simclr")]
    public void A_method_trains_on_an_imported_set_streamed_from_its_shards(string method)
    {
        var config = Config(method);
        var losses = new List<double>();
        var context = new RunContext { JobId = config.Id, Threads = 1, Datasets = Catalog, Progress = p => { if (p.Loss is { } l) losses.Add(l); } };

        using var trained = PretrainMethods.Get(method).Train(config, context);

        Assert.NotEmpty(losses);
        Assert.All(losses, l => Assert.True(double.IsFinite(l), $"{method} loss {l}"));
    }

    [Fact]
    public void Images_are_the_decoded_stored_images_with_their_identities()
    {
        using var data = PretrainData.Load(Config("supervised"), Catalog);
        var set = ImageSet.Open(Path.Combine(_root, "vgg"));

        Assert.Equal(20, data.Count);
        Assert.Equal(set.Labels, data.Identities);
        var pixels = new float[data.PixelsPerImage];
        foreach (var epoch in new[] { 0, 1 })
        {
            var order = data.EpochOrder(epoch);
            Assert.Equal(Enumerable.Range(0, 20), order.Order());
            foreach (var i in order.Take(5))
            {
                data.Render(i, pixels);
                Assert.Equal(ImageDecoder.Decode(set.Read(i).Bytes, 32, "x").Pixels, pixels);
            }
        }
    }

    [Fact]
    public void A_subset_is_nested_and_the_same_for_every_job()
    {
        var eight = PretrainData.Subset(20, 8);
        var twelve = PretrainData.Subset(20, 12);

        Assert.Equal(eight, twelve[..8]);
        Assert.Equal(eight, PretrainData.Subset(20, 8));
        Assert.Equal(8, eight.Distinct().Count());
        using var data = PretrainData.Load(Config("simclr", images: 12), Catalog);
        Assert.Equal(12, data.Count);
    }

    [Fact]
    public void A_union_with_thinned_clips_trains_supervised_on_every_identity()
    {
        var vox = ImageSetImport.Import(global::FaceRep.Tests.Shared.ImageSetFixtures.PathOf("video"), Path.Combine(_root, "vox")).Manifest;
        var config = new PretrainConfig("supervised", "vgg+vox", Tiny, 1, PretrainSpec.AllImages, 8, 1e-3, 0.2,
            DatasetContent: $"{_manifest.Content}+{vox.Content}", FramesPerClip: 2);

        using (var data = PretrainData.Load(config, Catalog))
        {
            // 20 faces and 2 of each 4-frame clip's frames; the speakers' identities follow the faces'.
            Assert.Equal(28, data.Count);
            Assert.Equal([0, 1, 2, 3, 4, 5], data.Identities.Distinct().Order());
        }

        using var trained = PretrainMethods.Get("supervised").Train(config, new RunContext { JobId = config.Id, Threads = 1, Datasets = Catalog });
    }

    [Fact]
    public void A_renamed_directory_is_found_by_its_content()
    {
        Directory.Move(Path.Combine(_root, "vgg"), Path.Combine(_root, "vggface2-small"));

        using var data = PretrainData.Load(Config("simclr"), Catalog);

        Assert.Equal(20, data.Count);
    }

    [Fact]
    public void A_set_that_is_not_here_or_has_changed_fails_the_job_as_deterministic_naming_what_is_here()
    {
        var missing = Config("simclr") with { DatasetContent = new string('a', 64) };
        var e = Assert.Throws<JobFailedException>(() => PretrainData.Load(missing, Catalog));
        Assert.Equal(FailureKind.Deterministic, e.Kind);
        Assert.Contains("not on this machine", e.Message, StringComparison.Ordinal);
        Assert.Contains("vgg", e.Message, StringComparison.Ordinal);

        var tooMany = Config("simclr", images: 21);
        Assert.Contains("has 20", Assert.Throws<JobFailedException>(() => PretrainData.Load(tooMany, Catalog)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_imported_set_is_identified_by_content_not_name_in_the_job_id()
    {
        var config = Config("simclr");
        var renamed = config with { Dataset = "another-name" };
        var changed = config with { DatasetContent = new string('b', 64) };

        Assert.Equal(config.Id, renamed.Id);
        Assert.NotEqual(config.Id, changed.Id);
        Assert.Contains("\"dataset\":\"vgg\"", config.ToCanonicalJson(), StringComparison.Ordinal);
        Assert.Contains(_manifest.Content, config.ToCanonicalJson(), StringComparison.Ordinal);
        Assert.Equal(config, JobConfig.Parse(config.ToCanonicalJson()));
        // A SynthFace job's canonical form is what it always was: its id did not change.
        var synth = new PretrainConfig("simclr", "synth-curated", Tiny, 2, 64, 8, 1e-3, 0.2);
        Assert.Equal(synth.ToCanonicalJson(), synth.ToIdentityJson());
    }
}
