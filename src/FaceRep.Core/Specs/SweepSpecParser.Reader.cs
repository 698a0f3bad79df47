// Over 400 lines: one reader per section of a spec (placement, backbone, pre-training entries and
// their option grids, scale, shots, seeds), sharing the error list and the node budget.
using System.Globalization;
using FaceRep.Core.Experiments;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace FaceRep.Core.Specs;

/// <summary>The spec parser's reader: a parsed YAML document field by field into a <see cref="SweepSpec"/>, collecting every problem it finds.</summary>
public sealed partial class SweepSpecParser
{
    /// <summary>Walks the YAML tree, collecting errors instead of stopping at the first.</summary>
    private sealed class Reader(string file, SpecLimits limits, Func<string, string?>? checkDataset, Func<string, string?>? checkBenchmark)
    {
        private int _visited;

        public List<SpecError> Errors { get; } = [];

        public SweepSpec? ReadSweep(YamlNode root)
        {
            if (!CheckBudget(root, "", 0))
                return null;

            if (root is not YamlMappingNode map)
            {
                Error(root, "", $"the spec must be a mapping of fields ({string.Join(", ", TopLevelKeys)}), not {Describe(root)}");
                return null;
            }

            var fields = Fields(map, "", TopLevelKeys);

            var name = Required(fields, map, "name") is { } nameNode ? String(nameNode, "name") : null;
            if (name is not null && !SweepNameRegex().IsMatch(name))
                Error(fields["name"], "name", $"'{Clip(name)}' is not a valid sweep name: use 1-100 letters, digits, '.', '-' or '_', starting with a letter or digit");

            var priority = fields.TryGetValue("priority", out var pNode) ? Int(pNode, "priority", -1000, 1000) ?? 0 : 0;
            var backbone = fields.TryGetValue("backbone", out var bNode) ? ReadBackbone(bNode) : BackboneDefaults;
            var pretrain = Required(fields, map, "pretrain") is { } ptNode ? ReadPretrain(ptNode, backbone) : [];
            var (tasks, benchmarks) = Required(fields, map, "tasks") is { } tNode ? ReadTasks(tNode) : ([], []);
            var shots = Required(fields, map, "shots") is { } sNode ? ReadShots(sNode) : [];
            var seeds = Required(fields, map, "seeds") is { } seedNode ? ReadSeeds(seedNode) : [];
            var protocols = fields.TryGetValue("protocols", out var prNode)
                ? NameList(prNode, "protocols", KnownNames.Protocols, "protocol")
                : ["finetune"];
            var scale = fields.TryGetValue("scale", out var scNode) ? ReadScale(scNode) : ScaleDefaults;
            var placement = fields.TryGetValue("placement", out var plNode) ? ReadPlacement(plNode) : PlacementSpec.Anywhere;
            var ceiling = fields.TryGetValue("ceiling", out var ceNode) && scale is not null ? ReadCeiling(ceNode, scale) : null;

            if (Errors.Count > 0 || name is null || backbone is null || scale is null || placement is null)
                return null;

            return new SweepSpec(name, backbone, pretrain, tasks, shots, seeds, protocols, scale, priority) { Placement = placement, Ceiling = ceiling, Benchmarks = benchmarks };
        }

        /// <summary>
        /// The task list: a plain name is the task on SynthFace, <c>{task: landmarks, benchmark: 300w}</c> the
        /// task on an imported benchmark.
        /// </summary>
        private (List<string> Tasks, List<BenchmarkTaskSpec> Benchmarks) ReadTasks(YamlNode node)
        {
            var tasks = new List<string>();
            var benchmarks = new List<BenchmarkTaskSpec>();
            foreach (var (item, path) in Items(node, "tasks", "a list of task names or {task, benchmark} entries"))
            {
                if (item is not YamlMappingNode entry)
                {
                    if (Name(item, path, KnownNames.Tasks, "task") is not { } name)
                        continue;
                    if (tasks.Contains(name))
                        Error(item, path, $"'{name}' is listed twice");
                    else
                        tasks.Add(name);
                    continue;
                }

                var f = Fields(entry, path, BenchmarkTaskKeys);
                YamlNode? Field(string key)
                {
                    if (f.TryGetValue(key, out var value))
                        return value;
                    Error(entry, $"{path}.{key}", "is required");
                    return null;
                }

                var task = Field("task") is { } t ? Name(t, $"{path}.task", KnownNames.Tasks, "task") : null;
                var benchmark = Field("benchmark") is { } b ? String(b, $"{path}.benchmark") : null;
                if (task is null || benchmark is null)
                    continue;
                if (!KnownNames.IsImportedDatasetName(benchmark))
                {
                    Error(f["benchmark"], $"{path}.benchmark", $"'{Clip(benchmark)}' cannot name an imported benchmark (lower-case letters, digits, '.', '_' and '-', at most 64)");
                    continue;
                }

                if ((checkBenchmark ?? NoBenchmarks)(benchmark) is { } problem)
                {
                    Error(f["benchmark"], $"{path}.benchmark", problem);
                    continue;
                }

                if (benchmarks.Any(x => x.Task == task && x.Benchmark == benchmark))
                    Error(entry, path, $"{task} on {benchmark} is listed twice");
                else
                    benchmarks.Add(new BenchmarkTaskSpec(task, benchmark));
            }

            return (tasks, benchmarks);
        }

        private static string? NoBenchmarks(string name) => KnownNames.UnknownBenchmark(name, "none (no dataset root given)");

        private CeilingSpec? ReadCeiling(YamlNode node, ScaleSpec scale)
        {
            if (node is not YamlMappingNode map)
            {
                Error(node, "ceiling", $"expected a mapping with {string.Join(", ", CeilingKeys)} (such as {{steps: 2000}}), not {Describe(node)}");
                return null;
            }

            var f = Fields(map, "ceiling", CeilingKeys);
            int? steps = null;
            if (f.TryGetValue("steps", out var s))
                steps = Int(s, "ceiling.steps", 1, 10_000_000);
            else
                Error(map, "ceiling.steps", "is required: the fine-tuning steps of each ceiling run, such as 2000");
            var batch = f.TryGetValue("batch", out var b) ? Int(b, "ceiling.batch", 1, 65_536) : scale.FinetuneBatch;
            var lr = f.TryGetValue("lr", out var l) ? Double(l, "ceiling.lr", 0, 100, exclusiveMin: true) : scale.FinetuneLearningRate;
            return steps is null || batch is null || lr is null ? null : new CeilingSpec(steps.Value, batch.Value, lr.Value);
        }

        private PlacementSpec? ReadPlacement(YamlNode node)
        {
            if (node is not YamlMappingNode map)
            {
                Error(node, "placement", $"expected a mapping with {string.Join(", ", PlacementKeys)}, not {Describe(node)}");
                return null;
            }

            var f = Fields(map, "placement", PlacementKeys);
            var pretrain = f.TryGetValue("pretrain", out var p) ? Name(p, "placement.pretrain", PlacementSpec.Kinds, "device kind") : PlacementSpec.Any;
            var evaluate = f.TryGetValue("evaluate", out var e) ? Name(e, "placement.evaluate", PlacementSpec.Kinds, "device kind") : PlacementSpec.Any;
            return pretrain is null || evaluate is null ? null : new PlacementSpec(pretrain, evaluate);
        }

        private BackboneSpec? ReadBackbone(YamlNode node)
        {
            if (node is not YamlMappingNode map)
            {
                Error(node, "backbone", $"expected a mapping with {string.Join(", ", BackboneKeys)}, not {Describe(node)}");
                return null;
            }

            var f = Fields(map, "backbone", BackboneKeys);
            var arch = f.TryGetValue("arch", out var a) ? Name(a, "backbone.arch", KnownNames.Architectures, "architecture") : BackboneDefaults.Arch;
            var width = f.TryGetValue("width", out var w) ? Double(w, "backbone.width", 0, 4, exclusiveMin: true) : BackboneDefaults.Width;
            var input = f.TryGetValue("input", out var i) ? Int(i, "backbone.input", 32, 512) : BackboneDefaults.Input;
            if (input is { } px && px % 8 != 0)
            {
                Error(f["input"], "backbone.input", $"{px} is not a multiple of 8");
                return null;
            }

            var mean = f.TryGetValue("mean", out var m) ? Triple(m, "backbone.mean", 0, 1, exclusiveMin: false) : null;
            var std = f.TryGetValue("std", out var sd) ? Triple(sd, "backbone.std", 0, 10, exclusiveMin: true) : null;
            if ((mean is null) != (std is null) && (f.ContainsKey("mean") != f.ContainsKey("std")))
            {
                var (given, missing) = f.ContainsKey("mean") ? ("mean", "std") : ("std", "mean");
                Error(f[given], $"backbone.{given}", $"give {missing} too: the input normalisation is a mean and a standard deviation per channel");
                return null;
            }

            if (arch is null || width is null || input is null || (f.ContainsKey("mean") && (mean is null || std is null)))
                return null;
            var normalisation = mean is null ? null : new InputNormalisation(mean[0], mean[1], mean[2], std![0], std[1], std[2]);
            // The default, written out, is the default: the same jobs.
            return new BackboneSpec(arch, width.Value, input.Value) { Normalisation = normalisation == InputNormalisation.Centred ? null : normalisation };
        }

        /// <summary>Three numbers (red, green, blue) in a range.</summary>
        private double[]? Triple(YamlNode node, string field, double min, double max, bool exclusiveMin)
        {
            if (node is not YamlSequenceNode list || list.Children.Count != 3)
            {
                Error(node, field, $"expected three numbers [red, green, blue], not {Describe(node)}");
                return null;
            }

            var values = new double[3];
            for (var c = 0; c < 3; c++)
            {
                if (Double(list.Children[c], $"{field}[{c}]", min, max, exclusiveMin) is not { } value)
                    return null;
                values[c] = value;
            }

            return values;
        }

        private List<PretrainSpec> ReadPretrain(YamlNode node, BackboneSpec? backbone)
        {
            var result = new List<PretrainSpec>();
            // The entry (and its line) each pre-training job came from: two entries that name the
            // same job are refused, as a list naming a value twice is. (Within one entry, sources
            // that are one job by design collapse: scratch with a list of datasets is one backbone.)
            var origin = new Dictionary<string, (int Index, long Line)>(StringComparer.Ordinal);
            if (node is not YamlSequenceNode seq)
            {
                Error(node, "pretrain", $"expected a list of pre-training entries, not {Describe(node)}");
                return result;
            }

            if (seq.Children.Count == 0)
                Error(node, "pretrain", "the list is empty; give at least one {dataset, method} entry");

            for (var index = 0; index < seq.Children.Count; index++)
            {
                var path = $"pretrain[{index}]";
                if (seq.Children[index] is not YamlMappingNode entry)
                {
                    Error(seq.Children[index], path, $"expected a mapping such as {{dataset: synth-curated, method: simclr}}, not {Describe(seq.Children[index])}");
                    continue;
                }

                var f = Fields(entry, path, PretrainKeys);
                if (!f.ContainsKey("method"))
                    Error(entry, path, "'method' is required");

                // Every field may be a list; the entry expands into their cartesian product.
                var axes = new List<(string Key, List<YamlNode> Values)>();
                foreach (var key in PretrainKeys)
                {
                    if (!f.TryGetValue(key, out var value))
                        continue;
                    if (key == "options")
                    {
                        axes.AddRange(OptionAxes(value, $"{path}.options"));
                        continue;
                    }

                    if (value is YamlSequenceNode list)
                    {
                        if (list.Children.Count == 0)
                            Error(value, $"{path}.{key}", "the list is empty");
                        var listed = new HashSet<string>(StringComparer.Ordinal);
                        for (var i = 0; i < list.Children.Count; i++)
                        {
                            if (list.Children[i] is YamlScalarNode { Value: { } text } && !listed.Add(text))
                                Error(list.Children[i], $"{path}.{key}[{i}]", $"'{Clip(text)}' is listed twice");
                        }

                        axes.Add((key, list.Children.ToList()));
                    }
                    else
                    {
                        axes.Add((key, [value]));
                    }
                }

                // The product's size first: a hostile entry could otherwise make a million specs before being refused.
                var size = axes.Aggregate(1.0, (n, a) => n * Math.Max(1, a.Values.Count));
                if (result.Count + size > limits.MaxJobs)
                {
                    Error(entry, path, string.Create(CultureInfo.InvariantCulture, $"expands to {size:N0} pre-training sources; the configured limit is {limits.MaxJobs:N0} jobs"));
                    return result;
                }

                foreach (var combination in Cartesian(axes))
                {
                    var spec = ReadPretrainCombination(combination, path);
                    if (spec is null)
                        continue;
                    if (backbone is not null)
                    {
                        var id = Experiments.PretrainConfig.From(spec, backbone).Id;
                        if (origin.TryGetValue(id, out var first) && first.Index != index)
                        {
                            Error(entry, path,
                                $"names the same pre-training as pretrain[{first.Index}] on line {first.Line} ({spec.Method}{(spec.Method == "scratch" ? "" : $" on {spec.Dataset}")}): list each source once");
                            continue;
                        }

                        origin.TryAdd(id, (index, entry.Start.Line));
                    }

                    result.Add(spec);
                }
            }

            return result;
        }

        /// <summary>
        /// A method's options: a mapping of names to single values or lists of values (a list is one
        /// more axis of the entry's cartesian product). Names and values are checked by the method.
        /// </summary>
        private List<(string Key, List<YamlNode> Values)> OptionAxes(YamlNode node, string path)
        {
            var axes = new List<(string Key, List<YamlNode> Values)>();
            if (node is not YamlMappingNode map)
            {
                Error(node, path, $"expected a mapping of method settings such as {{prototypes: 300, queue: 4096}}, not {Describe(node)}");
                return axes;
            }

            foreach (var (keyNode, value) in map.Children)
            {
                var key = (keyNode as YamlScalarNode)?.Value ?? "";
                if (!OptionName().IsMatch(key))
                {
                    Error(keyNode, path, $"'{Clip(key)}' is not an option name (lower-case letters, digits and '_', starting with a letter)");
                    continue;
                }

                if (value is YamlSequenceNode list)
                {
                    if (list.Children.Count == 0)
                        Error(value, $"{path}.{key}", "the list is empty");
                    axes.Add(($"options.{key}", list.Children.ToList()));
                }
                else
                {
                    axes.Add(($"options.{key}", [value]));
                }
            }

            return axes;
        }

        /// <summary>An option's value as canonical text: numbers in round-trip form, so 0.10 and 0.1 are one job.</summary>
        private string? OptionValue(YamlNode node, string field)
        {
            if (String(node, field) is not { } text)
                return null;
            if (text.Length > 1024)
            {
                Error(node, field, $"the value is {text.Length} characters long; at most 1024 are allowed");
                return null;
            }

            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number)
                ? Format(number)
                : text;
        }

        private PretrainSpec? ReadPretrainCombination(IReadOnlyList<(string Key, YamlNode Value)> values, string path)
        {
            var options = new List<KeyValuePair<string, string>>();
            var d = PretrainDefaults;
            string? dataset = d.Dataset, method = null;
            int? epochs = d.Epochs, images = d.Images, batch = d.Batch, devices = d.Devices;
            double? lr = d.LearningRate, temperature = d.Temperature;
            var imagesGiven = false;
            var framesPerClip = 0;
            var ok = true;
            foreach (var (key, value) in values)
            {
                var field = $"{path}.{key}";
                switch (key)
                {
                    case "dataset": dataset = DatasetName(value, field); ok &= dataset is not null; break;
                    case "method": method = Name(value, field, KnownNames.Methods, "method"); ok &= method is not null; break;
                    case "epochs": epochs = Int(value, field, 1, 10_000); ok &= epochs is not null; break;
                    case "images":
                        imagesGiven = true;
                        images = value is YamlScalarNode { Value: KnownNames.AllImages } ? PretrainSpec.AllImages : Int(value, field, 16, 100_000_000);
                        ok &= images is not null;
                        break;
                    case "batch": batch = Int(value, field, 2, 65_536); ok &= batch is not null; break;
                    case "lr": lr = Double(value, field, 0, 100, exclusiveMin: true); ok &= lr is not null; break;
                    case "temperature": temperature = Double(value, field, 0, 10, exclusiveMin: true); ok &= temperature is not null; break;
                    case "devices": devices = Int(value, field, 1, MaxDevices); ok &= devices is not null; break;
                    case "frames_per_clip":
                        var frames = Int(value, field, 1, 100_000);
                        ok &= frames is not null;
                        framesPerClip = frames ?? 0;
                        break;
                    case var option when option.StartsWith("options.", StringComparison.Ordinal):
                        var text = OptionValue(value, field);
                        ok &= text is not null;
                        if (text is not null)
                            options.Add(KeyValuePair.Create(option["options.".Length..], text));
                        break;
                    default: break;
                }
            }

            if (ok && framesPerClip > 0 && dataset is not null && KnownNames.IsSynthDataset(dataset) && !KnownNames.NeedsNoTraining(method ?? ""))
            {
                Error(values.First(v => v.Key == "frames_per_clip").Value, $"{path}.frames_per_clip", $"thins the clips of an imported video set; {dataset} is generated: its clip length is fixed");
                ok = false;
            }

            // An imported set is taken whole unless the entry asks for a subset; SynthFace sets have no end, so they take the default.
            if (!imagesGiven && dataset is not null && !KnownNames.IsSynthDataset(dataset))
                images = PretrainSpec.AllImages;
            if (ok && images == PretrainSpec.AllImages && dataset is not null && KnownNames.IsSynthDataset(dataset) && !KnownNames.NeedsNoTraining(method ?? ""))
            {
                Error(values.First(v => v.Key == "images").Value, $"{path}.images", $"'{KnownNames.AllImages}' needs an imported dataset; {dataset} is generated and has no end: give a number");
                ok = false;
            }

            return ok && method is not null
                ? new PretrainSpec(dataset!, method, epochs!.Value, images!.Value, batch!.Value, lr!.Value, temperature!.Value, options.Count > 0 ? new MethodOptions(options) : null, devices!.Value, FramesPerClip: framesPerClip)
                : null;
        }

        private ScaleSpec? ReadScale(YamlNode node)
        {
            if (node is not YamlMappingNode map)
            {
                Error(node, "scale", $"expected a mapping with {string.Join(", ", ScaleKeys)}, not {Describe(node)}");
                return null;
            }

            var f = Fields(map, "scale", ScaleKeys);
            var d = ScaleDefaults;
            var train = f.TryGetValue("task_train", out var a) ? Int(a, "scale.task_train", 10, 100_000_000) : d.TaskTrain;
            var test = f.TryGetValue("task_test", out var b) ? Int(b, "scale.task_test", 10, 100_000_000) : d.TaskTest;
            var (steps, taskSteps) = f.TryGetValue("finetune_steps", out var c) ? ReadSteps(c, d.FinetuneSteps) : (d.FinetuneSteps, null);
            var batch = f.TryGetValue("finetune_batch", out var e) ? Int(e, "scale.finetune_batch", 1, 65_536) : d.FinetuneBatch;
            // One learning rate, or a list to tune per cell on the validation split.
            var rates = new List<double>();
            var ratesOk = true;
            if (f.TryGetValue("finetune_lr", out var g))
            {
                foreach (var (item, path) in Items(g, "scale.finetune_lr", "a learning rate or a list of them such as [0.001, 0.003]"))
                {
                    if (Double(item, path, 0, 100, exclusiveMin: true) is not { } rate)
                        ratesOk = false;
                    else if (rates.Contains(rate))
                        Error(item, path, $"{Format(rate)} is listed twice");
                    else
                        rates.Add(rate);
                }
            }
            else
            {
                rates.Add(d.FinetuneLearningRate);
            }

            return train is null || test is null || steps is null || batch is null || !ratesOk || rates.Count == 0
                ? null
                : new ScaleSpec(train.Value, test.Value, steps.Value, batch.Value, rates[0], rates.Count > 1 ? rates : null) { TaskSteps = taskSteps };
        }

        /// <summary><c>finetune_steps</c>: a number for every task, or a mapping of tasks (and <c>default</c> for the rest) to numbers.</summary>
        private (int? Steps, IReadOnlyDictionary<string, int>? TaskSteps) ReadSteps(YamlNode node, int fallback)
        {
            const string field = "scale.finetune_steps";
            if (node is not YamlMappingNode map)
                return (Int(node, field, 1, 10_000_000), null);

            var known = KnownNames.Tasks.Append("default").ToList();
            var fields = Fields(map, field, known);
            var steps = fallback;
            var ok = true;
            var perTask = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var (key, value) in fields)
            {
                if (Int(value, $"{field}.{key}", 1, 10_000_000) is not { } n)
                    ok = false;
                else if (key == "default")
                    steps = n;
                else
                    perTask[key] = n;
            }

            if (fields.Count == 0)
                Error(map, field, $"an empty mapping: give a number, or steps per task such as {{default: 250, emotion: 750}} (keys: {string.Join(", ", known)})");
            return ok && fields.Count > 0 ? (steps, perTask.Count > 0 ? perTask : null) : (null, null);
        }

        private List<double> ReadShots(YamlNode node)
        {
            var shots = new List<double>();
            foreach (var (item, path) in Items(node, "shots", "a list of fractions such as [0.05, 0.2, 1.0]"))
            {
                if (Double(item, path, 0, 1, exclusiveMin: true) is not { } shot)
                    continue;
                if (shots.Contains(shot))
                    Error(item, path, $"{Format(shot)} is listed twice");
                else
                    shots.Add(shot);
            }

            return shots;
        }

        private List<int> ReadSeeds(YamlNode node)
        {
            var seeds = new List<int>();
            foreach (var (item, path) in Items(node, "seeds", "a list of integers such as [0, 1, 2]"))
            {
                if (Int(item, path, 0, int.MaxValue) is not { } seed)
                    continue;
                if (seeds.Contains(seed))
                    Error(item, path, $"{seed} is listed twice");
                else
                    seeds.Add(seed);
            }

            return seeds;
        }

        private List<string> NameList(YamlNode node, string field, IReadOnlyList<string> known, string what)
        {
            var names = new List<string>();
            foreach (var (item, path) in Items(node, field, $"a list of {what} names"))
            {
                if (Name(item, path, known, what) is not { } name)
                    continue;
                if (names.Contains(name))
                    Error(item, path, $"'{name}' is listed twice");
                else
                    names.Add(name);
            }

            return names;
        }

        private IEnumerable<(YamlNode Item, string Path)> Items(YamlNode node, string field, string expected)
        {
            if (node is YamlScalarNode)
            {
                // A single value stands for a one-element list.
                yield return (node, field);
                yield break;
            }

            if (node is not YamlSequenceNode seq)
            {
                Error(node, field, $"expected {expected}, not {Describe(node)}");
                yield break;
            }

            if (seq.Children.Count == 0)
                Error(node, field, $"the list is empty; expected {expected}");

            for (var i = 0; i < seq.Children.Count; i++)
                yield return (seq.Children[i], $"{field}[{i}]");
        }

        private Dictionary<string, YamlNode> Fields(YamlMappingNode map, string path, IReadOnlyList<string> known)
        {
            var fields = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
            foreach (var (keyNode, value) in map.Children)
            {
                if (keyNode is not YamlScalarNode { Value: { } key })
                {
                    Error(keyNode, path, $"field names must be plain text, not {Describe(keyNode)}");
                    continue;
                }

                var field = path.Length == 0 ? key : $"{path}.{key}";
                if (!known.Contains(key))
                {
                    Error(keyNode, field, $"unknown field '{Clip(key)}'; known fields: {string.Join(", ", known)}");
                    continue;
                }

                fields[key] = value;
            }

            return fields;
        }

        private YamlNode? Required(Dictionary<string, YamlNode> fields, YamlNode parent, string key)
        {
            if (fields.TryGetValue(key, out var node))
                return node;
            Error(parent, key, "is required");
            return null;
        }

        /// <summary>A dataset: a SynthFace name, or the name of an imported set (checked by <c>checkDataset</c> when given).</summary>
        private string? DatasetName(YamlNode node, string field)
        {
            if (String(node, field) is not { } value)
                return null;
            if (KnownNames.IsSynthDataset(value))
                return value;
            // A union of imported sets: "a+b+c", read as one set in that order.
            var parts = value.Split('+');
            if (parts.Length > 1 && parts.Distinct().Count() != parts.Length)
            {
                Error(node, field, $"'{Clip(value)}' names a set twice; a union takes each set once");
                return null;
            }

            foreach (var part in parts)
            {
                if (!KnownNames.IsImportedDatasetName(part))
                {
                    Error(node, field, parts.Length > 1 && KnownNames.IsSynthDataset(part)
                        ? $"'{Clip(value)}': a union is of imported sets; {part} is generated"
                        : part.StartsWith("synth-", StringComparison.Ordinal)
                        ? $"unknown dataset '{Clip(part)}'; known: {string.Join(", ", KnownNames.Datasets)} (names starting 'synth-' are SynthFace's)"
                        : $"'{Clip(part)}' is neither a SynthFace set ({string.Join(", ", KnownNames.Datasets)}) nor an imported set's name (lower-case letters, digits, '.', '_' and '-', at most 64; '+' between the sets of a union)");
                    return null;
                }

                if ((checkDataset ?? NoImportedSets)(part) is { } problem)
                {
                    Error(node, field, problem);
                    return null;
                }
            }

            return value;
        }

        private static string? NoImportedSets(string name) => KnownNames.UnknownDataset(name, "none (no dataset root given)");

        private string? Name(YamlNode node, string field, IReadOnlyList<string> known, string what)
        {
            if (String(node, field) is not { } value)
                return null;
            if (known.Contains(value))
                return value;
            Error(node, field, $"unknown {what} '{Clip(value)}'; known: {string.Join(", ", known)}");
            return null;
        }

        private string? String(YamlNode node, string field)
        {
            if (node is not YamlScalarNode scalar)
            {
                Error(node, field, $"expected a single value, not {Describe(node)}");
                return null;
            }

            if (string.IsNullOrWhiteSpace(scalar.Value) || IsNull(scalar))
            {
                Error(node, field, "is empty");
                return null;
            }

            return scalar.Value;
        }

        private int? Int(YamlNode node, string field, int min, int max)
        {
            if (Number(node, field, "an integer") is not { } text)
                return null;
            if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            {
                Error(node, field, $"'{Clip(text)}' is not an integer");
                return null;
            }

            if (value < min || value > max)
            {
                Error(node, field, $"{value} is out of range; expected {min} to {max}");
                return null;
            }

            return (int)value;
        }

        private double? Double(YamlNode node, string field, double min, double max, bool exclusiveMin)
        {
            if (Number(node, field, "a number") is not { } text)
                return null;
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
            {
                Error(node, field, $"'{Clip(text)}' is not a finite number");
                return null;
            }

            var tooSmall = exclusiveMin ? value <= min : value < min;
            if (tooSmall || value > max)
            {
                var range = exclusiveMin ? $"greater than {Format(min)} and at most {Format(max)}" : $"{Format(min)} to {Format(max)}";
                Error(node, field, $"{Format(value)} is out of range; expected {range}");
                return null;
            }

            return value;
        }

        private string? Number(YamlNode node, string field, string expected)
        {
            if (node is not YamlScalarNode scalar)
            {
                Error(node, field, $"expected {expected}, not {Describe(node)}");
                return null;
            }

            if (scalar.Value is null || IsNull(scalar))
            {
                Error(node, field, $"is empty; expected {expected}");
                return null;
            }

            if (scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted)
            {
                Error(node, field, $"'{Clip(scalar.Value)}' is quoted text; expected {expected} (remove the quotes)");
                return null;
            }

            return scalar.Value.Trim();
        }

        private bool CheckBudget(YamlNode node, string field, int depth)
        {
            if (++_visited > limits.MaxNodes)
            {
                Error(node, field, $"the spec has more than {limits.MaxNodes:N0} YAML nodes (counting alias uses)");
                return false;
            }

            if (depth > limits.MaxDepth)
            {
                Error(node, field, $"the spec nests deeper than {limits.MaxDepth} levels");
                return false;
            }

            return node switch
            {
                YamlMappingNode map => map.Children.All(kv => CheckBudget(kv.Key, field, depth + 1) && CheckBudget(kv.Value, field, depth + 1)),
                YamlSequenceNode seq => seq.Children.All(child => CheckBudget(child, field, depth + 1)),
                _ => true,
            };
        }

        /// <summary>Records a problem; past <see cref="MaxErrors"/>, one line says there are more and the rest are dropped (a list of 200,000 bad names is one mistake repeated).</summary>
        private void Error(YamlNode node, string field, string message)
        {
            if (Errors.Count < MaxErrors)
                Errors.Add(new SpecError(file, (int)node.Start.Line, (int)node.Start.Column, field, message));
            else if (Errors.Count == MaxErrors)
                Errors.Add(new SpecError(file, 0, 0, "", "and more problems like these; fix these first"));
        }

        private static bool IsNull(YamlScalarNode scalar) =>
            scalar.Style == ScalarStyle.Plain && scalar.Value is "" or "~" or "null" or "Null" or "NULL";

        private static string Describe(YamlNode node) => node switch
        {
            YamlMappingNode => "a mapping",
            YamlSequenceNode => "a list",
            YamlScalarNode s when s.Value is null || IsNull(s) => "an empty value",
            YamlScalarNode s => $"the value '{Clip(s.Value!)}'",
            _ => "an unsupported YAML node",
        };

        private static IEnumerable<IReadOnlyList<(string Key, YamlNode Value)>> Cartesian(List<(string Key, List<YamlNode> Values)> axes)
        {
            if (axes.Any(a => a.Values.Count == 0))
                yield break;
            var index = new int[axes.Count];
            while (true)
            {
                yield return axes.Select((a, i) => (a.Key, a.Values[index[i]])).ToList();
                var k = axes.Count - 1;
                while (k >= 0 && ++index[k] == axes[k].Values.Count)
                {
                    index[k] = 0;
                    k--;
                }

                if (k < 0)
                    yield break;
            }
        }
    }
}
