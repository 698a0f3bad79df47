using FaceRep.Core.Specs;

namespace FaceRep.Core.Experiments;

/// <summary>A pre-training job and the id derived from its configuration.</summary>
public sealed record PretrainJob(string Id, PretrainConfig Config);

/// <summary>An evaluation job, its id and the pre-training job it waits for.</summary>
public sealed record EvaluateJob(string Id, string DependsOn, EvaluateConfig Config);

/// <summary>The jobs of one sweep, in a stable order: pre-training first, then evaluation.</summary>
public sealed record GridExpansion(SweepSpec Spec, IReadOnlyList<PretrainJob> Pretrain, IReadOnlyList<EvaluateJob> Evaluations)
{
    /// <summary>All jobs of the sweep.</summary>
    public int JobCount => Pretrain.Count + Evaluations.Count;
}

/// <summary>Expands a sweep spec into pre-training and evaluation jobs with content-hash ids.</summary>
public static class GridExpander
{
    /// <summary>
    /// Counts the jobs a spec expands to without building them (an upper bound when pre-training
    /// entries collapse into one job, as several 'scratch' entries do).
    /// </summary>
    public static long CountJobs(SweepSpec spec)
    {
        long pretrain = spec.Pretrain.Count;
        long tasks = spec.Tasks.Count + spec.Benchmarks.Count;
        long ceiling = spec.Ceiling is null ? 0 : 1 + (tasks * spec.Seeds.Count);
        return pretrain + ceiling + pretrain * tasks * spec.Shots.Count * spec.Seeds.Count * spec.Protocols.Count * spec.Scale.LearningRates.Count;
    }

    /// <summary>
    /// Expands the grid. Identical pre-training sources become one job. A spec with a ceiling adds,
    /// for every task and seed, a fine-tuning run from scratch on all labels under the ceiling
    /// protocol (and the scratch source's job, if the spec does not list it).
    /// </summary>
    public static GridExpansion Expand(SweepSpec spec)
    {
        var pretrain = new List<PretrainJob>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in spec.Pretrain)
        {
            var config = PretrainConfig.From(entry, spec.Backbone);
            var id = config.Id;
            if (seen.Add(id))
                pretrain.Add(new PretrainJob(id, config));
        }

        // Each task on SynthFace, then each task on an imported benchmark (its splits are its own).
        var targets = spec.Tasks.Select(t => (Task: t, Benchmark: (BenchmarkTaskSpec?)null))
            .Concat(spec.Benchmarks.Select(b => (b.Task, Benchmark: (BenchmarkTaskSpec?)b))).ToList();
        EvaluateConfig Evaluation(PretrainConfig source, string task, BenchmarkTaskSpec? benchmark, string protocol, double shots, int seed, int steps, int batch, double lr) =>
            benchmark is null
                ? new EvaluateConfig(source, task, protocol, shots, seed, spec.Scale.TaskTrain, spec.Scale.TaskTest, steps, batch, lr)
                : new EvaluateConfig(source, task, protocol, shots, seed, 0, 0, steps, batch, lr, benchmark.Benchmark, benchmark.Content, benchmark.Kind);

        var evaluations = new List<EvaluateJob>();
        foreach (var source in pretrain)
        {
            foreach (var (task, benchmark) in targets)
            {
                foreach (var protocol in spec.Protocols)
                {
                    foreach (var shots in spec.Shots)
                    {
                        foreach (var seed in spec.Seeds)
                        {
                            foreach (var lr in spec.Scale.LearningRates)
                            {
                                var config = Evaluation(source.Config, task, benchmark, protocol, shots, seed, spec.Scale.StepsFor(task), spec.Scale.FinetuneBatch, lr);
                                evaluations.Add(new EvaluateJob(config.Id, source.Id, config));
                            }
                        }
                    }
                }
            }
        }

        if (spec.Ceiling is { } ceiling)
        {
            var scratch = PretrainConfig.From(SweepSpecParser.PretrainDefaults with { Method = "scratch" }, spec.Backbone);
            if (seen.Add(scratch.Id))
                pretrain.Add(new PretrainJob(scratch.Id, scratch));
            foreach (var (task, benchmark) in targets)
            {
                foreach (var seed in spec.Seeds)
                {
                    var config = Evaluation(scratch, task, benchmark, KnownNames.CeilingProtocol, 1.0, seed, ceiling.Steps, ceiling.Batch, ceiling.LearningRate);
                    evaluations.Add(new EvaluateJob(config.Id, scratch.Id, config));
                }
            }
        }

        return new GridExpansion(spec, pretrain, evaluations);
    }
}
