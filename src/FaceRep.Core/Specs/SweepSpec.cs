using FaceRep.Core.Experiments;

namespace FaceRep.Core.Specs;

/// <summary>A validated sweep: the grid a researcher asked for, with every default resolved.</summary>
/// <param name="Name">The sweep's name (letters, digits, '-', '_', '.').</param>
/// <param name="Backbone">The backbone every job of the sweep uses.</param>
/// <param name="Pretrain">Pre-training sources after cartesian expansion of list-valued fields.</param>
/// <param name="Tasks">Downstream tasks on SynthFace (a plain task name in the spec's <c>tasks</c>).</param>
/// <param name="Shots">Fractions of each task's training split, each in (0, 1].</param>
/// <param name="Seeds">Seeds for few-shot sampling and head initialisation.</param>
/// <param name="Protocols">Fine-tuning protocols.</param>
/// <param name="Scale">Data sizes and training budgets shared by the sweep.</param>
/// <param name="Priority">Scheduling priority; higher runs first.</param>
public sealed record SweepSpec(
    string Name,
    BackboneSpec Backbone,
    IReadOnlyList<PretrainSpec> Pretrain,
    IReadOnlyList<string> Tasks,
    IReadOnlyList<double> Shots,
    IReadOnlyList<int> Seeds,
    IReadOnlyList<string> Protocols,
    ScaleSpec Scale,
    int Priority)
{
    /// <summary>Which kind of device each stage's jobs run on (placement only: not part of any job's id).</summary>
    public PlacementSpec Placement { get; init; } = PlacementSpec.Anywhere;

    /// <summary>The ceiling reference the sweep also runs, or null (the default) for none.</summary>
    public CeilingSpec? Ceiling { get; init; }

    /// <summary>Tasks on imported benchmarks (<c>{task: landmarks, benchmark: 300w}</c> in <c>tasks</c>).</summary>
    public IReadOnlyList<BenchmarkTaskSpec> Benchmarks { get; init; } = [];
}

/// <summary>A task measured on an imported benchmark, in its official protocol.</summary>
/// <param name="Task">The task (it must be the benchmark's).</param>
/// <param name="Benchmark">The benchmark's name: its directory under a dataset root.</param>
/// <param name="Content">Its content hash, once the name is resolved (part of the job id, in place of the name).</param>
/// <param name="Kind">Which benchmark it is (<c>300w</c>), once resolved.</param>
public sealed record BenchmarkTaskSpec(string Task, string Benchmark, string? Content = null, string? Kind = null);

/// <summary>
/// The ceiling reference of a sweep (spec key <c>ceiling</c>): for every task and seed, the
/// untrained backbone fine-tuned on all of the task's training labels with a long budget, under
/// the <see cref="KnownNames.CeilingProtocol"/> protocol. What the architecture reaches on each
/// task when labels and steps are not scarce; shown beside the sources and floors, never ranked
/// or compared with them.
/// </summary>
/// <param name="Steps">Fine-tuning steps of each ceiling run.</param>
/// <param name="Batch">Its batch size (default: the scale's <c>finetune_batch</c>).</param>
/// <param name="LearningRate">Its peak learning rate (default: the scale's first <c>finetune_lr</c>).</param>
public sealed record CeilingSpec(int Steps, int Batch, double LearningRate);

/// <summary>
/// The kind of device a stage's jobs must run on in a cluster of mixed silos: <c>gpu</c>,
/// <c>cpu</c>, or <c>any</c>. A job waits until a silo with such a device takes it.
/// </summary>
/// <param name="Pretrain">For the pre-training jobs.</param>
/// <param name="Evaluate">For the evaluation jobs.</param>
public sealed record PlacementSpec(string Pretrain, string Evaluate)
{
    /// <summary>Any device.</summary>
    public const string Any = "any";

    /// <summary>The kinds a stage may ask for.</summary>
    public static IReadOnlyList<string> Kinds { get; } = [Any, "gpu", "cpu"];

    /// <summary>Every job anywhere (the default).</summary>
    public static PlacementSpec Anywhere { get; } = new(Any, Any);

    /// <summary>The device kind a job of the stage requires, or null for any.</summary>
    public string? For(bool pretrain) => (pretrain ? Pretrain : Evaluate) is var kind && kind != Any ? kind : null;
}

/// <summary>A backbone architecture, its width multiplier and its input resolution.</summary>
public sealed record BackboneSpec(string Arch, double Width, int Input)
{
    /// <summary>
    /// How [0, 1] pixels are mapped before the backbone sees them; null for <see cref="InputNormalisation.Centred"/>,
    /// this project's own. Part of the backbone: a checkpoint trained with other constants (the paper's release
    /// uses ImageNet's) must be fed what it was trained on.
    /// </summary>
    public InputNormalisation? Normalisation { get; init; }

    /// <summary>The normalisation in effect.</summary>
    public InputNormalisation Inputs => Normalisation ?? InputNormalisation.Centred;
}

/// <summary>Per-channel (red, green, blue) mean and standard deviation subtracted from and divided into [0, 1] pixels.</summary>
public sealed record InputNormalisation(double MeanRed, double MeanGreen, double MeanBlue, double StdRed, double StdGreen, double StdBlue)
{
    /// <summary>(x − 0.5) / 0.25 on every channel: what every backbone here used before normalisation became a setting.</summary>
    public static InputNormalisation Centred { get; } = new(0.5, 0.5, 0.5, 0.25, 0.25, 0.25);

    /// <summary>The constants of the paper's released code: mean 0.485/0.456/0.406, std 0.228/0.224/0.225.</summary>
    public static InputNormalisation Paper { get; } = new(0.485, 0.456, 0.406, 0.228, 0.224, 0.225);

    /// <summary>The three means, red first.</summary>
    public double[] Means => [MeanRed, MeanGreen, MeanBlue];

    /// <summary>The three standard deviations, red first.</summary>
    public double[] Stds => [StdRed, StdGreen, StdBlue];

    /// <summary>True when every channel is normalised alike.</summary>
    public bool IsUniform => MeanRed == MeanGreen && MeanGreen == MeanBlue && StdRed == StdGreen && StdGreen == StdBlue;
}

/// <summary>One pre-training source: a dataset and a method with its settings.</summary>
/// <param name="Dataset">Dataset name; ignored by methods that need no training.</param>
/// <param name="Method">Method name.</param>
/// <param name="Epochs">Passes over the pre-training set.</param>
/// <param name="Images">Images drawn from the pre-training set (a seeded, nested subset of an imported set), or <see cref="AllImages"/>.</param>
/// <param name="Batch">Batch size.</param>
/// <param name="LearningRate">Peak learning rate.</param>
/// <param name="Temperature">Contrastive temperature (SimCLR, MoCo, SwAV).</param>
/// <param name="Options">The method's own settings (checked by the method), or null for its defaults.</param>
/// <param name="Devices">Devices of one silo the job trains on together (data parallel); leased as a gang.</param>
/// <param name="DatasetContent">An imported set's content hash (the parts' hashes joined by '+' for a union), filled in when the sweep is planned; null for SynthFace.</param>
/// <param name="FramesPerClip">Frames kept per clip of a video set, evenly spaced (0: all).</param>
/// <param name="DatasetKind">An imported set's kind (curated, uncurated, video; null for a union of kinds), filled in when the sweep is planned.</param>
public sealed record PretrainSpec(
    string Dataset,
    string Method,
    int Epochs,
    int Images,
    int Batch,
    double LearningRate,
    double Temperature,
    MethodOptions? Options = null,
    int Devices = 1,
    string? DatasetContent = null,
    int FramesPerClip = 0,
    string? DatasetKind = null)
{
    /// <summary>The <see cref="Images"/> of an entry that takes an imported set whole (until planning counts it).</summary>
    public const int AllImages = 0;
}

/// <summary>Sizes and budgets of the downstream evaluation.</summary>
/// <param name="TaskTrain">Size of each task's full training split (shots are fractions of it).</param>
/// <param name="TaskTest">Size of each task's test split.</param>
/// <param name="FinetuneSteps">Optimiser steps of each evaluation job (of a task <see cref="TaskSteps"/> does not name).</param>
/// <param name="FinetuneBatch">Batch size of evaluation jobs.</param>
/// <param name="FinetuneLearningRate">Peak learning rate of evaluation jobs (the first, when several are tuned).</param>
/// <param name="TunedLearningRates">
/// Learning rates to choose from per cell, when the spec lists several: every one is run, and
/// reports keep the one with the best validation metric (null: just <paramref name="FinetuneLearningRate"/>).
/// </param>
public sealed record ScaleSpec(int TaskTrain, int TaskTest, int FinetuneSteps, int FinetuneBatch, double FinetuneLearningRate, IReadOnlyList<double>? TunedLearningRates = null)
{
    /// <summary>Every learning rate evaluation jobs run with.</summary>
    public IReadOnlyList<double> LearningRates => TunedLearningRates ?? [FinetuneLearningRate];

    /// <summary>
    /// Steps of the tasks that take a budget of their own (<c>finetune_steps: {default: 250,
    /// emotion: 750}</c>): tasks learn at different rates, and one budget for all leaves the slow
    /// ones at their floors. Null when every task takes <see cref="FinetuneSteps"/>.
    /// </summary>
    public IReadOnlyDictionary<string, int>? TaskSteps { get; init; }

    /// <summary>The optimiser steps of an evaluation job of <paramref name="task"/>.</summary>
    public int StepsFor(string task) => TaskSteps is { } steps && steps.TryGetValue(task, out var n) ? n : FinetuneSteps;
}
