using FaceRep.Core.Experiments;
using FaceRep.Core.Specs;
using FaceRep.Training.Backbones;
using FaceRep.Training.Checkpoints;
using static TorchSharp.torch;

namespace FaceRep.Training.Tests.Checkpoints;

[Collection(TorchCollection.Name)]
public sealed class CheckpointStoreTests : IDisposable
{
    private static readonly BackboneSpec Spec = new("resnet18", 0.125, 32);
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"facerep-ckpt-{Guid.NewGuid():N}");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void A_saved_backbone_loads_back_with_identical_outputs()
    {
        var store = new CheckpointStore(_root);
        using var original = TorchRuntime.Seeded(1, () => BackboneRegistry.Create(Spec));
        using var restored = TorchRuntime.Seeded(2, () => BackboneRegistry.Create(Spec));
        original.eval();
        restored.eval();
        using var _ = no_grad();
        var input = TorchRuntime.Seeded(3, () => randn(2, 3, 32, 32));

        var info = store.Save("pt-0123456789abcdef", original, Spec);
        store.Load("pt-0123456789abcdef", restored, Spec);

        Assert.Equal(64, info.Sha256.Length);
        Assert.True(original.call(input).equal(restored.call(input)).all().item<bool>());
    }

    [Fact]
    public void Batch_norm_statistics_survive_the_round_trip()
    {
        var store = new CheckpointStore(_root);
        // The same seed gives the same weights: only the running statistics tell the two apart.
        using var original = TorchRuntime.Seeded(1, () => BackboneRegistry.Create(Spec));
        using var restored = TorchRuntime.Seeded(1, () => BackboneRegistry.Create(Spec));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        original.train();
        original.call((TorchRuntime.Seeded(4, () => randn(4, 3, 32, 32)) * 3) + 1);
        original.eval();
        restored.eval();
        var input = TorchRuntime.Seeded(3, () => randn(2, 3, 32, 32));
        var fresh = restored.call(input);

        store.Save("pt-dddddddddddddddd", original, Spec);
        store.Load("pt-dddddddddddddddd", restored, Spec);

        Assert.False(original.call(input).allclose(fresh));
        Assert.True(original.call(input).equal(restored.call(input)).all().item<bool>());
        Assert.Equal(1L, restored.state_dict()["layer2.0.bn1.num_batches_tracked"].item<long>());
    }

    [Fact]
    public void A_finished_checkpoint_is_never_overwritten()
    {
        var store = new CheckpointStore(_root);
        using var first = TorchRuntime.Seeded(1, () => BackboneRegistry.Create(Spec));
        using var second = TorchRuntime.Seeded(2, () => BackboneRegistry.Create(Spec));

        var a = store.Save("pt-aaaaaaaaaaaaaaaa", first, Spec);
        var b = store.Save("pt-aaaaaaaaaaaaaaaa", second, Spec);

        Assert.Equal(a.Sha256, b.Sha256);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_root, "tmp")));
    }

    [Fact]
    public void A_corrupt_checkpoint_is_rejected_by_its_checksum()
    {
        var store = new CheckpointStore(_root);
        using var model = TorchRuntime.Seeded(1, () => BackboneRegistry.Create(Spec));
        store.Save("pt-bbbbbbbbbbbbbbbb", model, Spec);
        var weights = Path.Combine(store.PathOf("pt-bbbbbbbbbbbbbbbb"), "backbone.dat");
        var bytes = File.ReadAllBytes(weights);
        bytes[^10] ^= 0xFF;
        File.WriteAllBytes(weights, bytes);

        var e = Assert.Throws<JobFailedException>(() => store.Load("pt-bbbbbbbbbbbbbbbb", model, Spec));

        Assert.Equal(FailureKind.CheckpointUnusable, e.Kind);
        Assert.Contains("corrupt", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("flipped")]
    [InlineData("metadata")]
    [InlineData("weights gone")]
    public void A_corrupt_checkpoint_is_moved_aside_so_its_job_can_write_it_again(string damage)
    {
        // Arrange: a finished checkpoint, then damaged.
        var store = new CheckpointStore(_root);
        using var model = TorchRuntime.Seeded(1, () => BackboneRegistry.Create(Spec));
        const string id = "pt-dddddddddddddddd";
        var good = store.Save(id, model, Spec);
        var weights = Path.Combine(store.PathOf(id), "backbone.dat");
        switch (damage)
        {
            case "truncated":
                using (var f = new FileStream(weights, FileMode.Open))
                    f.SetLength(f.Length / 2);
                break;
            case "flipped":
                var bytes = File.ReadAllBytes(weights);
                bytes[bytes.Length / 2] ^= 0x01;
                File.WriteAllBytes(weights, bytes);
                break;
            case "metadata":
                File.WriteAllText(Path.Combine(store.PathOf(id), "checkpoint.json"), "{\"JobId\": ");
                break;
            default:
                File.Delete(weights);
                break;
        }

        // Act
        var e = Assert.Throws<JobFailedException>(() => store.Load(id, model, Spec));

        // Assert: unusable, kept aside for inspection, and the job may write a fresh one.
        Assert.Equal(FailureKind.CheckpointUnusable, e.Kind);
        Assert.Contains($"checkpoint {id} is corrupt", e.Message, StringComparison.Ordinal);
        Assert.Contains("moved aside", e.Message, StringComparison.Ordinal);
        Assert.False(store.Exists(id));
        Assert.Single(Directory.GetDirectories(Path.Combine(_root, "checkpoints"), $"{id}.corrupt-*"));
        using var again = TorchRuntime.Seeded(1, () => BackboneRegistry.Create(Spec));
        var rewritten = store.Save(id, again, Spec);
        Assert.Equal(good.Sha256, rewritten.Sha256);
        store.Load(id, model, Spec);
    }

    [Fact]
    public void A_missing_checkpoint_is_unusable_so_its_job_runs_again()
    {
        var store = new CheckpointStore(_root);
        using var model = TorchRuntime.Seeded(1, () => BackboneRegistry.Create(Spec));

        var e = Assert.Throws<JobFailedException>(() => store.Load("pt-eeeeeeeeeeeeeeee", model, Spec));

        Assert.Equal(FailureKind.CheckpointUnusable, e.Kind);
    }

    [Fact]
    public void A_checkpoint_of_another_architecture_is_rejected()
    {
        var store = new CheckpointStore(_root);
        using var model = TorchRuntime.Seeded(1, () => BackboneRegistry.Create(Spec));
        store.Save("pt-cccccccccccccccc", model, Spec);

        var e = Assert.Throws<JobFailedException>(() => store.Load("pt-cccccccccccccccc", model, Spec with { Width = 0.25 }));

        Assert.Contains("holds", e.Message, StringComparison.Ordinal);
    }
}
