namespace FaceRep.Results.Store;

/// <summary>
/// One finished evaluation job with its full experiment coordinates, metrics, timing and
/// provenance. Keyed by job id: writing the same job twice leaves one row.
/// </summary>
public sealed record ResultRow
{
    /// <summary>The evaluation job's id.</summary>
    public required string JobId { get; init; }

    /// <summary>The pre-training job's id.</summary>
    public required string PretrainId { get; init; }

    /// <summary>How the pre-training source is named in tables: <c>scratch</c> or <c>dataset/method</c>.</summary>
    public required string Pretrain { get; init; }

    /// <summary>Pre-training dataset, or null for methods that need none.</summary>
    public string? PretrainDataset { get; init; }

    /// <summary>Pre-training method.</summary>
    public required string PretrainMethod { get; init; }

    /// <summary>Backbone architecture.</summary>
    public required string Backbone { get; init; }

    /// <summary>Backbone width multiplier.</summary>
    public required double Width { get; init; }

    /// <summary>Input resolution.</summary>
    public required int Input { get; init; }

    /// <summary>Downstream task.</summary>
    public required string Task { get; init; }

    /// <summary>finetune or linear.</summary>
    public required string Protocol { get; init; }

    /// <summary>Fraction of the task's training split.</summary>
    public required double Shots { get; init; }

    /// <summary>Seed.</summary>
    public required int Seed { get; init; }

    /// <summary>Metrics by name.</summary>
    public required IReadOnlyDictionary<string, double> Metrics { get; init; }

    /// <summary>Wall-clock seconds of the run.</summary>
    public required double DurationSeconds { get; init; }

    /// <summary>When the job finished.</summary>
    public required DateTimeOffset FinishedUtc { get; init; }

    /// <summary>Where it ran: <c>silo/device</c>.</summary>
    public required string Device { get; init; }

    /// <summary>Which attempt produced it (1 for the first).</summary>
    public required int Attempt { get; init; }

    /// <summary>Software versions that produced it.</summary>
    public required string Versions { get; init; }

    /// <summary>Images the source was pre-trained on (0 for scratch and imports, and when not recorded).</summary>
    public int PretrainImages { get; init; }

    /// <summary>The content hash of the imported set(s) the source was pre-trained on ('+' between a union's parts); empty for SynthFace and sources that need none.</summary>
    public string PretrainContent { get; init; } = "";

    /// <summary>An imported set's kind (curated, uncurated, video) as its planning found it; empty for SynthFace and unions of kinds.</summary>
    public string PretrainKind { get; init; } = "";

    /// <summary>The imported benchmark the task was measured on (its name when planned); empty for SynthFace.</summary>
    public string Benchmark { get; init; } = "";

    /// <summary>The benchmark's content hash; empty for SynthFace.</summary>
    public string BenchmarkContent { get; init; } = "";

    /// <summary>Which benchmark it is (<c>300w</c>, <c>affectnet</c>): its layout, crops and metrics; empty for SynthFace.</summary>
    public string BenchmarkKind { get; init; } = "";

    /// <summary>
    /// What the result measures, as analyses and reports group it: the task on SynthFace (<c>landmarks</c>), or
    /// the task on a benchmark (<c>landmarks on 300w</c>, with the kind when the name is not it: <c>landmarks on mine (aflw19)</c>), so the two are never compared with each other.
    /// </summary>
    public string Scope => Core.Metrics.TaskScopes.Of(Task, Benchmark, BenchmarkKind);

    /// <summary>The evaluation's peak learning rate (0 when not recorded); a tuned sweep runs several per cell and keeps the best on validation.</summary>
    public double LearningRate { get; init; }

    /// <summary>The training-split indices the job trained on (its few-shot subset), comma-separated; empty if not recorded.</summary>
    public string TrainIndices { get; init; } = "";

    /// <summary>The row of a finished evaluation: its coordinates from its configuration, and what the run measured.</summary>
    /// <param name="config">The evaluation's configuration.</param>
    /// <param name="metrics">What it measured.</param>
    /// <param name="duration">How long it ran.</param>
    /// <param name="device">Where: <c>{silo}/{device}</c>.</param>
    /// <param name="attempt">Its attempt number.</param>
    /// <param name="versions">The software that ran it.</param>
    /// <param name="trainIndices">The training-split indices it trained on, if known.</param>
    public static ResultRow ForEvaluation(Core.Experiments.EvaluateConfig config, IReadOnlyDictionary<string, double> metrics, TimeSpan duration,
        string device, int attempt, string versions, IReadOnlyList<int>? trainIndices) => new()
        {
            JobId = config.Id,
            PretrainId = config.Pretrain.Id,
            Pretrain = config.Pretrain.Label,
            PretrainDataset = config.Pretrain.Dataset,
            PretrainMethod = config.Pretrain.Method,
            PretrainImages = config.Pretrain.Images,
            PretrainContent = config.Pretrain.DatasetContent ?? "",
            PretrainKind = config.Pretrain.DatasetKind ?? "",
            Benchmark = config.Benchmark ?? "",
            BenchmarkContent = config.BenchmarkContent ?? "",
            BenchmarkKind = config.BenchmarkKind ?? "",
            Backbone = config.Pretrain.Backbone.Arch,
            Width = config.Pretrain.Backbone.Width,
            Input = config.Pretrain.Backbone.Input,
            Task = config.Task,
            Protocol = config.Protocol,
            Shots = config.Shots,
            Seed = config.Seed,
            LearningRate = config.LearningRate,
            Metrics = metrics,
            DurationSeconds = duration.TotalSeconds,
            FinishedUtc = DateTimeOffset.UtcNow,
            Device = device,
            Attempt = attempt,
            Versions = versions,
            TrainIndices = trainIndices is null ? "" : string.Join(',', trainIndices),
        };
}

/// <summary>A metric summarised over seeds for one (pre-training, task, protocol, shots) cell.</summary>
/// <param name="Pretrain">Pre-training source.</param>
/// <param name="Task">Task.</param>
/// <param name="Protocol">Protocol.</param>
/// <param name="Shots">Shot fraction.</param>
/// <param name="Metric">Metric name.</param>
/// <param name="Count">Seeds measured.</param>
/// <param name="Mean">Mean over seeds.</param>
/// <param name="StdDev">Sample standard deviation over seeds (0 for one seed).</param>
public sealed record SummaryRow(string Pretrain, string Task, string Protocol, double Shots, string Metric, int Count, double Mean, double StdDev);
