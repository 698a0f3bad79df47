using System.Globalization;
using FaceRep.Cluster.Tests;

namespace FaceRep.Bench;

/// <summary>
/// The full chaos run (<c>chaos [--pretrain 10] [--seeds 50] [--job-ms 400] [--every 15,30] [--random-seed 1]</c>):
/// 2,020 jobs on Redis, PostgreSQL and three silo processes while silos are SIGKILLed and
/// restarted, Redis and PostgreSQL restarted and the watching console killed (see <see cref="ChaosRun"/>).
/// Prints what happened, how each blow was recovered from, and any promise broken (exit code 1).
/// </summary>
public static class ChaosBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = new ChaosOptions();
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            int Int() => int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--pretrain": options = options with { PretrainPerMethod = Int() }; break;
                case "--seeds": options = options with { Seeds = Int() }; break;
                case "--job-ms": options = options with { Job = TimeSpan.FromMilliseconds(Int()) }; break;
                case "--random-seed": options = options with { RandomSeed = Int() }; break;
                case "--every":
                    var every = args[i + 1].Split(',').Select(s => TimeSpan.FromSeconds(double.Parse(s, CultureInfo.InvariantCulture))).ToArray();
                    options = options with { EveryMin = every[0], EveryMax = every[^1] };
                    break;
                default:
                    Console.Error.WriteLine($"unknown option '{args[i]}'; use --pretrain N, --seeds N, --job-ms N, --every MIN,MAX, --random-seed N");
                    return 2;
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"# Chaos: {options.Jobs} jobs of {options.Job.TotalMilliseconds} ms, {options.Silos} silos × {options.CpuSlots} slots, a blow every {options.EveryMin.TotalSeconds:F0}-{options.EveryMax.TotalSeconds:F0} s, {Environment.ProcessorCount} cores"));
        var report = await new ChaosRun(options, Console.WriteLine).RunAsync();
        foreach (var line in report.Describe())
            Console.WriteLine(line);
        return report.Problems.Count == 0 ? 0 : 1;
    }
}
