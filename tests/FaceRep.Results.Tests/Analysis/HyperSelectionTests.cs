using FaceRep.Results.Analysis;
using FaceRep.Results.Store;

namespace FaceRep.Results.Tests.Analysis;

public sealed class HyperSelectionTests
{
    /// <summary>A run of one learning rate with its test and validation values of the task's headline metric.</summary>
    private static ResultRow Run(string task, int seed, double lr, double test, double? validation, string source = "s")
    {
        var row = HeadlineRows.Row(source, task, 0.1, seed, test);
        var metrics = new Dictionary<string, double>(row.Metrics);
        if (validation is { } v)
            metrics["val_" + metrics.Keys.Single()] = v;
        return row with { JobId = $"{row.JobId}-{lr}", LearningRate = lr, Metrics = metrics };
    }

    [Fact]
    public void The_run_with_the_best_validation_value_is_kept_even_when_another_has_a_better_test_value()
    {
        // Landmarks NME: lower is better. lr 0.001 looks better on test but worse on validation.
        var rows = new[] { Run("landmarks", 0, 0.001, test: 0.10, validation: 0.20), Run("landmarks", 0, 0.003, test: 0.30, validation: 0.15) };

        var result = HyperSelection.Select(rows);

        var kept = Assert.Single(result.Rows);
        Assert.Equal(0.003, kept.LearningRate);
        Assert.Equal(0.30, kept.Metrics["nme_io"]);
        var choice = Assert.Single(result.Choices);
        Assert.Equal(("val_nme_io", 0.003), (choice.Metric, choice.Chosen));
        Assert.Equal([(0.001, 0.20), (0.003, 0.15)], choice.Candidates);
    }

    [Fact]
    public void A_higher_is_better_metric_keeps_the_largest_validation_value_and_a_tie_keeps_the_smaller_rate()
    {
        var rows = new[]
        {
            Run("emotion", 0, 0.01, test: 0.5, validation: 0.40), Run("emotion", 0, 0.001, test: 0.4, validation: 0.45),
            Run("emotion", 1, 0.01, test: 0.5, validation: 0.45), Run("emotion", 1, 0.001, test: 0.4, validation: 0.45),
        };

        var chosen = HyperSelection.Select(rows).Choices.OrderBy(c => c.Seed).Select(c => c.Chosen);

        Assert.Equal([0.001, 0.001], chosen);
    }

    [Fact]
    public void Untuned_cells_pass_through_and_a_tuned_cell_without_validation_values_is_left_out()
    {
        var rows = new[]
        {
            Run("landmarks", 0, 0.001, test: 0.2, validation: null, source: "untuned"),
            Run("landmarks", 0, 0.001, test: 0.2, validation: null), Run("landmarks", 0, 0.003, test: 0.1, validation: double.NaN),
            Run("landmarks", 1, 0.001, test: 0.2, validation: 0.3), Run("landmarks", 1, 0.003, test: 0.1, validation: null),
        };

        var result = HyperSelection.Select(rows);

        Assert.Equal(1, result.Unselectable);
        Assert.Equal(["untuned", "s"], result.Rows.Select(r => r.Pretrain));
        // Seed 1: only lr 0.001 has a validation value, so it is kept.
        Assert.Equal(0.001, result.Rows.Single(r => r.Pretrain == "s").LearningRate);
        Assert.Single(result.Choices);
    }
}
