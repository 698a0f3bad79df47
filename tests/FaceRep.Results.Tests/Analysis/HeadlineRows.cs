using FaceRep.Core.Metrics;
using FaceRep.Results.Store;

namespace FaceRep.Results.Tests.Analysis;

/// <summary>Result rows carrying one value of their task's headline metric, for analysis tests.</summary>
internal static class HeadlineRows
{
    public static ResultRow Row(string source, string task, double shots, int seed, double value) => new()
    {
        JobId = $"ev-{source}-{task}-{shots}-{seed}",
        PretrainId = $"pt-{source}",
        Pretrain = source,
        PretrainMethod = "m",
        Backbone = "resnet18",
        Width = 0.25,
        Input = 64,
        Task = task,
        Protocol = "finetune",
        Shots = shots,
        Seed = seed,
        Metrics = new Dictionary<string, double> { [MetricDefinitions.ForTask(task)[0].Name] = value },
        DurationSeconds = 1,
        FinishedUtc = DateTimeOffset.UnixEpoch,
        Device = "d",
        Attempt = 1,
        Versions = "t",
    };
}
