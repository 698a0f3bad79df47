using System.Globalization;
using System.Text;

namespace FaceRep.Core.Tests.Specs;

/// <summary>One malformed or hostile sweep spec, and a fragment its error must contain.</summary>
/// <param name="Name">What is wrong with it, as a test case's name.</param>
/// <param name="Text">The spec's text.</param>
/// <param name="Expected">A fragment of the error (the field, the value or the limit it names).</param>
public sealed record HostileSpec(string Name, string Text, string Expected)
{
    public override string ToString() => Name;
}

/// <summary>
/// A generated corpus of malformed and hostile sweep specs: syntax errors, wrong types, unknown
/// names, negative and absurd sizes, grids over the limit, alias bombs, deep nesting, huge strings,
/// and documents that are not specs at all. Every one must be refused with a clear error.
/// </summary>
public static class HostileSpecs
{
    /// <summary>The largest grid the corpus assumes is accepted (<see cref="FaceRep.Core.Specs.SpecLimits.MaxJobs"/>'s default).</summary>
    public const long MaxJobs = 1_000_000;

    private const string Pretrain = "pretrain:\n  - {dataset: synth-curated, method: simclr}\n";
    private const string Rest = "tasks: [landmarks]\nshots: [0.2]\nseeds: [0]\n";

    /// <summary>A valid spec with one field replaced (or added, when <paramref name="field"/> is new).</summary>
    private static string With(string field, string value)
    {
        var fields = new List<(string Key, string Value)>
        {
            ("name", "hostile"),
            ("pretrain", "\n  - {dataset: synth-curated, method: simclr}"),
            ("tasks", "[landmarks]"),
            ("shots", "[0.2]"),
            ("seeds", "[0]"),
        };
        var i = fields.FindIndex(f => f.Key == field);
        if (i >= 0)
            fields[i] = (field, value);
        else
            fields.Add((field, value));
        return string.Concat(fields.Select(f => $"{f.Key}: {f.Value}\n"));
    }

    /// <summary>A valid spec whose one pre-training entry has <paramref name="entry"/> as its fields.</summary>
    private static string Entry(string entry) => $"name: hostile\npretrain:\n  - {{{entry}}}\n{Rest}";

    public static IReadOnlyList<HostileSpec> All { get; } = Build();

    private static List<HostileSpec> Build()
    {
        var all = new List<HostileSpec>();
        void Add(string name, string text, string expected) => all.Add(new HostileSpec($"{all.Count + 1:000} {name}", text, expected));

        // Syntax errors.
        Add("unclosed flow sequence", "name: x\nseeds: [0, 1\n", "invalid YAML");
        Add("unclosed flow mapping", "name: x\npretrain:\n  - {dataset: synth-curated, method: simclr\n" + Rest, "invalid YAML");
        Add("unterminated double quote", "name: \"hostile\n" + Pretrain + Rest, "invalid YAML");
        Add("unterminated single quote", "name: 'hostile\n" + Pretrain + Rest, "invalid YAML");
        Add("tab indentation", "name: x\npretrain:\n\t- {method: simclr}\n" + Rest, "invalid YAML");
        Add("bad indentation", "name: x\n  pretrain:\n- {method: simclr}\n" + Rest, "invalid YAML");
        Add("duplicate key", "name: a\nname: b\n" + Pretrain + Rest, "invalid YAML");
        Add("stray closing bracket", "name: x]\n" + Pretrain + "tasks: [landmarks]]\nshots: [0.2]\nseeds: [0]\n", "invalid YAML");
        Add("mapping in a sequence line", "name: x\n" + Pretrain + "tasks:\n  - landmarks\n  emotion: 1\nshots: [0.2]\nseeds: [0]\n", "invalid YAML");
        Add("undefined alias", "name: *nothing\n" + Pretrain + Rest, "invalid YAML");
        Add("anchor redefined then used badly", "name: &a x\nother: *b\n" + Pretrain + Rest, "invalid YAML");
        Add("directive garbage", "%YAML 9.9\n---\nname: x\n" + Pretrain + Rest, "YAML");
        Add("language tag", "name: !!python/object:os.system x\n" + Pretrain + Rest, "tag");
        Add("local tag", "name: x\n" + Pretrain + "tasks: !custom [landmarks]\nshots: [0.2]\nseeds: [0]\n", "tag");
        Add("colon without space in flow", "name: x\n" + Pretrain + "tasks: [landmarks:]\nshots: [0.2]\nseeds: [0]\n", "tasks");
        Add("block scalar indicator misuse", "name: |\nx\n" + Pretrain + Rest, "");
        Add("only a colon", ":", "");
        Add("only a dash", "-", "mapping");
        Add("unclosed block in flow", "name: x\n" + Pretrain + "tasks: {landmarks\nshots: [0.2]\nseeds: [0]\n", "invalid YAML");
        Add("question-mark complex key", "? [a, b]\n: c\n" + Pretrain + Rest, "");
        Add("two documents", "name: a\n" + Pretrain + Rest + "---\nname: b\n", "more than one YAML document");
        Add("document end then text", "name: a\n...\nname: b\n", "");
        Add("null byte", "name: x\0y\n" + Pretrain + Rest, "");
        Add("control characters", "name: \u0001\u0002\u0003\n" + Pretrain + Rest, "");
        Add("unpaired surrogate", "name: \ud800\n" + Pretrain + Rest, "");
        Add("binary garbage", Encoding.Latin1.GetString(Enumerable.Range(0, 512).Select(i => (byte)(i * 37 % 256)).ToArray()), "");

        // Not a spec at all.
        Add("empty document", "", "empty");
        Add("only whitespace", "   \n\n  \n", "empty");
        Add("only a comment", "# nothing here\n", "empty");
        Add("a scalar", "hello", "mapping");
        Add("a number", "42", "mapping");
        Add("a list", "- name: x\n- pretrain: []\n", "mapping");
        Add("null document", "~", "mapping");
        Add("explicit empty document", "---\n...\n", "");
        Add("a mapping of nothing", "{}", "is required");

        // Missing and unknown fields.
        foreach (var field in new[] { "name", "pretrain", "tasks", "shots", "seeds" })
        {
            var text = string.Join('\n', With("name", "hostile").Split('\n').Where(l => !l.StartsWith(field + ":", StringComparison.Ordinal) && !(field == "pretrain" && l.StartsWith("  -", StringComparison.Ordinal))));
            Add($"missing {field}", text, field);
        }

        foreach (var (field, value) in new[] { ("nmae", "x"), ("tasks_", "[emotion]"), ("Pretrain", "[]"), ("seed", "[1]"), ("shot", "[0.2]"), ("backbone2", "{}"), ("__proto__", "{}"), ("$where", "1") })
            Add($"unknown top-level field {field}", With(field, value), $"unknown field '{field}'");
        Add("unknown backbone field", With("backbone", "{arch: resnet18, depth: 50}"), "backbone.depth");
        Add("unknown scale field", With("scale", "{task_train: 100, epochs: 5}"), "scale.epochs");
        Add("unknown pretrain field", Entry("method: simclr, optimizer: sgd"), "pretrain[0].optimizer");
        Add("unknown placement field", With("placement", "{train: gpu}"), "placement.train");
        Add("non-scalar key", With("{a: 1}", "x"), "plain text");

        // Unknown names.
        foreach (var method in new[] { "simclr2", "SIMCLR", "dino", "", "'; DROP TABLE results; --", "../../etc/passwd", "moco v2" })
            Add($"unknown method '{method}'", Entry($"method: \"{method}\""), "pretrain[0].method");
        foreach (var dataset in new[] { "imagenet", "synth", "../synth-curated", "/etc/shadow", "synth-curated/../../x", "$(rm -rf /)" })
            Add($"unknown dataset '{dataset}'", Entry($"dataset: \"{dataset}\", method: simclr"), "pretrain[0].dataset");
        foreach (var task in new[] { "segmentation", "Landmarks", "landmarks3D", "" })
            Add($"unknown task '{task}'", With("tasks", $"[\"{task}\"]"), "tasks[0]");
        foreach (var protocol in new[] { "linear_probe", "zero-shot", "finetune " })
            Add($"unknown protocol '{protocol}'", With("protocols", $"[\"{protocol}\"]"), "protocols[0]");
        foreach (var arch in new[] { "resnet1000", "vit-h", "" })
            Add($"unknown architecture '{arch}'", With("backbone", $"{{arch: \"{arch}\"}}"), "backbone.arch");
        foreach (var kind in new[] { "tpu", "cuda0", "GPU" })
            Add($"unknown device kind '{kind}'", With("placement", $"{{pretrain: {kind}}}"), "placement.pretrain");
        Add("listed twice task", With("tasks", "[landmarks, landmarks]"), "listed twice");
        Add("listed twice shot", With("shots", "[0.2, 0.20]"), "listed twice");
        Add("listed twice seed", With("seeds", "[1, 1]"), "listed twice");

        // Wrong types.
        foreach (var (field, value) in new[]
        {
            ("name", "[a, b]"), ("name", "{a: 1}"), ("name", "''"), ("name", "~"),
            ("priority", "high"), ("priority", "[1]"), ("priority", "1.5"),
            ("pretrain", "simclr"), ("pretrain", "{method: simclr}"), ("pretrain", "[]"), ("pretrain", "[simclr]"), ("pretrain", "[[simclr]]"),
            ("tasks", "{landmarks: 1}"), ("tasks", "[]"), ("tasks", "[[landmarks]]"),
            ("shots", "many"), ("shots", "['0.2']"), ("shots", "[]"), ("shots", "{a: 0.2}"), ("shots", "[true]"),
            ("seeds", "[one]"), ("seeds", "[0.5]"), ("seeds", "{}"), ("seeds", "[]"), ("seeds", "['1']"),
            ("backbone", "resnet18"), ("backbone", "[resnet18]"), ("backbone", "{width: wide}"), ("backbone", "{input: [64, 128]}"),
            ("scale", "big"), ("scale", "{task_train: lots}"), ("scale", "{finetune_lr: fast}"), ("scale", "{finetune_batch: [1, 2]}"),
            ("protocols", "{finetune: 1}"), ("protocols", "[]"),
            ("placement", "gpu"), ("placement", "[gpu]"), ("placement", "{pretrain: [gpu, cpu]}"),
        })
        {
            Add($"{field} as {value}", With(field, value), field);
        }

        foreach (var (field, value) in new[]
        {
            ("epochs", "five"), ("epochs", "1.5"), ("epochs", "{a: 1}"), ("epochs", "[]"), ("epochs", "'5'"),
            ("images", "1e3x"), ("images", "true"), ("batch", "[[64]]"), ("batch", "0x40"), ("lr", "fast"), ("lr", "[]"),
            ("temperature", "warm"), ("devices", "all"), ("devices", "1.5"), ("options", "[a, b]"), ("options", "prototypes"),
            ("method", "[]"), ("method", "{a: b}"), ("dataset", "{}"), ("method", "~"),
        })
        {
            Add($"pretrain {field} as {value}", Entry(field == "method" ? $"method: {value}" : $"method: simclr, {field}: {value}"), $"pretrain[0]");
        }

        Add("option name with capitals", Entry("method: simclr, options: {Queue: 1}"), "option name");
        Add("option value 2 KB", Entry($"method: simclr, options: {{queue: {new string('9', 2048)}}}"), "1024");

        // Negative and absurd sizes.
        foreach (var (field, value) in new[]
        {
            ("epochs", "-1"), ("epochs", "0"), ("epochs", "1000000000000"), ("epochs", "99999999999999999999999999"),
            ("images", "-5"), ("images", "0"), ("images", "1000000000000"), ("images", "15"),
            ("batch", "0"), ("batch", "-64"), ("batch", "1"), ("batch", "1000000000"),
            ("lr", "-0.001"), ("lr", "0"), ("lr", "1e9"), ("lr", ".nan"), ("lr", ".inf"), ("lr", "-.inf"), ("lr", "1e-400"),
            ("temperature", "0"), ("temperature", "-1"), ("temperature", "1e300"), ("temperature", ".NaN"),
            ("devices", "0"), ("devices", "-1"), ("devices", "65"), ("devices", "2147483648"),
        })
        {
            Add($"pretrain {field} {value}", Entry($"method: simclr, {field}: {value}"), $"pretrain[0].{field}");
        }

        foreach (var (field, value, expected) in new[]
        {
            ("shots", "[-0.1]", "shots[0]"), ("shots", "[0]", "shots[0]"), ("shots", "[1.5]", "shots[0]"), ("shots", "[.nan]", "shots[0]"), ("shots", "[1e308]", "shots[0]"),
            ("seeds", "[-1]", "seeds[0]"), ("seeds", "[1099511627776]", "seeds[0]"), ("seeds", "[2147483648]", "seeds[0]"),
            ("priority", "-1001", "priority"), ("priority", "1001", "priority"), ("priority", "9223372036854775808", "priority"),
            ("backbone", "{width: 0}", "backbone.width"), ("backbone", "{width: -0.25}", "backbone.width"), ("backbone", "{width: 100}", "backbone.width"), ("backbone", "{width: .nan}", "backbone.width"),
            ("backbone", "{input: 1}", "backbone.input"), ("backbone", "{input: 100000}", "backbone.input"), ("backbone", "{input: 65}", "backbone.input"), ("backbone", "{input: -64}", "backbone.input"),
            ("scale", "{task_train: -1}", "scale.task_train"), ("scale", "{task_train: 1000000000000}", "scale.task_train"), ("scale", "{task_test: 0}", "scale.task_test"),
            ("scale", "{finetune_steps: 0}", "scale.finetune_steps"), ("scale", "{finetune_steps: 100000000000}", "scale.finetune_steps"),
            ("scale", "{finetune_batch: 0}", "scale.finetune_batch"), ("scale", "{finetune_lr: -1}", "scale.finetune_lr"), ("scale", "{finetune_lr: [0.001, .inf]}", "scale.finetune_lr[1]"),
            ("scale", "{finetune_lr: [0.001, 0.001]}", "listed twice"),
        })
        {
            Add($"{field} {value}", With(field, value), expected);
        }

        // Grids over the limit: refused with the count and the limit.
        var seeds = string.Join(", ", Enumerable.Range(0, 1000));
        var shots = string.Join(", ", Enumerable.Range(1, 100).Select(i => (i / 100.0).ToString(CultureInfo.InvariantCulture)));
        var epochs = string.Join(", ", Enumerable.Range(1, 100));
        Add("grid of seeds x shots x epochs", $"name: big\npretrain:\n  - {{method: [simclr, moco], epochs: [{epochs}]}}\ntasks: [landmarks, emotion]\nshots: [{shots}]\nseeds: [{seeds}]\n", "configured limit is 1,000,000");
        Add("grid of every task", $"name: big\npretrain:\n  - {{method: [simclr, moco, byol], epochs: [{epochs}]}}\ntasks: [recognition, landmarks, au, emotion, landmarks3d]\nshots: [{shots}]\nseeds: [{string.Join(", ", Enumerable.Range(0, 20))}]\n", "jobs; the configured limit");
        Add("grid from pretrain products", $"name: big\npretrain:\n  - {{method: [simclr, moco, byol], epochs: [{epochs}], images: [{string.Join(", ", Enumerable.Range(16, 100))}], batch: [{string.Join(", ", Enumerable.Range(2, 100))}]}}\n{Rest}", "expands to 3,000,000 pre-training sources; the configured limit is 1,000,000 jobs");
        Add("grid from option products", $"name: big\npretrain:\n  - {{method: simclr, options: {{a: [{epochs}], b: [{epochs}], c: [{epochs}], d: [{epochs}]}}}}\n{Rest}", "expands to 100,000,000 pre-training sources; the configured limit is 1,000,000 jobs");
        string[] methods = ["simclr", "moco", "byol", "barlow", "swav", "supervised"];
        for (var k = 2; k <= 6; k++)
        {
            // k methods × 100 epochs (a pre-training job each) × 5 tasks × 1,000 seeds evaluations.
            var count = (long)k * 100 + (long)k * 100 * 5 * 1000;
            Add($"grid of {k} methods x 100 epochs x 5 tasks x 1000 seeds", $"name: big\npretrain:\n  - {{method: [{string.Join(", ", methods.Take(k))}], epochs: [{epochs}]}}\ntasks: [recognition, landmarks, au, emotion, landmarks3d]\nshots: [0.1]\nseeds: [{seeds}]\n",
                $"the grid expands to {count:N0} jobs; the configured limit is 1,000,000");
        }

        // Alias bombs: each level multiplies the uses of the one before.
        for (var levels = 3; levels <= 12; levels++)
        {
            var b = new StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
            for (var l = 1; l < levels; l++)
                b.Append(CultureInfo.InvariantCulture, $"a{l}: &a{l} [{string.Join(", ", Enumerable.Repeat($"*a{l - 1}", 10))}]\n");
            Add($"billion laughs, {levels} levels", b + With("name", "bomb"), levels < 5 ? "unknown field" : "YAML nodes");
        }

        Add("alias bomb inside seeds", "base: &b [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]\nl1: &l1 [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nl2: &l2 [*l1, *l1, *l1, *l1, *l1, *l1, *l1, *l1, *l1, *l1]\nl3: &l3 [*l2, *l2, *l2, *l2, *l2, *l2, *l2, *l2, *l2, *l2]\nl4: &l4 [*l3, *l3, *l3, *l3, *l3, *l3, *l3, *l3, *l3, *l3]\n" + With("seeds", "*l4"), "");
        Add("self-referential alias", "a: &a [*a]\n" + With("name", "x"), "");
        Add("alias of the whole pretrain list x 1000", "p: &p {method: simclr}\n" + With("pretrain", "[" + string.Join(", ", Enumerable.Repeat("*p", 1000)) + "]"), "");

        // Deep nesting, in flow and block style.
        foreach (var depth in new[] { 40, 100, 1_000, 10_000, 100_000, 500_000 })
            Add($"flow sequences {depth} deep", With("seeds", new string('[', depth) + "0" + new string(']', depth)), "");
        foreach (var depth in new[] { 40, 1_000, 50_000 })
            Add($"flow mappings {depth} deep", With("backbone", string.Concat(Enumerable.Repeat("{a: ", depth)) + "1" + new string('}', depth)), "");
        foreach (var depth in new[] { 40, 500, 5_000 })
        {
            var b = new StringBuilder("name: deep\n");
            for (var d = 0; d < depth; d++)
                b.Append(' ', d).Append("k:\n");
            b.Append(' ', depth).Append("v: 1\n");
            Add($"block mappings {depth} deep", b.ToString(), "");
        }

        foreach (var depth in new[] { 40, 2_000 })
        {
            var b = new StringBuilder("name: deep\nseeds:\n");
            for (var d = 0; d < depth; d++)
                b.Append(' ', d + 1).Append("-\n");
            Add($"block sequences {depth} deep", b.ToString(), "");
        }

        // Huge strings.
        Add("name of 101 characters", With("name", new string('a', 101)), "not a valid sweep name");
        Add("name of 200 KB", With("name", new string('a', 200_000)), "not a valid sweep name");
        Add("name with a path", With("name", "../../etc/cron.d/x"), "not a valid sweep name");
        Add("name with a slash", With("name", "a/b"), "not a valid sweep name");
        Add("name with spaces", With("name", "\"my sweep\""), "not a valid sweep name");
        Add("name with a newline", With("name", "\"a\\nb\""), "not a valid sweep name");
        Add("name starting with a dot", With("name", ".hidden"), "not a valid sweep name");
        Add("name of emoji", With("name", "\"😀\""), "not a valid sweep name");
        Add("description of 2 MB", With("description", new string('d', 2 << 20)), "limit is");
        Add("file of 1 MB plus a byte", With("name", "x") + "#" + new string('c', 1 << 20), "limit is");
        Add("key of 500 KB", With(new string('k', 500_000), "1"), "invalid YAML");
        Add("quoted key of 500 KB", With($"\"{new string('k', 500_000)}\"", "1"), "invalid YAML");
        Add("key of 1,000 characters", With(new string('k', 1_000), "1"), $"unknown field '{new string('k', 57)}...'");
        Add("method of 100 KB", Entry($"method: {new string('m', 100_000)}"), "pretrain[0].method");
        Add("task of 100 KB", With("tasks", $"[{new string('t', 100_000)}]"), "tasks[0]");
        Add("100,000 seeds", With("seeds", $"[{string.Join(", ", Enumerable.Range(0, 100_000))}]"), "");
        Add("20,000 unknown list items", With("tasks", $"[{string.Join(", ", Enumerable.Repeat("a", 20_000))}]"), "and more problems like these");
        Add("200,000 list items", With("tasks", $"[{string.Join(", ", Enumerable.Repeat("a", 200_000))}]"), "YAML nodes");
        Add("number of 10,000 digits", With("seeds", $"[{new string('7', 10_000)}]"), "seeds[0]");
        Add("float of 10,000 digits", With("shots", $"[0.{new string('1', 10_000)}x]"), "shots[0]");

        return all;
    }
}
