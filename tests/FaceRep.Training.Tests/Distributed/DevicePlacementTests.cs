using System.Collections;
using System.Reflection;
using FaceRep.Core.Experiments;
using FaceRep.Core.Metrics;
using FaceRep.Core.Specs;
using FaceRep.Data;
using FaceRep.Training.Backbones;
using FaceRep.Training.Methods;
using FaceRep.Training.Runs;
using FaceRep.Training.Tasks;
using TorchSharp;
using static TorchSharp.torch;

namespace FaceRep.Training.Tests.Distributed;

/// <summary>
/// Training follows the job's device, checked without a GPU in two ways. libtorch's <c>meta</c> device
/// has shapes and no data, and this libtorch has no meta kernels for convolution, batch norm or ReLU,
/// so no step runs on it whole. (1) Placement: a session or head opened on <c>meta</c> holds every
/// tensor it reaches (modules, queues, targets, optimiser state) on <c>meta</c>, and a step's batch
/// reaches the first convolution on <c>meta</c>. (2) Creation: real steps on the CPU with libtorch's
/// default device set to <c>meta</c>, so any tensor a step makes without naming its device lands on
/// <c>meta</c> and the step fails. Not covered here: real copies to a GPU, its numerics, and several
/// GPUs running at once.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class DevicePlacementTests
{
    private static readonly BackboneSpec Tiny = new("resnet18", 0.125, 32);
    internal static readonly Device MetaDevice = new(DeviceType.META, -1);
    private static readonly Device Meta = MetaDevice;

    public static TheoryData<string> TrainingMethods => ["supervised", "simclr", "moco", "swav", "byol", "barlow"];

    public static TheoryData<string> Tasks => ["recognition", "landmarks", "au", "emotion", "landmarks3d"];

    private static PretrainConfig Config(string method, int devices = 1) =>
        new(method, "synth-curated", Tiny, 1, 32, 16, 1e-3, 0.2, method == "moco" ? new MethodOptions([KeyValuePair.Create("queue", "64")]) : null, Devices: devices);

    [Theory]
    [MemberData(nameof(TrainingMethods))]
    public void A_pretraining_session_on_meta_holds_every_tensor_there_and_stages_its_batch_there(string method)
    {
        var config = Config(method);
        using var data = PretrainData.Load(config);
        var trainer = (ITrainingMethod)PretrainMethods.Get(method);
        using var session = trainer.Open(config, new RunContext { JobId = config.Id, Devices = ["meta"] }, data);

        var tensors = TensorWalk.Find(session);
        var backboneTensors = session.Backbone.parameters().Count() + session.Backbone.buffers().Count();
        Assert.True(tensors.Count > backboneTensors, $"{method}: the walk found {tensors.Count} tensors, the backbone alone has {backboneTensors}");
        var elsewhere = tensors.Where(t => !t.Tensor.IsOn(Meta)).Select(t => $"{t.Path} on {t.Tensor.device}").ToList();
        Assert.True(elsewhere.Count == 0, $"{method}: not on the job's device: {string.Join("; ", elsewhere.Take(10))}");

        // The batch is staged onto the device: the first convolution sees meta input and meta weights, and
        // fails only because this libtorch has no meta convolution (a CPU batch fails on the device mismatch).
        using var pipeline = new ViewPipeline(data, session.Plan, config.Batch, config.Epochs, 1);
        var e = Assert.ThrowsAny<Exception>(() => session.Step(pipeline.Next(), 0));
        Assert.True(IsMissingMetaKernel(e), e.Message);
    }

    [Theory]
    [MemberData(nameof(TrainingMethods))]
    public void Pretraining_steps_make_every_tensor_on_the_jobs_device(string method)
    {
        var config = Config(method);
        var losses = new List<double>();
        var context = new RunContext { JobId = config.Id, Threads = 2, Progress = p => { if (p.Loss is { } l) losses.Add(l); } };

        using (DefaultDevice.Meta())
        {
            using var backbone = PretrainMethods.Get(method).Train(config, context);
            Assert.All(backbone.parameters(), p => Assert.True(p.IsOn(JobDevices.Cpu)));
        }

        Assert.NotEmpty(losses);
        Assert.All(losses, l => Assert.True(double.IsFinite(l), $"{method} reported loss {l}"));
    }

    [Fact]
    public void Data_parallel_steps_with_synchronised_batch_norm_make_every_tensor_on_the_jobs_devices()
    {
        var config = Config("moco", devices: 2) with { Options = new MethodOptions([KeyValuePair.Create("queue", "64"), KeyValuePair.Create("sync_batch_norm", "true")]) };
        var context = new RunContext { JobId = config.Id, Threads = 2, Devices = ["cpu", "cpu"] };

        using (DefaultDevice.Meta())
        {
            using var backbone = PretrainMethods.Get("moco").Train(config, context);
            Assert.All(backbone.parameters(), p => Assert.False(p.isnan().any().item<bool>()));
        }
    }

    [Theory]
    [MemberData(nameof(Tasks))]
    public void A_task_head_on_meta_holds_every_tensor_there_and_its_step_never_mixes_devices(string name)
    {
        var task = TaskRunner.Get(name);
        var splits = SynthFaceCatalog.OpenTask(name, 40, 10, 10, 32, 0);
        var train = TaskData.Load(splits.Train, [.. Enumerable.Range(0, splits.Train.Count)], task);
        var subset = Enumerable.Range(0, train.Count).ToArray();
        long[] featureShape = task.Input == HeadInput.Map ? [32, 1, 1] : [32];
        using var head = TorchRuntime.Seeded(1, () => task.CreateHead(featureShape, train, subset));

        head.MoveTo(Meta);

        var tensors = TensorWalk.Find(head);
        Assert.NotEmpty(tensors);
        var elsewhere = tensors.Where(t => !t.Tensor.IsOn(Meta)).Select(t => $"{t.Path} on {t.Tensor.device}").ToList();
        Assert.True(elsewhere.Count == 0, $"{name}: not on the job's device: {string.Join("; ", elsewhere)}");
        using var optimizer = new Training.Optimisers.AdamW(head.Parameters, 1e-3);
        var state = TensorWalk.Find(optimizer);
        Assert.NotEmpty(state);
        Assert.All(state, t => Assert.True(t.Tensor.IsOn(Meta), $"{name}: optimiser state {t.Path} on {t.Tensor.device}"));

        // As far as this libtorch's meta kernels go, the head's forward, loss and decoding run on meta; where
        // a kernel is missing the step stops there, never on tensors of two devices.
        using var scope = NewDisposeScope();
        var features = empty([4, .. featureShape], device: Meta);
        var labels = empty(4, task.LabelWidth, device: Meta);
        try
        {
            var output = head.Forward(features);
            Assert.True(head.Loss(output, labels).IsOn(Meta));
            Assert.True(head.Decode(output).IsOn(Meta));
        }
        catch (Exception e) when (IsMissingMetaKernel(e))
        {
        }
    }

    [Theory]
    [InlineData("recognition", "linear")]
    [InlineData("recognition", "finetune")]
    [InlineData("landmarks", "linear")]
    [InlineData("landmarks", "finetune")]
    [InlineData("au", "linear")]
    [InlineData("au", "finetune")]
    [InlineData("emotion", "linear")]
    [InlineData("emotion", "finetune")]
    [InlineData("landmarks3d", "linear")]
    [InlineData("landmarks3d", "finetune")]
    public void Task_training_and_evaluation_make_every_tensor_on_the_jobs_device(string task, string protocol)
    {
        var scratch = PretrainConfig.From(new PretrainSpec("synth-curated", "scratch", 0, 0, 0, 0, 0), Tiny);
        var config = new EvaluateConfig(scratch, task, protocol, 1, 0, TaskTrain: 48, TaskTest: 24, Steps: 3, Batch: 8, LearningRate: 1e-3);
        using var backbone = TorchRuntime.Seeded(0, () => BackboneRegistry.Create(Tiny));

        IReadOnlyDictionary<string, double> metrics;
        using (DefaultDevice.Meta())
            metrics = TaskRunner.Run(config, backbone, new RunContext { JobId = config.Id, Threads = 2 }, out _);

        Assert.True(double.IsFinite(metrics[MetricDefinitions.TrainLoss.Name]));
        Assert.True(metrics.Count > 5, string.Join(", ", metrics.Keys));
    }

    [Fact]
    public void The_default_device_check_catches_a_tensor_made_without_a_device()
    {
        // The check itself: under it, a tensor made without naming a device meets the CPU's and fails.
        using var cpu = ones(3, device: JobDevices.Cpu);
        using (DefaultDevice.Meta())
        {
            using var stray = ones(3);
            Assert.True(stray.IsOn(Meta));
            Assert.ThrowsAny<Exception>(() => cpu.add(stray));
        }

        using var after = ones(3);
        Assert.True(after.IsOn(JobDevices.Cpu));
    }

    [Fact]
    public void Devices_are_the_same_by_kind_and_index_not_by_object()
    {
        using var a = ones(2);
        using var b = zeros(2);

        Assert.True(JobDevices.Same(a.device, b.device));
        Assert.True(JobDevices.Same(new Device(DeviceType.CPU, -1), new Device(DeviceType.CPU, 0)));
        Assert.False(JobDevices.Same(a.device, Meta));
        Assert.False(JobDevices.Same(new Device(DeviceType.CUDA, 0), new Device(DeviceType.CUDA, 1)));
        Assert.True(JobDevices.Same(new Device(DeviceType.CUDA, 1), new Device(DeviceType.CUDA, 1)));
    }

    [Theory]
    [InlineData("tpu", "not a libtorch device")]
    [InlineData("cuda:x", "must be a number")]
    [InlineData("cuda:99", "libtorch sees")]
    public void A_device_this_process_cannot_use_is_refused_by_name(string name, string reason)
    {
        var e = Assert.Throws<JobFailedException>(() => JobDevices.Of([name]));

        Assert.Contains($"'{name}'", e.Message, StringComparison.Ordinal);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A step on meta stopped where this libtorch has no meta kernel (convolution reaches
    /// <c>convolution_overrideable</c>; others say they have no Meta kernel), not on tensors of two devices.
    /// </summary>
    private static bool IsMissingMetaKernel(Exception e) =>
        !e.Message.Contains("same device", StringComparison.Ordinal)
        && !e.Message.Contains("should be the same", StringComparison.Ordinal)
        && (e.Message.Contains("convolution_overrideable", StringComparison.Ordinal)
            || e.Message.Contains("Meta kernel", StringComparison.Ordinal)
            || e.Message.Contains("Meta tensors", StringComparison.Ordinal));

    /// <summary>libtorch's default device set to <c>meta</c> for a block, and back to the CPU after.</summary>
    private sealed class DefaultDevice : IDisposable
    {
        private DefaultDevice() => set_default_device(DevicePlacementTests.MetaDevice);

        public static DefaultDevice Meta() => new();

        public void Dispose() => set_default_device(JobDevices.Cpu);
    }
}

/// <summary>Every tensor an object holds, found by walking its fields (into modules, collections, tuples and this project's types).</summary>
internal static class TensorWalk
{
    public static List<(string Path, Tensor Tensor)> Find(object root)
    {
        var found = new List<(string, Tensor)>();
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        Walk(root, root.GetType().Name, found, seen);
        return found;
    }

    private static void Walk(object? value, string path, List<(string, Tensor)> found, HashSet<object> seen)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || !seen.Add(value))
            return;
        switch (value)
        {
            case Tensor tensor:
                if (!tensor.IsInvalid)
                    found.Add((path, tensor));
                return;
            case nn.Module module:
                foreach (var (name, p) in module.named_parameters())
                    Walk(p, $"{path}.{name}", found, seen);
                foreach (var (name, b) in module.named_buffers())
                    Walk(b, $"{path}.{name}", found, seen);
                return;
            case IDictionary dictionary:
                foreach (DictionaryEntry entry in dictionary)
                    Walk(entry.Value, $"{path}[{entry.Key}]", found, seen);
                return;
            case IEnumerable items when value is Array || value.GetType().Namespace?.StartsWith("System.Collections", StringComparison.Ordinal) == true:
                var i = 0;
                foreach (var item in items)
                    Walk(item, $"{path}[{i++}]", found, seen);
                return;
        }

        var type = value.GetType();
        var ours = type.Namespace?.StartsWith("FaceRep.Training", StringComparison.Ordinal) == true;
        var tuple = type.IsGenericType && type.FullName!.StartsWith("System.ValueTuple", StringComparison.Ordinal);
        if (!ours && !tuple)
            return;
        for (var t = type; t is not null && t != typeof(object); t = t.BaseType)
        {
            foreach (var field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                if (field.FieldType.IsPrimitive || field.FieldType == typeof(string) || typeof(Delegate).IsAssignableFrom(field.FieldType))
                    continue;
                // The host-side data a session trains on holds images, not tensors of the job.
                if (field.FieldType == typeof(PretrainData))
                    continue;
                Walk(field.GetValue(value), $"{path}.{field.Name}", found, seen);
            }
        }
    }
}
