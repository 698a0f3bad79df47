using FaceRep.Results.Analysis;
using FaceRep.Results.Store;

namespace FaceRep.Cli.Tests;

/// <summary>The marks `run` and `demo` put beside each cell of their results tables: the verdict against the untrained backbone.</summary>
public sealed class AgainstUntrainedMarksTests
{
    private static ResultRow Row(string pretrain, double shots, int seed, double accuracy) => new()
    {
        JobId = $"{pretrain}-{shots}-{seed}",
        PretrainId = $"pt-{pretrain}",
        Pretrain = pretrain,
        PretrainDataset = pretrain == "scratch" ? null : "synth-curated",
        PretrainMethod = pretrain == "scratch" ? "scratch" : pretrain.Split('/')[1],
        Backbone = "resnet18",
        Width = 0.25,
        Input = 32,
        Task = "emotion",
        Protocol = "linear",
        Shots = shots,
        Seed = seed,
        Metrics = new Dictionary<string, double> { ["accuracy"] = accuracy },
        DurationSeconds = 1,
        FinishedUtc = DateTimeOffset.UnixEpoch,
        Device = "silo/cpu0",
        Attempt = 1,
        Versions = "test",
    };

    [Fact]
    public void A_planted_gain_is_better_a_planted_loss_worse_noise_indistinguishable_and_two_seeds_unmarked()
    {
        double[] untrained = [0.20, 0.25, 0.22];
        double[] noise = [0.004, -0.006, 0.003];
        var rows = new List<ResultRow>();
        foreach (var shots in new[] { 0.1, 1.0 })
        {
            for (var seed = 0; seed < 3; seed++)
            {
                rows.Add(Row("scratch", shots, seed, untrained[seed]));
                rows.Add(Row("synth-curated/supervised", shots, seed, untrained[seed] + 0.20 + (noise[seed] / 2)));
                rows.Add(Row("synth-curated/moco", shots, seed, untrained[seed] - 0.10 + (noise[seed] / 2)));
                rows.Add(Row("synth-curated/simclr", shots, seed, untrained[seed] + noise[seed]));
                if (seed < 2)
                    rows.Add(Row("synth-curated/byol", shots, seed, untrained[seed] + 0.30));
            }
        }

        var verdicts = SweepRunner.AgainstUntrained(rows);

        foreach (var shots in new[] { 0.1, 1.0 })
        {
            Assert.Equal(Verdict.FirstBetter, verdicts[("synth-curated/supervised", "emotion", "linear", shots)]);
            Assert.Equal(Verdict.SecondBetter, verdicts[("synth-curated/moco", "emotion", "linear", shots)]);
            Assert.Equal(Verdict.Inconclusive, verdicts[("synth-curated/simclr", "emotion", "linear", shots)]);
            Assert.Equal(Verdict.NotSupported, verdicts[("synth-curated/byol", "emotion", "linear", shots)]);
        }

        Assert.DoesNotContain(verdicts.Keys, k => k.Source == "scratch");
        Assert.Equal(" [green]▲[/]", SweepRunner.Mark(Verdict.FirstBetter));
        Assert.Equal(" [red]▼[/]", SweepRunner.Mark(Verdict.SecondBetter));
        Assert.Equal("", SweepRunner.Mark(Verdict.NotSupported));
        Assert.Empty(SweepRunner.AgainstUntrained(rows.Where(r => r.Pretrain != "scratch").ToList()));
    }
}
