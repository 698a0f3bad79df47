using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FaceRep.Core.Specs;

namespace FaceRep.Core.Experiments;

/// <summary>The two kinds of job a sweep expands into.</summary>
public enum JobKind
{
    /// <summary>Produces a backbone checkpoint (or none, for methods that need no training).</summary>
    Pretrain,

    /// <summary>Adapts a pre-trained backbone to a task and measures it.</summary>
    Evaluate,
}

/// <summary>
/// A job's complete configuration. Its id is a hash of its canonical JSON, so the same job in
/// two sweeps is one job, and resubmitting a sweep finds the jobs it already ran.
/// </summary>
public abstract record JobConfig
{
    /// <summary>Version of the canonical form; bump when a field's meaning changes.</summary>
    public const int SchemaVersion = 1;

    /// <summary>The job's kind.</summary>
    public abstract JobKind Kind { get; }

    /// <summary>The job's content-hash id: <c>pt-</c> or <c>ev-</c> and 16 hex digits, the hash of <see cref="ToIdentityJson"/>.</summary>
    public string Id => IdOf(Kind, ToIdentityJson());

    /// <summary>The canonical JSON: fixed key order, invariant number formatting, no whitespace; everything the job is.</summary>
    public string ToCanonicalJson() => Json(identity: false);

    /// <summary>
    /// What the id hashes: the canonical JSON, except that an imported dataset appears as its content
    /// hash alone, without its name. For every other job the two are the same text.
    /// </summary>
    public string ToIdentityJson() => Json(identity: true);

    private string Json(bool identity)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            Write(writer, identity);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Reads a job configuration back from its canonical JSON.</summary>
    /// <exception cref="FormatException">The JSON is not a job configuration.</exception>
    public static JobConfig Parse(string canonicalJson)
    {
        try
        {
            using var doc = JsonDocument.Parse(canonicalJson);
            var root = doc.RootElement;
            var version = root.GetProperty("v").GetInt32();
            if (version != SchemaVersion)
                throw new FormatException($"job configuration schema {version} is not supported (expected {SchemaVersion})");
            return root.GetProperty("kind").GetString() switch
            {
                "pretrain" => PretrainConfig.Read(root),
                "evaluate" => EvaluateConfig.Read(root),
                var other => throw new FormatException($"unknown job kind '{other}'"),
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new FormatException($"not a job configuration: {e.Message}", e);
        }
    }

    /// <summary>Computes the id of a job from its kind and canonical JSON.</summary>
    public static string IdOf(JobKind kind, string canonicalJson)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(canonicalJson), hash);
        var prefix = kind == JobKind.Pretrain ? "pt-" : "ev-";
        return prefix + Convert.ToHexStringLower(hash[..8]);
    }

    /// <summary>Writes the configuration's fields, in canonical order (see <see cref="ToIdentityJson"/> for <paramref name="identity"/>).</summary>
    protected abstract void Write(Utf8JsonWriter writer, bool identity);

    internal void WriteFields(Utf8JsonWriter writer, bool identity) => Write(writer, identity);

    /// <summary>Writes a backbone as a nested object.</summary>
    protected static void WriteBackbone(Utf8JsonWriter writer, BackboneSpec backbone)
    {
        writer.WriteStartObject("backbone");
        writer.WriteString("arch", backbone.Arch);
        writer.WriteString("input", backbone.Input.ToString(CultureInfo.InvariantCulture));
        // Written only when not the default, so backbones without a normalisation of their own keep their ids.
        if (backbone.Normalisation is { } n)
        {
            writer.WriteStartArray("mean");
            foreach (var v in n.Means)
                writer.WriteStringValue(FormatNumber(v));
            writer.WriteEndArray();
            writer.WriteStartArray("std");
            foreach (var v in n.Stds)
                writer.WriteStringValue(FormatNumber(v));
            writer.WriteEndArray();
        }

        writer.WriteString("width", FormatNumber(backbone.Width));
        writer.WriteEndObject();
    }

    /// <summary>Reads a backbone written by <see cref="WriteBackbone"/>.</summary>
    protected static BackboneSpec ReadBackbone(JsonElement element)
    {
        InputNormalisation? normalisation = null;
        if (element.TryGetProperty("mean", out var mean) && element.TryGetProperty("std", out var std))
        {
            var m = mean.EnumerateArray().Select(v => ParseNumber(v.GetString()!)).ToArray();
            var s = std.EnumerateArray().Select(v => ParseNumber(v.GetString()!)).ToArray();
            normalisation = new InputNormalisation(m[0], m[1], m[2], s[0], s[1], s[2]);
        }

        return new BackboneSpec(
            element.GetProperty("arch").GetString()!,
            ParseNumber(element.GetProperty("width").GetString()!),
            int.Parse(element.GetProperty("input").GetString()!, CultureInfo.InvariantCulture))
        { Normalisation = normalisation };
    }

    /// <summary>Numbers are written as round-trip strings so the hash never depends on a JSON number formatter.</summary>
    protected static string FormatNumber(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Reads an integer field written as an invariant string.</summary>
    protected static int ReadInt(JsonElement element, string name) =>
        int.Parse(element.GetProperty(name).GetString()!, CultureInfo.InvariantCulture);

    /// <summary>Parses a number written by <see cref="FormatNumber"/>.</summary>
    protected static double ParseNumber(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
}

/// <summary>A pre-training job: a method trained on a dataset into a backbone checkpoint.</summary>
/// <param name="Method">Pre-training method.</param>
/// <param name="Dataset">Dataset, or null for methods that need no training.</param>
/// <param name="Backbone">Backbone architecture.</param>
/// <param name="Epochs">Passes over the pre-training images (0 for methods that need no training).</param>
/// <param name="Images">Pre-training images.</param>
/// <param name="Batch">Batch size.</param>
/// <param name="LearningRate">Peak learning rate.</param>
/// <param name="Temperature">Contrastive temperature.</param>
/// <param name="Options">The method's own settings; null means none (every default).</param>
/// <param name="Devices">Devices the job trains on together (data parallel, so part of its identity: batch
/// statistics are per device); the grid leases them as a gang on one silo.</param>
/// <param name="DatasetContent">An imported set's content hash (its identity in the job id, in place of its name; a union's parts' hashes joined by '+'); null for SynthFace.</param>
/// <param name="FramesPerClip">Frames kept per clip of a video set, evenly spaced (0: all).</param>
/// <param name="DatasetKind">
/// An imported set's kind (curated, uncurated, video), for the study's data questions; like the
/// name, kept in the configuration but not in its identity (it follows from the content).
/// </param>
public sealed record PretrainConfig(
    string Method,
    string? Dataset,
    BackboneSpec Backbone,
    int Epochs,
    int Images,
    int Batch,
    double LearningRate,
    double Temperature,
    MethodOptions? Options = null,
    int Devices = 1,
    string? DatasetContent = null,
    int FramesPerClip = 0,
    string? DatasetKind = null) : JobConfig
{
    /// <summary>True when the dataset is an imported set, identified by its content rather than its name.</summary>
    public bool IsImportedDataset => DatasetContent is not null;

    /// <summary>The method's own settings (empty when all are at their defaults).</summary>
    public MethodOptions Settings => Options ?? MethodOptions.Empty;

    /// <inheritdoc />
    public override JobKind Kind => JobKind.Pretrain;

    /// <summary>True when the method produces no checkpoint (scratch, import).</summary>
    public bool NeedsNoTraining => KnownNames.NeedsNoTraining(Method);

    /// <summary>How results name this source: <c>scratch</c> or <c>dataset/method</c>.</summary>
    public string Label => Dataset is null ? Method : $"{Dataset}/{Method}";

    /// <summary>Builds the configuration of one pre-training entry, dropping what its method ignores.</summary>
    /// <remarks>
    /// Scratch keeps only its method and backbone; import keeps its options too (the checkpoint
    /// it reads is part of its identity); every other method keeps everything.
    /// </remarks>
    public static PretrainConfig From(PretrainSpec spec, BackboneSpec backbone) =>
        KnownNames.NeedsNoTraining(spec.Method)
            ? new PretrainConfig(spec.Method, null, backbone, 0, 0, 0, 0, 0, spec.Method == "scratch" ? null : NullIfEmpty(spec.Options))
            : new PretrainConfig(spec.Method, spec.Dataset, backbone, spec.Epochs, spec.Images, spec.Batch, spec.LearningRate, spec.Temperature, NullIfEmpty(spec.Options), spec.Devices, spec.DatasetContent, spec.FramesPerClip, spec.DatasetKind);

    private static MethodOptions? NullIfEmpty(MethodOptions? options) => options is { Count: > 0 } ? options : null;

    /// <inheritdoc />
    protected override void Write(Utf8JsonWriter writer, bool identity)
    {
        writer.WriteNumber("v", SchemaVersion);
        writer.WriteString("kind", "pretrain");
        writer.WriteString("method", Method);
        WriteBackbone(writer, Backbone);
        if (!NeedsNoTraining)
        {
            writer.WriteString("batch", Batch.ToString(CultureInfo.InvariantCulture));
            // An imported set is identified by its content: its name is kept for people, not hashed,
            // so renaming its directory keeps every id and changing an image changes them.
            if (IsImportedDataset && identity)
                writer.WriteString("dataset", "content:" + DatasetContent);
            else
                writer.WriteString("dataset", Dataset);
            if (IsImportedDataset && !identity)
            {
                writer.WriteString("dataset_content", DatasetContent);
                if (DatasetKind is not null)
                    writer.WriteString("dataset_kind", DatasetKind);
            }
            // Written only above one, so single-device jobs keep the ids they had before gangs existed.
            if (Devices > 1)
                writer.WriteString("devices", Devices.ToString(CultureInfo.InvariantCulture));
            writer.WriteString("epochs", Epochs.ToString(CultureInfo.InvariantCulture));
            // Written only when set, so jobs on whole sets keep their ids.
            if (FramesPerClip > 0)
                writer.WriteString("frames_per_clip", FramesPerClip.ToString(CultureInfo.InvariantCulture));
            writer.WriteString("images", Images.ToString(CultureInfo.InvariantCulture));
            writer.WriteString("lr", FormatNumber(LearningRate));
        }

        // Written only when present, so configurations without options keep the ids they had before options existed.
        if (Settings.Count > 0)
        {
            writer.WriteStartObject("options");
            foreach (var (key, value) in Settings)
                writer.WriteString(key, value);
            writer.WriteEndObject();
        }

        if (!NeedsNoTraining)
            writer.WriteString("temperature", FormatNumber(Temperature));
    }

    internal static PretrainConfig Read(JsonElement e)
    {
        var method = e.GetProperty("method").GetString()!;
        var backbone = ReadBackbone(e.GetProperty("backbone"));
        MethodOptions? options = e.TryGetProperty("options", out var o)
            ? new MethodOptions(o.EnumerateObject().Select(p => KeyValuePair.Create(p.Name, p.Value.GetString()!)))
            : null;
        if (KnownNames.NeedsNoTraining(method))
            return new PretrainConfig(method, null, backbone, 0, 0, 0, 0, 0, options);
        return new PretrainConfig(
            method,
            e.GetProperty("dataset").GetString(),
            backbone,
            ReadInt(e, "epochs"),
            ReadInt(e, "images"),
            ReadInt(e, "batch"),
            ParseNumber(e.GetProperty("lr").GetString()!),
            ParseNumber(e.GetProperty("temperature").GetString()!),
            options,
            e.TryGetProperty("devices", out _) ? ReadInt(e, "devices") : 1,
            e.TryGetProperty("dataset_content", out var content) ? content.GetString() : null,
            e.TryGetProperty("frames_per_clip", out _) ? ReadInt(e, "frames_per_clip") : 0,
            e.TryGetProperty("dataset_kind", out var kind) ? kind.GetString() : null);
    }
}

/// <summary>An evaluation job: one pre-trained backbone adapted to one task at one shot count and seed.</summary>
/// <param name="Pretrain">The pre-training job it depends on (its id is part of this job's identity).</param>
/// <param name="Task">Downstream task.</param>
/// <param name="Protocol">finetune or linear.</param>
/// <param name="Shots">Fraction of the task's training split.</param>
/// <param name="Seed">Seed for few-shot sampling, head initialisation and batch order.</param>
/// <param name="TaskTrain">Size of the task's full training split.</param>
/// <param name="TaskTest">Size of the task's test split.</param>
/// <param name="Steps">Optimiser steps.</param>
/// <param name="Batch">Batch size.</param>
/// <param name="LearningRate">Peak learning rate.</param>
/// <param name="Benchmark">The imported benchmark the task is measured on (its name), or null for SynthFace.</param>
/// <param name="BenchmarkContent">The benchmark's content hash: its identity in the job id, in place of its name.</param>
/// <param name="BenchmarkKind">Which benchmark it is (<c>300w</c>), kept with the name, not hashed.</param>
public sealed record EvaluateConfig(
    PretrainConfig Pretrain,
    string Task,
    string Protocol,
    double Shots,
    int Seed,
    int TaskTrain,
    int TaskTest,
    int Steps,
    int Batch,
    double LearningRate,
    string? Benchmark = null,
    string? BenchmarkContent = null,
    string? BenchmarkKind = null) : JobConfig
{
    /// <inheritdoc />
    public override JobKind Kind => JobKind.Evaluate;

    /// <summary>True when the task is measured on an imported benchmark.</summary>
    public bool OnBenchmark => Benchmark is not null;

    /// <inheritdoc />
    protected override void Write(Utf8JsonWriter writer, bool identity)
    {
        writer.WriteNumber("v", SchemaVersion);
        writer.WriteString("kind", "evaluate");
        writer.WriteString("batch", Batch.ToString(CultureInfo.InvariantCulture));
        // A benchmark is identified by its content, as an imported pre-training set is: renaming its
        // directory keeps every id; its splits are its own, so the SynthFace split sizes are not written.
        if (OnBenchmark)
        {
            if (identity)
            {
                writer.WriteString("benchmark", "content:" + BenchmarkContent);
            }
            else
            {
                writer.WriteString("benchmark", Benchmark);
                writer.WriteString("benchmark_content", BenchmarkContent);
                writer.WriteString("benchmark_kind", BenchmarkKind);
            }
        }

        writer.WriteString("lr", FormatNumber(LearningRate));
        writer.WritePropertyName("pretrain");
        writer.WriteStartObject();
        Pretrain.WriteFields(writer, identity);
        writer.WriteEndObject();
        writer.WriteString("protocol", Protocol);
        writer.WriteString("seed", Seed.ToString(CultureInfo.InvariantCulture));
        writer.WriteString("shots", FormatNumber(Shots));
        writer.WriteString("steps", Steps.ToString(CultureInfo.InvariantCulture));
        writer.WriteString("task", Task);
        if (!OnBenchmark)
        {
            writer.WriteString("task_test", TaskTest.ToString(CultureInfo.InvariantCulture));
            writer.WriteString("task_train", TaskTrain.ToString(CultureInfo.InvariantCulture));
        }
    }

    internal static EvaluateConfig Read(JsonElement e)
    {
        return new EvaluateConfig(
            PretrainConfig.Read(e.GetProperty("pretrain")),
            e.GetProperty("task").GetString()!,
            e.GetProperty("protocol").GetString()!,
            ParseNumber(e.GetProperty("shots").GetString()!),
            ReadInt(e, "seed"),
            e.TryGetProperty("task_train", out _) ? ReadInt(e, "task_train") : 0,
            e.TryGetProperty("task_test", out _) ? ReadInt(e, "task_test") : 0,
            ReadInt(e, "steps"),
            ReadInt(e, "batch"),
            ParseNumber(e.GetProperty("lr").GetString()!),
            e.TryGetProperty("benchmark", out var benchmark) ? benchmark.GetString() : null,
            e.TryGetProperty("benchmark_content", out var content) ? content.GetString() : null,
            e.TryGetProperty("benchmark_kind", out var kind) ? kind.GetString() : null);
    }
}
