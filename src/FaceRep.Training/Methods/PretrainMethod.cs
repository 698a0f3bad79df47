using FaceRep.Core.Experiments;
using FaceRep.Core.Specs;
using FaceRep.Data;
using FaceRep.Training.Backbones;
using FaceRep.Training.Optimisers;
using FaceRep.Training.Distributed;
using FaceRep.Training.Monitoring;
using FaceRep.Training.Runs;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceRep.Training.Methods;

/// <summary>One training step's inputs, as tensors in the step's dispose scope.</summary>
/// <param name="Views">Per view, the normalised images (B, 3, R, R).</param>
/// <param name="Identities">Identity labels (B), int64, when the data has them.</param>
/// <param name="Step">0-based step.</param>
/// <param name="TotalSteps">Steps in the run.</param>
/// <param name="Rng">The step's generator, for anything random a method draws (MoCo's batch shuffle).</param>
public sealed record PretrainBatch(IReadOnlyList<Tensor> Views, Tensor? Identities, long Step, long TotalSteps, Random Rng);

/// <summary>
/// A method's trainable parts beyond the backbone (heads, prototypes, target networks) and its
/// loss. Lives for one run; long-lived tensors (queues, EMA weights) are created outside any
/// dispose scope and released in <see cref="IDisposable.Dispose"/>.
/// </summary>
public abstract class PretrainObjective : IDisposable
{
    /// <summary>Parameters the optimiser updates besides the backbone's.</summary>
    public abstract IEnumerable<Parameter> Parameters { get; }

    /// <summary>Sets training mode on the method's modules.</summary>
    public abstract void Train();

    /// <summary>
    /// Moves every module and tensor of the method (built on the CPU) to the job's first device, before the
    /// optimiser is made; a later step creates anything new on the device of its inputs.
    /// </summary>
    public abstract void MoveTo(Device device);

    /// <summary>
    /// The step's loss; called inside the step's dispose scope. <paramref name="encode"/> runs the
    /// backbone (split over the job's devices when it has several) and returns pooled features.
    /// </summary>
    public abstract Tensor Loss(Func<Tensor, Tensor> encode, PretrainBatch batch);

    /// <summary>After backward, before the optimiser step (SwAV freezes its prototypes here).</summary>
    public virtual void BeforeUpdate(long step)
    {
    }

    /// <summary>After the optimiser step (EMA targets, prototype normalisation).</summary>
    public virtual void AfterUpdate(ResNet backbone, long step, long totalSteps)
    {
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the method's modules and tensors.</summary>
    protected abstract void Dispose(bool disposing);
}

/// <summary>Optimiser and schedule settings every training method reads from its options.</summary>
/// <param name="Optimizer">adamw, sgd or lars.</param>
/// <param name="WeightDecay">Weight decay.</param>
/// <param name="Momentum">SGD/LARS momentum.</param>
/// <param name="Trust">LARS trust coefficient.</param>
/// <param name="WarmupEpochs">Linear warm-up length in epochs (may be fractional).</param>
/// <param name="WarmupStart">Learning rate at the start of the warm-up, as a fraction of the peak.</param>
/// <param name="FinalLr">Learning rate at the end of the cosine decay, as a fraction of the peak.</param>
/// <param name="SyncBatchNorm">With <c>devices: k &gt; 1</c>, normalise every device's share of a batch with the whole batch's statistics (the paper's SyncBN).</param>
public sealed record TrainerSettings(string Optimizer, double WeightDecay, double Momentum, double Trust, double WarmupEpochs, double WarmupStart, double FinalLr, bool SyncBatchNorm = false)
{
    /// <summary>Reads the common options; the defaults suit small CPU runs (AdamW), a paper profile sets LARS.</summary>
    public static TrainerSettings Read(OptionReader options)
    {
        var epochs = Math.Max(1, options.Config.Epochs);
        var sync = options.Flag("sync_batch_norm", false);
        if (sync && options.Config.Devices < 2)
            options.Problem("option sync_batch_norm: true needs devices: 2 or more; on one device batch norm already sees the whole batch");
        return new TrainerSettings(
            options.Choice("optimizer", "adamw", "adamw", "sgd", "lars"),
            options.Number("weight_decay", 1e-4, 0, 1),
            options.Number("momentum", 0.9, 0, 0.999),
            options.Number("trust", 0.001, 0, 1, exclusiveMin: true),
            options.Number("warmup_epochs", 0.1 * epochs, 0, epochs),
            options.Number("warmup_start", 0, 0, 1),
            options.Number("final_lr", 0, 0, 1),
            sync);
    }

    /// <summary>Creates the optimiser.</summary>
    public IOptimiser Create(IEnumerable<Parameter> parameters, double lr) => Optimizer switch
    {
        "sgd" => new Sgd(parameters, lr, Momentum, WeightDecay),
        "lars" => new Sgd(parameters, lr, Momentum, WeightDecay, new Larc(Trust)),
        _ => new Optimisers.AdamW(parameters, lr, weightDecay: WeightDecay),
    };
}

/// <summary>A method that trains: it can open a step-by-step session on in-memory data.</summary>
public interface ITrainingMethod : IPretrainMethod
{
    /// <summary>
    /// Creates the backbone, the method's modules and the optimiser for a run over
    /// <paramref name="data"/>, ready to take steps.
    /// </summary>
    /// <exception cref="JobFailedException">The configuration is invalid for this method.</exception>
    PretrainSession Open(PretrainConfig config, RunContext context, PretrainData data);
}

/// <summary>
/// One run of a training method, a step at a time: the backbone (replicated over the job's
/// devices), the method's objective, the optimiser and the learning-rate schedule. Each
/// <see cref="Step"/> is one dispose scope: tensors in, one update, the loss out.
/// </summary>
public sealed class PretrainSession : IDisposable
{
    private readonly PretrainConfig _config;
    private readonly Replicas<ResNet> _replicas;
    private readonly PretrainObjective _objective;
    private readonly IOptimiser _optimizer;
    private readonly TrainerSettings _trainer;
    private readonly Dictionary<int, long>? _classes;
    private readonly PretrainData _data;
    private readonly long[]? _identities;
    private readonly long _warmup;
    private readonly Device _device;
    private ResNet? _backbone;

    internal PretrainSession(PretrainConfig config, ResNet backbone, Replicas<ResNet> replicas, PretrainObjective objective, IOptimiser optimizer,
        TrainerSettings trainer, ViewPlan plan, PretrainData data, bool needsIdentities)
    {
        _config = config;
        _backbone = backbone;
        _replicas = replicas;
        _objective = objective;
        _optimizer = optimizer;
        _trainer = trainer;
        _data = data;
        _device = replicas.Primary;
        Plan = plan;
        StepsPerEpoch = Math.Max(1, data.Count / config.Batch);
        TotalSteps = (long)StepsPerEpoch * config.Epochs;
        _warmup = (long)Math.Round(trainer.WarmupEpochs * StepsPerEpoch);
        if (needsIdentities)
        {
            _classes = IdentityIndex(data);
            _identities = new long[config.Batch];
        }

        _replicas.Train();
        _objective.Train();
    }

    /// <summary>The views each step needs.</summary>
    public ViewPlan Plan { get; }

    /// <summary>Steps per pass over the data.</summary>
    public int StepsPerEpoch { get; }

    /// <summary>Steps of the whole run (the schedule's length).</summary>
    public long TotalSteps { get; }

    /// <summary>The learning rate of the latest step.</summary>
    public double LearningRate => _optimizer.LearningRate;

    /// <summary>The backbone being trained.</summary>
    public ResNet Backbone => _backbone ?? throw new ObjectDisposedException(nameof(PretrainSession));

    /// <summary>
    /// One training step on a batch of views (from a <see cref="ViewPipeline"/> over the same plan
    /// and batch size); returns the loss before the update.
    /// </summary>
    public double Step(ViewBatch views, long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        var r = _config.Backbone.Input;
        var batch = views.Indices.Length;
        using var scope = NewDisposeScope();
        var tensors = new Tensor[Plan.Count];
        for (var v = 0; v < Plan.Count; v++)
        {
            var size = Plan.ResolutionOf(v, r);
            tensors[v] = JobDevices.Stage(Pixels.Normalised(views.Views[v], [batch, 3, size, size], 0, _config.Backbone.Normalisation), _device);
        }

        Tensor? labels = null;
        if (_identities is not null)
        {
            for (var i = 0; i < batch; i++)
                _identities[i] = _classes![_data.Identities[views.Indices[i]]];
            labels = JobDevices.Stage(tensor(_identities, device: JobDevices.Cpu), _device);
        }

        var input = new PretrainBatch(tensors, labels, step, TotalSteps, new Random(unchecked((int)(step * 31) + 5)));
        var loss = _objective.Loss(_replicas.Forward, input);
        _optimizer.ZeroGrad();
        loss.backward();
        _replicas.ReduceGradients();
        _objective.BeforeUpdate(step);
        _optimizer.LearningRate = _config.LearningRate * Schedules.WarmupCosine(step, TotalSteps, _warmup, _trainer.WarmupStart, 1, _trainer.FinalLr);
        _optimizer.Step();
        _replicas.Broadcast();
        _objective.AfterUpdate(_replicas.Master, step, TotalSteps);
        return loss.item<float>();
    }

    /// <summary>Hands the trained backbone to the caller, who then owns (and disposes) it.</summary>
    public ResNet TakeBackbone()
    {
        var backbone = Backbone;
        _backbone = null;
        return backbone;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _optimizer.Dispose();
        _replicas.Dispose();
        _objective.Dispose();
        _backbone?.Dispose();
        _backbone = null;
    }

    /// <summary>Maps identity labels to 0..C−1 in order of first appearance in the data.</summary>
    internal static Dictionary<int, long> IdentityIndex(PretrainData data)
    {
        var index = new Dictionary<int, long>();
        foreach (var id in data.Identities)
            index.TryAdd(id, index.Count);
        return index;
    }
}

/// <summary>
/// The shared part of every training method: reads and validates options, renders the data,
/// runs the step loop (one dispose scope per step, cancellation, learning-rate schedule,
/// divergence check, progress) and leaves the method only its views, modules and loss.
/// </summary>
/// <typeparam name="TSettings">The method's own settings.</typeparam>
public abstract class PretrainMethod<TSettings> : ITrainingMethod
    where TSettings : class
{
    /// <inheritdoc />
    public abstract string Name { get; }

    /// <inheritdoc />
    public bool Trains => true;

    /// <summary>True when the method needs identity labels (supervised).</summary>
    protected virtual bool NeedsIdentities => false;

    /// <summary>Smallest batch the loss makes sense for.</summary>
    protected virtual int MinBatch => 2;

    /// <summary>
    /// True when the method learns from augmented views, so it takes the view options
    /// <c>crop_min</c>, <c>jitter</c>, <c>jitter_p</c> and <c>grayscale</c> (see <see cref="ViewAugmentation"/>).
    /// </summary>
    protected virtual bool TakesViewOptions => true;

    /// <summary>False when the method sets its crops' areas with options of its own (SwAV's multi-crop scales).</summary>
    protected virtual bool TakesCropMin => true;

    /// <inheritdoc />
    public IReadOnlyList<string> Validate(PretrainConfig config) => Read(config).Problems;

    /// <inheritdoc />
    public ResNet Train(PretrainConfig config, RunContext context)
    {
        Check(config);
        context.Report(0, "generating pre-training images");
        using var data = PretrainData.Load(config, context.Datasets);
        using var session = Open(config, context, data);
        using var pipeline = new ViewPipeline(data, session.Plan, config.Batch, config.Epochs, context.Threads);
        var total = session.TotalSteps;
        // Watched as solo-learn watches its runs: the loss, learning rate and speed, and an online
        // k-NN identity accuracy on a held-out set, the untrained backbone's first.
        var knn = IdentityKnn.For(config.Backbone.Input);
        var curve = new CurveRecorder(CurvePhases.Pretrain, total, config.Batch);
        context.Record(curve.Start(knn.Measure(session.Backbone, config.Backbone.Normalisation)), 0, $"{Name} epoch 1/{config.Epochs}");
        for (long step = 0; step < total; step++)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            var loss = session.Step(pipeline.Next(), step);
            if (!double.IsFinite(loss))
                throw new JobFailedException(FailureKind.Diverged, $"{Name} loss became {loss} at step {step + 1} of {total}");
            var stage = $"{Name} epoch {(step / session.StepsPerEpoch) + 1}/{config.Epochs}";
            if (curve.Step(step, loss, session.LearningRate, () => knn.Measure(session.Backbone, config.Backbone.Normalisation)) is { } point)
                context.Record(point, (double)(step + 1) / total, stage);
        }

        return session.TakeBackbone();
    }

    /// <inheritdoc />
    public PretrainSession Open(PretrainConfig config, RunContext context, PretrainData data)
    {
        var (settings, trainer, views) = Check(config);
        if (NeedsIdentities && data.Identities.Any(i => i < 0))
            throw new JobFailedException(FailureKind.Deterministic, $"{Name} pre-training needs identity labels; dataset '{config.Dataset}' has images without one");
        if (data.Count < config.Batch || data.Resolution != config.Backbone.Input)
            throw new ArgumentException($"the data ({data.Count} images of {data.Resolution}px) does not fit the configuration ({config.Batch} per batch, {config.Backbone.Input}px)", nameof(data));

        var devices = JobDevices.Of(context.Devices);
        var plan = Views(settings, config) with { Augmentation = views };
        var totalSteps = (long)Math.Max(1, data.Count / config.Batch) * config.Epochs;
        var backbone = TorchRuntime.Seeded(0, () => BackboneRegistry.Create(config.Backbone));
        PretrainObjective? objective = null;
        Replicas<ResNet>? replicas = null;
        try
        {
            objective = TorchRuntime.Seeded(1, () => CreateObjective(backbone, settings, config, data, totalSteps));
            // Built on the CPU (the same initial weights whatever the device), then moved; the optimiser is made after, on the device.
            JobDevices.Move(backbone, devices[0]);
            objective.MoveTo(devices[0]);
            // Replicas start as copies of the master; the lock only keeps their initialisation off other jobs' seeded draws.
            replicas = TorchRuntime.Seeded(2, () => new Replicas<ResNet>(backbone, devices, () => BackboneRegistry.Create(config.Backbone), trainer.SyncBatchNorm, Math.Max(1, context.Threads / devices.Length)));
            var optimizer = trainer.Create(backbone.parameters().Concat(objective.Parameters), config.LearningRate);
            return new PretrainSession(config, backbone, replicas, objective, optimizer, trainer, plan, data, NeedsIdentities);
        }
        catch
        {
            replicas?.Dispose();
            objective?.Dispose();
            backbone.Dispose();
            throw;
        }
    }

    /// <summary>Reads the method's settings from the options, adding a problem for each bad one.</summary>
    protected abstract TSettings ReadSettings(OptionReader options);

    /// <summary>The views of each image the method trains on.</summary>
    protected abstract ViewPlan Views(TSettings settings, PretrainConfig config);

    /// <summary>Creates the method's modules for a run (under a fixed libtorch seed).</summary>
    protected abstract PretrainObjective CreateObjective(ResNet backbone, TSettings settings, PretrainConfig config, PretrainData data, long totalSteps);

    private (TSettings Settings, TrainerSettings Trainer, ViewAugmentation Views) Check(PretrainConfig config)
    {
        var (settings, trainer, views, problems) = Read(config);
        if (problems.Count > 0)
            throw new JobFailedException(FailureKind.Deterministic, string.Join("; ", problems));
        return (settings, trainer, views);
    }

    private (TSettings Settings, TrainerSettings Trainer, ViewAugmentation Views, IReadOnlyList<string> Problems) Read(PretrainConfig config)
    {
        var options = new OptionReader(config);
        var trainer = TrainerSettings.Read(options);
        var settings = ReadSettings(options);
        var views = ReadViews(options);
        if (config.Dataset is null || (!config.IsImportedDataset && !SynthFaceCatalog.IsKnown(config.Dataset)))
            options.Problem($"dataset '{config.Dataset}' is not available; available: {string.Join(", ", SynthFaceCatalog.PretrainDatasets)}");
        else if (NeedsIdentities && config.Dataset == SynthFaceCatalog.Uncurated)
            options.Problem($"{Name} pre-training needs identity labels, and '{config.Dataset}' has none");
        if (config.Batch < MinBatch)
            options.Problem($"batch {config.Batch} is too small: {Name} needs at least {MinBatch} images per batch");
        if (config.Batch > config.Images && config.Images != PretrainSpec.AllImages)
            options.Problem($"batch {config.Batch} is larger than the {config.Images} pre-training images");
        if (config.Epochs < 1)
            options.Problem($"epochs {config.Epochs} must be at least 1");
        if (config.Devices > 1 && config.Batch < 2 * config.Devices)
            options.Problem($"batch {config.Batch} is too small for {config.Devices} devices: each device's share of a batch needs at least 2 images for batch norm");
        return (settings, trainer, views, options.Finish());
    }

    private ViewAugmentation ReadViews(OptionReader options)
    {
        if (!TakesViewOptions)
            return ViewAugmentation.Default;
        var fallback = ViewAugmentation.Default;
        return new ViewAugmentation(
            TakesCropMin ? options.Number("crop_min", fallback.MinArea, 0, 1, exclusiveMin: true) : fallback.MinArea,
            options.Number("jitter", fallback.Jitter, 0, 0.95),
            options.Number("jitter_p", fallback.JitterProbability, 0, 1),
            options.Number("grayscale", fallback.GrayscaleProbability, 0, 1));
    }
}
