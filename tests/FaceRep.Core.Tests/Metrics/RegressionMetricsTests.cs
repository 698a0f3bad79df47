using FaceRep.Core.Metrics;

namespace FaceRep.Core.Tests.Metrics;

public sealed class RegressionMetricsTests
{
    // The worked example for the coefficients: p = 1..5, t = 2, 4, 5, 4, 5.
    // Means 3 and 4. Deviations dp = -2, -1, 0, 1, 2; dt = -2, 0, 1, 0, 1.
    // Σdp² = 10, Σdt² = 6, Σdp·dt = 4 + 0 + 0 + 0 + 2 = 6.
    private static readonly float[] P = [1, 2, 3, 4, 5];
    private static readonly float[] T = [2, 4, 5, 4, 5];

    [Fact]
    public void Mae_and_rmse_match_hand_computed_values()
    {
        // Errors -1, 0, -2, 4: MAE (1 + 0 + 2 + 4)/4 = 1.75; RMSE sqrt((1 + 0 + 4 + 16)/4) = sqrt(5.25).
        float[] predicted = [1, 2, 3, 4];
        float[] truth = [2, 2, 5, 0];

        Assert.Equal(1.75, RegressionMetrics.Mae(predicted, truth), 12);
        Assert.Equal(Math.Sqrt(5.25), RegressionMetrics.Rmse(predicted, truth), 12);
    }

    [Fact]
    public void Pearson_matches_a_hand_computed_value()
    {
        // r = 6 / sqrt(10 * 6) = sqrt(0.6).
        Assert.Equal(Math.Sqrt(0.6), RegressionMetrics.Pearson(P, T), 12);
        Assert.Equal(Math.Sqrt(0.6), RegressionMetrics.Pearson(T, P), 12);
    }

    [Fact]
    public void Ccc_matches_a_hand_computed_value()
    {
        // Population: cov 6/5 = 1.2, var p 10/5 = 2, var t 6/5 = 1.2, (3 - 4)^2 = 1.
        // CCC = 2 * 1.2 / (2 + 1.2 + 1) = 2.4 / 4.2 = 4/7.
        Assert.Equal(4.0 / 7.0, RegressionMetrics.Ccc(P, T), 12);
    }

    [Fact]
    public void Icc31_matches_a_hand_computed_anova()
    {
        // Two-way table, rows = samples (t, p): (2,1) (4,2) (5,3) (4,4) (5,5); grand mean 3.5.
        // Row means 1.5, 3, 4, 4, 5: SS_rows = 2 * (4 + 0.25 + 0.25 + 0.25 + 2.25) = 14; BMS = 14/4 = 3.5.
        // Column means 4 and 3: SS_cols = 5 * (0.25 + 0.25) = 2.5.
        // SS_total: t gives 2.25 + 0.25 + 2.25 + 0.25 + 2.25 = 7.25, p gives 6.25 + 2.25 + 0.25 + 0.25 + 2.25 = 11.25; 18.5.
        // SS_error = 18.5 - 14 - 2.5 = 2; EMS = 2 / (4 * 1) = 0.5.
        // ICC(3,1) = (3.5 - 0.5) / (3.5 + 0.5) = 0.75.
        Assert.Equal(0.75, RegressionMetrics.Icc31(P, T), 12);
    }

    [Fact]
    public void Icc31_ignores_an_offset_that_ccc_penalises()
    {
        // p + 10: the ANOVA above is unchanged except SS_cols, so ICC(3,1) stays 0.75.
        // CCC: mean p becomes 13, (13 - 4)^2 = 81 -> 2.4 / (2 + 1.2 + 81) = 2.4 / 84.2.
        var shifted = P.Select(v => v + 10).ToArray();

        Assert.Equal(0.75, RegressionMetrics.Icc31(shifted, T), 12);
        Assert.Equal(2.4 / 84.2, RegressionMetrics.Ccc(shifted, T), 12);
        Assert.Equal(Math.Sqrt(0.6), RegressionMetrics.Pearson(shifted, T), 12);
    }

    [Fact]
    public void Perfect_predictions_score_one_and_reversed_ones_minus_one()
    {
        float[] truth = [0.5f, 1, 3, 2, 4.5f];
        var reversed = truth.Select(v => -v).ToArray();

        Assert.Equal(1, RegressionMetrics.Pearson(truth, truth), 12);
        Assert.Equal(1, RegressionMetrics.Ccc(truth, truth), 12);
        Assert.Equal(1, RegressionMetrics.Icc31(truth, truth), 12);
        Assert.Equal(0, RegressionMetrics.Mae(truth, truth));
        Assert.Equal(-1, RegressionMetrics.Pearson(reversed, truth), 12);
        // CCC of -t against t: cov = -var, var p = var t, means differ by 2*mean(t) = 4.4.
        // Population var t: mean 2.2, deviations -1.7, -1.2, 0.8, -0.2, 2.3 -> (2.89 + 1.44 + 0.64 + 0.04 + 5.29)/5 = 2.06.
        // CCC = -2 * 2.06 / (2.06 + 2.06 + 4.4^2) = -4.12 / 23.48.
        Assert.Equal(-4.12 / 23.48, RegressionMetrics.Ccc(reversed, truth), 6);
        Assert.Equal(-1, RegressionMetrics.Icc31(reversed, truth), 12);
    }

    [Fact]
    public void A_constant_prediction_of_a_varying_truth_scores_zero()
    {
        // 0.1f repeated: its float sum is not exactly 3 * 0.1f, but it is recognised as constant.
        float[] constant = [0.1f, 0.1f, 0.1f];
        float[] truth = [1, 2, 3];

        Assert.Equal(0, RegressionMetrics.Pearson(constant, truth));
        Assert.Equal(0, RegressionMetrics.Pearson(truth, constant));
        Assert.Equal(0, RegressionMetrics.Ccc(constant, truth));
        Assert.Equal(0, RegressionMetrics.Icc31(constant, truth));
        Assert.Equal(0, RegressionMetrics.Icc31(truth, constant));
    }

    [Fact]
    public void Both_constant_scores_one_only_when_identical()
    {
        float[] zeros = [0, 0, 0, 0];
        float[] halves = [0.5f, 0.5f, 0.5f, 0.5f];

        Assert.Equal(1, RegressionMetrics.Pearson(zeros, zeros));
        Assert.Equal(1, RegressionMetrics.Ccc(zeros, zeros));
        Assert.Equal(1, RegressionMetrics.Icc31(zeros, zeros));
        Assert.Equal(0, RegressionMetrics.Pearson(halves, zeros));
        Assert.Equal(0, RegressionMetrics.Ccc(halves, zeros));
        Assert.Equal(0, RegressionMetrics.Icc31(halves, zeros));
    }

    [Fact]
    public void Per_column_metrics_read_row_major_data()
    {
        // Three samples of two outputs. Column 0: p = t = 1, 2, 3 (MAE 0, ICC 1).
        // Column 1: p = 0, 0, 0, t = 1, 2, 3 (MAE (1 + 2 + 3)/3 = 2, ICC 0: constant prediction).
        float[] predicted = [1, 0, 2, 0, 3, 0];
        float[] truth = [1, 1, 2, 2, 3, 3];

        Assert.Equal([0.0, 2.0], RegressionMetrics.PerColumn(predicted, truth, 2, RegressionMetrics.Mae));
        var mean = RegressionMetrics.MeanOverColumns(predicted, truth, 2, RegressionMetrics.Icc31, out var perColumn);
        Assert.Equal([1.0, 0.0], perColumn);
        Assert.Equal(0.5, mean, 12);
    }

    [Fact]
    public void Bad_input_is_rejected_with_the_reason()
    {
        Assert.Contains("counts must match", Assert.Throws<ArgumentException>(() => RegressionMetrics.Mae([1, 2], [1])).Message, StringComparison.Ordinal);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => RegressionMetrics.Rmse([], [])).Message, StringComparison.Ordinal);
        Assert.Contains("at least 2", Assert.Throws<ArgumentException>(() => RegressionMetrics.Pearson([1], [1])).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => RegressionMetrics.Ccc([1], [2]));
        Assert.Throws<ArgumentException>(() => RegressionMetrics.Icc31([1], [2]));

        var ex = Assert.Throws<ArgumentException>(() => RegressionMetrics.Icc31([1, 2, 3], [1, float.NaN, 3]));
        Assert.Equal("truth", ex.ParamName);
        Assert.Contains("[1]", ex.Message, StringComparison.Ordinal);
        Assert.Equal("predicted", Assert.Throws<ArgumentException>(() => RegressionMetrics.Mae([float.NegativeInfinity], [0])).ParamName);

        Assert.Equal("columns", Assert.Throws<ArgumentException>(() => RegressionMetrics.PerColumn([1, 2], [1, 2], 0, RegressionMetrics.Mae)).ParamName);
        Assert.Contains("whole number", Assert.Throws<ArgumentException>(() => RegressionMetrics.PerColumn([1, 2, 3], [1, 2, 3], 2, RegressionMetrics.Mae)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => RegressionMetrics.PerColumn([1, float.NaN], [1, 2], 2, RegressionMetrics.Mae));
        // One row: each column has a single sample, too few for a coefficient.
        Assert.Throws<ArgumentException>(() => RegressionMetrics.MeanOverColumns([1, 2], [1, 2], 2, RegressionMetrics.Icc31, out _));
    }
}
