using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using FaceRep.Core.Specs;
using FaceRep.Training.Backbones;
using FaceRep.Training.Checkpoints;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace FaceRep.Training.Tests.Checkpoints;

/// <summary>
/// PyTorch interop against fixtures written by Fixtures/make_fixtures.py with PyTorch 1.13 and
/// torchvision 0.14. Set FACEREP_EXPORT_DIR to keep the exported safetensors for that script's
/// --check-export, which loads them into PyTorch.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class ModelInteropTests : IDisposable
{
    private static readonly BackboneSpec Resnet18Small = new("resnet18", 0.125, 64);
    private static readonly BackboneSpec Resnet50Small = new("resnet50", 0.0625, 64);
    private readonly string _temp = Path.Combine(Path.GetTempPath(), $"facerep-interop-{Guid.NewGuid():N}");

    public ModelInteropTests() => Directory.CreateDirectory(_temp);

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Theory]
    [InlineData("resnet18")]
    [InlineData("resnet50")]
    public void At_width_1_the_backbone_has_torchvisions_keys_and_shapes_except_fc(string arch)
    {
        var torchvision = TorchvisionShapes(arch);
        using var model = BackboneRegistry.Create(new BackboneSpec(arch, 1.0, 224));

        var ours = model.state_dict().ToDictionary(p => p.Key, p => p.Value.shape);

        Assert.Equal(["fc.bias", "fc.weight"], torchvision.Keys.Except(ours.Keys).Order(StringComparer.Ordinal));
        Assert.Empty(ours.Keys.Except(torchvision.Keys));
        Assert.All(ours, p => Assert.True(torchvision[p.Key].SequenceEqual(p.Value), $"{p.Key}: ours [{string.Join(", ", p.Value)}], torchvision [{string.Join(", ", torchvision[p.Key])}]"));
    }

    [Theory]
    [InlineData("resnet18_w0125_release.pth", "resnet18")]
    [InlineData("resnet18_w0125_nested.pth", "resnet18")]
    [InlineData("resnet50_w00625_model.pth", "resnet50")]
    [InlineData("resnet50_w00625.safetensors", "resnet50")]
    public void An_imported_pytorch_checkpoint_reproduces_pytorchs_features(string file, string arch)
    {
        var spec = arch == "resnet18" ? Resnet18Small : Resnet50Small;
        using var model = TorchRuntime.Seeded(1, () => BackboneRegistry.Create(spec));
        using var scope = NewDisposeScope();
        var fixtures = Safetensors.LoadStateDict(Fixture("features.safetensors"));
        var expected = fixtures[arch == "resnet18" ? "resnet18_w0125.features" : "resnet50_w00625.features"];

        var report = ModelInterop.Import(Fixture(file), model);
        var features = Features(model, fixtures["input"]);

        Assert.Empty(report.MissingKeys);
        Assert.Empty(report.ShapeMismatches);
        Assert.Equal(model.state_dict().Count, report.LoadedKeys);
        Assert.Equal(expected.shape, features.shape);
        var relative = (features - expected).abs().max().item<float>() / expected.abs().max().item<float>();
        Assert.True(relative < 1e-5, $"features differ from PyTorch's by {relative:E2} relative");
    }

    [Fact]
    public void A_release_checkpoint_has_its_prefix_stripped_and_its_projector_reported_as_unexpected()
    {
        using var model = BackboneRegistry.Create(Resnet18Small);

        var report = ModelInterop.Import(Fixture("resnet18_w0125_release.pth"), model);

        Assert.Equal(CheckpointFormat.PyTorchZip, report.Format);
        Assert.Null(report.Container);
        Assert.Equal(120, report.LoadedKeys);
        Assert.Equal(new Dictionary<string, int> { ["module.base_net."] = 120, ["module."] = 4 }, report.StrippedPrefixes);
        Assert.Equal(
            ["module.projector.0.bias", "module.projector.0.weight", "module.projector.2.bias", "module.projector.2.weight"],
            report.UnexpectedKeys);
        Assert.Empty(report.MissingKeys);
        Assert.True(report.Complete);
    }

    [Fact]
    public void A_nested_torchvision_state_dict_reports_its_container_and_fc_as_unexpected()
    {
        using var model = BackboneRegistry.Create(Resnet18Small);

        var report = ModelInterop.Import(Fixture("resnet18_w0125_nested.pth"), model);

        Assert.Equal("state_dict", report.Container);
        Assert.Equal("PyTorchZip under 'state_dict'", report.SourceFormat);
        Assert.Empty(report.StrippedPrefixes);
        Assert.Equal(["fc.bias", "fc.weight"], report.UnexpectedKeys);
        Assert.Empty(report.MissingKeys);
    }

    [Fact]
    public void A_pth_and_a_safetensors_of_the_same_weights_load_every_tensor_identically()
    {
        using var fromPth = BackboneRegistry.Create(Resnet50Small);
        using var scope = NewDisposeScope();
        var reference = Safetensors.LoadStateDict(Fixture("resnet50_w00625.safetensors"));

        var report = ModelInterop.Import(Fixture("resnet50_w00625_model.pth"), fromPth);

        Assert.Equal("model", report.Container);
        Assert.Equal(new Dictionary<string, int> { ["module."] = 320 }, report.StrippedPrefixes);
        Assert.Equal(["module.fc.bias", "module.fc.weight"], report.UnexpectedKeys);
        // Every tensor, buffers included: batch-norm statistics and the integer num_batches_tracked.
        Assert.All(fromPth.state_dict(), p =>
        {
            Assert.Equal(reference[p.Key].dtype, p.Value.dtype);
            Assert.True(reference[p.Key].reshape(p.Value.shape).equal(p.Value).all().item<bool>(), p.Key);
        });
        Assert.NotEqual(0L, fromPth.state_dict()["layer3.5.bn2.num_batches_tracked"].item<long>());
    }

    [Fact]
    public void An_exported_backbone_imports_back_with_identical_features()
    {
        using var original = BackboneRegistry.Create(Resnet18Small);
        using var restored = TorchRuntime.Seeded(2, () => BackboneRegistry.Create(Resnet18Small));
        using var scope = NewDisposeScope();
        ModelInterop.Import(Fixture("resnet18_w0125_release.pth"), original);
        var path = Path.Combine(_temp, "resnet18_w0.125.safetensors");
        var input = Safetensors.LoadStateDict(Fixture("features.safetensors"))["input"];

        ModelInterop.ExportSafetensors(original, path);
        var report = ModelInterop.Import(path, restored);
        KeepForPython(path);

        Assert.Equal(CheckpointFormat.Safetensors, report.Format);
        Assert.Empty(report.StrippedPrefixes);
        Assert.Empty(report.MissingKeys);
        Assert.Empty(report.UnexpectedKeys);
        Assert.True(Features(original, input).equal(Features(restored, input)).all().item<bool>());
        Assert.Empty(Directory.GetFiles(_temp, "*.tmp"));
    }

    [Fact]
    public void An_exported_full_width_resnet50_has_torchvisions_names_shapes_and_dtypes()
    {
        var torchvision = TorchvisionShapes("resnet50");
        using var model = TorchRuntime.Seeded(3, () => BackboneRegistry.Create(new BackboneSpec("resnet50", 1.0, 224)));
        var path = Path.Combine(_temp, "resnet50_w1.safetensors");

        ModelInterop.ExportSafetensors(model, path);
        var header = SafetensorsHeader(path);
        KeepForPython(path);

        Assert.Equal(torchvision.Keys.Where(k => !k.StartsWith("fc.", StringComparison.Ordinal)).Order(StringComparer.Ordinal), header.Keys.Order(StringComparer.Ordinal));
        Assert.All(header, e =>
        {
            Assert.Equal(torchvision[e.Key], e.Value.Shape);
            Assert.Equal(e.Key.EndsWith(".num_batches_tracked", StringComparison.Ordinal) ? "I64" : "F32", e.Value.DType);
        });
        var offsets = header.Values.Select(e => e.Offsets).OrderBy(o => o[0]).ToList();
        Assert.Equal(0, offsets[0][0]);
        Assert.All(offsets.Zip(offsets.Skip(1)), pair => Assert.Equal(pair.First[1], pair.Second[0]));
    }

    [Fact]
    public void A_legacy_format_file_is_rejected_with_advice_to_resave_it()
    {
        using var model = BackboneRegistry.Create(Resnet18Small);
        var path = Fixture("legacy.pth");

        var e = Assert.Throws<CheckpointImportException>(() => ModelInterop.Import(path, model));

        Assert.Equal(path, e.File);
        Assert.StartsWith(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("legacy", e.Message, StringComparison.Ordinal);
        Assert.Contains("torch.save(", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_whose_keys_match_nothing_is_rejected_and_loads_nothing()
    {
        using var model = BackboneRegistry.Create(Resnet18Small);
        var before = Snapshot(model);
        var path = Fixture("unrelated.pth");

        var e = Assert.Throws<CheckpointImportException>(() => ModelInterop.Import(path, model));

        Assert.StartsWith(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("none of its 2 tensor names matches", e.Message, StringComparison.Ordinal);
        Assert.Contains("decoder.weight, encoder.weight", e.Message, StringComparison.Ordinal);
        Assert.Contains("conv1.weight", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, e.Report?.LoadedKeys);
        AssertUnchanged(before, model);
    }

    [Fact]
    public void A_checkpoint_of_another_width_is_rejected_naming_the_mismatched_keys()
    {
        using var wider = TorchRuntime.Seeded(4, () => BackboneRegistry.Create(Resnet18Small with { Width = 0.25 }));
        using var model = BackboneRegistry.Create(Resnet18Small);
        var before = Snapshot(model);
        var path = Path.Combine(_temp, "resnet18_w0.25.safetensors");
        ModelInterop.ExportSafetensors(wider, path);

        var e = Assert.Throws<CheckpointImportException>(() => ModelInterop.Import(path, model));

        Assert.StartsWith(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("conv1.weight: file [16, 3, 7, 7], backbone [8, 3, 7, 7]", e.Message, StringComparison.Ordinal);
        Assert.Equal("conv1.weight", e.Report?.ShapeMismatches[0].Key);
        AssertUnchanged(before, model);
    }

    [Fact]
    public void A_file_in_no_checkpoint_format_is_rejected()
    {
        using var model = BackboneRegistry.Create(Resnet18Small);
        var path = Path.Combine(_temp, "notes.pth");
        File.WriteAllText(path, "not a checkpoint");

        var e = Assert.Throws<CheckpointImportException>(() => ModelInterop.Import(path, model));

        Assert.Contains("neither a torch.save zip file", e.Message, StringComparison.Ordinal);
    }

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Checkpoints", "Fixtures", name);

    private static Tensor Features(ResNet model, Tensor input)
    {
        model.eval();
        using var _ = no_grad();
        return model.call(input);
    }

    private static Dictionary<string, long[]> TorchvisionShapes(string arch)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Fixture("torchvision_resnet_keys.json")));
        return json.RootElement.GetProperty("models").GetProperty(arch).EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(d => d.GetInt64()).ToArray(), StringComparer.Ordinal);
    }

    private sealed record HeaderEntry(string DType, long[] Shape, long[] Offsets);

    /// <summary>The safetensors header, read by hand so the test does not trust the writer's own reader.</summary>
    private static Dictionary<string, HeaderEntry> SafetensorsHeader(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> size = stackalloc byte[8];
        stream.ReadExactly(size);
        var text = new byte[checked((int)BinaryPrimitives.ReadUInt64LittleEndian(size))];
        stream.ReadExactly(text);
        using var json = JsonDocument.Parse(Encoding.UTF8.GetString(text));
        return json.RootElement.EnumerateObject()
            .Where(p => p.Name != "__metadata__")
            .ToDictionary(
                p => p.Name,
                p => new HeaderEntry(
                    p.Value.GetProperty("dtype").GetString()!,
                    p.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray(),
                    p.Value.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray()),
                StringComparer.Ordinal);
    }

    private static Dictionary<string, Tensor> Snapshot(ResNet model) =>
        model.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone(), StringComparer.Ordinal);

    private static void AssertUnchanged(Dictionary<string, Tensor> before, ResNet model)
    {
        Assert.All(model.state_dict(), p => Assert.True(before[p.Key].equal(p.Value).all().item<bool>(), p.Key));
        foreach (var t in before.Values)
            t.Dispose();
    }

    private static void KeepForPython(string path)
    {
        var directory = Environment.GetEnvironmentVariable("FACEREP_EXPORT_DIR");
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
            File.Copy(path, Path.Combine(directory, Path.GetFileName(path)), overwrite: true);
        }
    }
}
