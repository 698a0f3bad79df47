using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using FaceRep.Core.Experiments;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace FaceRep.Core.Specs;

/// <summary>Limits that keep a hostile or mistaken spec from exhausting the machine.</summary>
/// <param name="MaxBytes">Largest spec file accepted.</param>
/// <param name="MaxNodes">Most YAML nodes visited (aliases count each time they are used).</param>
/// <param name="MaxDepth">Deepest nesting accepted.</param>
/// <param name="MaxJobs">Largest grid accepted; larger sweeps are refused before anything is submitted.</param>
public sealed record SpecLimits(int MaxBytes = 1 << 20, int MaxNodes = 100_000, int MaxDepth = 32, long MaxJobs = 1_000_000)
{
    /// <summary>The limits used unless configured otherwise.</summary>
    public static SpecLimits Default { get; } = new();
}

/// <summary>
/// Parses and validates sweep specs written in YAML. Every problem is reported with the file,
/// line, column and field path; all problems found are reported together.
/// </summary>
/// <param name="limits">Size limits (the defaults when null).</param>
/// <param name="checkDataset">
/// Checks an imported dataset's name: returns why it cannot be used (unknown here, listing the sets
/// there are), or null. When null, no imported set is known and only SynthFace names are accepted.
/// </param>
/// <param name="checkBenchmark">
/// Checks an imported benchmark's name the same way; when null, no benchmark is known.
/// </param>
public sealed partial class SweepSpecParser(SpecLimits? limits = null, Func<string, string?>? checkDataset = null, Func<string, string?>? checkBenchmark = null)
{
    /// <summary>Pre-training defaults, used where an entry leaves a field out.</summary>
    public static readonly PretrainSpec PretrainDefaults = new(
        Dataset: "synth-curated", Method: "scratch", Epochs: 5, Images: 1000, Batch: 64, LearningRate: 1e-3, Temperature: 0.2);

    /// <summary>Evaluation defaults.</summary>
    public static readonly ScaleSpec ScaleDefaults = new(
        TaskTrain: 1000, TaskTest: 300, FinetuneSteps: 200, FinetuneBatch: 32, FinetuneLearningRate: 1e-3);

    /// <summary>Backbone defaults.</summary>
    public static readonly BackboneSpec BackboneDefaults = new("resnet18", 0.25, 64);

    private static readonly string[] TopLevelKeys =
        ["name", "description", "priority", "backbone", "pretrain", "tasks", "shots", "seeds", "protocols", "scale", "placement", "ceiling"];

    private static readonly string[] PlacementKeys = ["pretrain", "evaluate"];

    private static readonly string[] BackboneKeys = ["arch", "width", "input", "mean", "std"];

    private static readonly string[] PretrainKeys = ["dataset", "method", "epochs", "images", "batch", "lr", "temperature", "devices", "frames_per_clip", "options"];

    /// <summary>The most devices one job may ask for (a large node has 8 or 16 GPUs).</summary>
    public const int MaxDevices = 64;

    private static readonly string[] ScaleKeys = ["task_train", "task_test", "finetune_steps", "finetune_batch", "finetune_lr"];

    private static readonly string[] CeilingKeys = ["steps", "batch", "lr"];

    private static readonly string[] BenchmarkTaskKeys = ["task", "benchmark"];

    private readonly SpecLimits _limits = limits ?? SpecLimits.Default;

    /// <summary>The most problems reported for one spec.</summary>
    public const int MaxErrors = 20;

    /// <summary>Reads, parses and validates a spec file.</summary>
    /// <exception cref="SpecException">The file is missing, unreadable or invalid.</exception>
    public SweepSpec ParseFile(string path) => Parse(ReadFile(path), Path.GetFileName(path));

    /// <summary>
    /// Reads a spec file's text: it must exist, be no larger than the limit, and be UTF-8 (a
    /// file in another encoding is named with the offset of its first bad byte, rather than
    /// read with replacement characters that would surface as puzzling values).
    /// </summary>
    /// <exception cref="SpecException">The file is missing, unreadable, too large or not UTF-8.</exception>
    public string ReadFile(string path)
    {
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
                throw new SpecException(new SpecError(Path.GetFullPath(path), 0, 0, "", Directory.Exists(path) ? "is a directory, not a spec file" : "file not found"));
            if (info.Length > _limits.MaxBytes)
                throw new SpecException(new SpecError(Path.GetFileName(path), 0, 0, "", $"file is {info.Length:N0} bytes; the limit is {_limits.MaxBytes:N0}"));
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new SpecException(new SpecError(path, 0, 0, "", $"cannot read the file: {e.Message}"));
        }

        try
        {
            var start = bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
            return StrictUtf8.GetString(bytes, start, bytes.Length - start);
        }
        catch (DecoderFallbackException e)
        {
            var offset = e.Index >= 0 ? e.Index : 0;
            var bad = e.BytesUnknown is { Length: > 0 } unknown ? $"0x{unknown[0]:X2}" : "a byte";
            var line = 1 + bytes.AsSpan(0, Math.Min(offset, bytes.Length)).Count((byte)'\n');
            throw new SpecException(new SpecError(Path.GetFileName(path), line, 0, "", $"the file is not UTF-8: {bad} at byte offset {offset}; save it as UTF-8"));
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Parses and validates a spec given as text.</summary>
    /// <exception cref="SpecException">The spec is invalid.</exception>
    public SweepSpec Parse(string text, string fileName = "<text>")
    {
        if (text.Length > _limits.MaxBytes)
            throw new SpecException(new SpecError(fileName, 0, 0, "", $"spec is {text.Length} characters; the limit is {_limits.MaxBytes}"));

        var root = Load(text, fileName, _limits);
        var reader = new Reader(fileName, _limits, checkDataset, checkBenchmark);
        var spec = reader.ReadSweep(root);
        if (reader.Errors.Count > 0 || spec is null)
            throw new SpecException(reader.Errors);

        var jobs = GridExpander.CountJobs(spec);
        if (jobs > _limits.MaxJobs)
        {
            throw new SpecException(new SpecError(fileName, 0, 0, "",
                $"the grid expands to {jobs:N0} jobs; the configured limit is {_limits.MaxJobs:N0}"));
        }

        return spec;
    }

    /// <summary>The line and column (1-based) of the first tab in a line's leading whitespace, or null.</summary>
    private static (int Line, int Column)? FirstTabIndent(string text)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var indent = lines[i].Length - lines[i].TrimStart(' ', '\t').Length;
            var at = lines[i].IndexOf('\t', 0, indent);
            if (at >= 0)
                return (i + 1, at + 1);
        }

        return null;
    }

    private static YamlNode Load(string text, string fileName, SpecLimits limits)
    {
        var stream = new YamlStream();
        try
        {
            CheckNesting(text, fileName, limits);
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            var message = e.InnerException is { } inner && e.Message.Contains("See inner exception", StringComparison.Ordinal)
                ? inner.Message
                : e.Message;
            // The scanner places a tab in the indentation at the start of the mapping it was reading
            // (often 1:1); the line to fix is the first one indented with a tab.
            if (message.Contains(" tab ", StringComparison.Ordinal) && FirstTabIndent(text) is { } tab)
                throw new SpecException(new SpecError(fileName, tab.Line, tab.Column, "", "invalid YAML: a tab in the indentation; YAML indents with spaces"));
            throw new SpecException(new SpecError(fileName, (int)e.Start.Line, (int)e.Start.Column, "", $"invalid YAML: {FirstLine(message)}"));
        }
        catch (ArgumentException e)
        {
            throw new SpecException(new SpecError(fileName, 0, 0, "", $"invalid YAML: {FirstLine(e.Message)}"));
        }
        catch (InvalidOperationException)
        {
            // The scanner gives up without a position when the text ends inside an open construct.
            var lines = text.Split('\n').Length;
            throw new SpecException(new SpecError(fileName, lines, 1, "", "invalid YAML: the document ends inside an unclosed bracket, brace or quote"));
        }

        if (stream.Documents.Count == 0)
            throw new SpecException(new SpecError(fileName, 0, 0, "", "the spec is empty"));
        if (stream.Documents.Count > 1)
        {
            var second = stream.Documents[1].RootNode.Start;
            throw new SpecException(new SpecError(fileName, (int)second.Line, (int)second.Column, "", "the file holds more than one YAML document"));
        }

        return stream.Documents[0].RootNode;
    }

    /// <summary>The tags a spec may carry: YAML's own for plain values, and the non-specific "!".</summary>
    private static readonly HashSet<string> PlainTags =
        ["tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
         "tag:yaml.org,2002:null", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map", "!"];

    /// <summary>
    /// Refuses, before the document is loaded, nesting deeper than the limit (the node loader
    /// recurses once per level, and a few hundred thousand brackets would overflow the stack and
    /// end the process; the event parser this walks keeps its own stack) and tags other than
    /// YAML's plain ones (<c>!!python/object</c> and the like mean nothing here).
    /// </summary>
    private static void CheckNesting(string text, string fileName, SpecLimits limits)
    {
        var parser = new Parser(new StringReader(text));
        var depth = 0;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case SequenceStart or MappingStart when ++depth > limits.MaxDepth:
                    var at = parser.Current.Start;
                    throw new SpecException(new SpecError(fileName, (int)at.Line, (int)at.Column, "", $"the spec nests deeper than {limits.MaxDepth} levels"));
                case SequenceEnd or MappingEnd:
                    depth--;
                    break;
                case NodeEvent { Tag.IsEmpty: false } node when !PlainTags.Contains(node.Tag.Value):
                    throw new SpecException(new SpecError(fileName, (int)node.Start.Line, (int)node.Start.Column, "",
                        $"the tag '{Clip(node.Tag.Value)}' has no meaning in a sweep spec; write plain values"));
                default:
                    break;
            }
        }
    }

    private static string FirstLine(string message)
    {
        var end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }

    [GeneratedRegex("^[a-z][a-z0-9_]{0,63}$")]
    private static partial Regex OptionName();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
    private static partial Regex SweepNameRegex();

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Clip(string value) => value.Length <= 60 ? value : value[..57] + "...";
}
