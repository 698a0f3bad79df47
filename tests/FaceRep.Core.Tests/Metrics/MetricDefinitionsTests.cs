using FaceRep.Core.Metrics;

namespace FaceRep.Core.Tests.Metrics;

public sealed class MetricDefinitionsTests
{
    private static readonly string[] ActionUnitIccs =
    [
        "icc_au01", "icc_au02", "icc_au04", "icc_au05", "icc_au06", "icc_au07", "icc_au09", "icc_au10",
        "icc_au12", "icc_au14", "icc_au15", "icc_au17", "icc_au20", "icc_au23", "icc_au25", "icc_au26",
    ];

    public static TheoryData<string, string[]> Tasks => new()
    {
        { "recognition", ["tar_far_1e3", "tar_far_1e4", "verif_acc", "roc_auc", "train_loss"] },
        { "landmarks", ["nme_io", "nme_diag", "nme_box", "fr_10", "auc_10", "train_loss"] },
        { "au", ["icc", "pcc", "mae", .. ActionUnitIccs, "train_loss"] },
        { "emotion", ["accuracy", "macro_f1", "valence_ccc", "arousal_ccc", "valence_rmse", "arousal_rmse", "train_loss"] },
        { "landmarks3d", ["nme3d_box", "nme2d_box", "train_loss"] },
    };

    [Theory]
    [MemberData(nameof(Tasks))]
    public void Each_task_lists_its_metrics_headline_first_and_training_loss_last(string task, string[] names)
    {
        Assert.Equal(names, MetricDefinitions.ForTask(task).Select(m => m.Name));
    }

    [Theory]
    [MemberData(nameof(Tasks))]
    public void Every_metric_of_a_task_can_be_found_by_name(string task, string[] names)
    {
        foreach (var name in names)
            Assert.Equal(name, MetricDefinitions.Find(name)?.Name);
        Assert.All(MetricDefinitions.ForTask(task), m => Assert.Same(m, MetricDefinitions.Find(m.Name)));
    }

    [Fact]
    public void Directions_and_display_follow_the_kind_of_metric()
    {
        Assert.Equal(MetricDirection.HigherIsBetter, MetricDefinitions.Find("tar_far_1e3")!.Direction);
        Assert.Equal(MetricDirection.HigherIsBetter, MetricDefinitions.Find("auc_10")!.Direction);
        Assert.Equal(MetricDirection.LowerIsBetter, MetricDefinitions.Find("fr_10")!.Direction);
        Assert.Equal(MetricDirection.LowerIsBetter, MetricDefinitions.Find("nme3d_box")!.Direction);
        Assert.Equal(MetricDirection.LowerIsBetter, MetricDefinitions.Find("valence_rmse")!.Direction);
        Assert.Equal(MetricDirection.HigherIsBetter, MetricDefinitions.Find("arousal_ccc")!.Direction);

        // Fractions show as percentages; coefficients and intensity errors as they are.
        Assert.Equal((100, "%"), (MetricDefinitions.Find("macro_f1")!.DisplayScale, MetricDefinitions.Find("macro_f1")!.DisplayUnit));
        Assert.Equal((1, ""), (MetricDefinitions.Find("icc")!.DisplayScale, MetricDefinitions.Find("icc")!.DisplayUnit));
        Assert.All(MetricDefinitions.All, m => Assert.False(string.IsNullOrWhiteSpace(m.Description)));
    }

    [Fact]
    public void Per_action_unit_names_outside_the_list_are_found_by_pattern()
    {
        var au43 = MetricDefinitions.Find("icc_au43");

        Assert.NotNull(au43);
        Assert.Equal("icc_au43", au43.Name);
        Assert.Equal(MetricDirection.HigherIsBetter, au43.Direction);
        Assert.Equal(MetricDefinitions.IccForActionUnit(43), au43);
        Assert.Equal("icc_au01", MetricDefinitions.IccForActionUnit(1).Name);
        // DISFA's per-unit errors: lower is better.
        Assert.Equal(MetricDefinitions.MaeForActionUnit(26), MetricDefinitions.Find("mae_au26"));
        Assert.Equal(MetricDirection.LowerIsBetter, MetricDefinitions.Find("mae_au26")!.Direction);
        Assert.Null(MetricDefinitions.Find("mae_au2"));
    }

    [Fact]
    public void Action_units_on_disfa_are_its_twelve_by_icc_and_mae_with_icc_the_headline()
    {
        var metrics = MetricDefinitions.ForTask("au on disfa").Select(m => m.Name).ToList();

        Assert.Equal("icc", metrics[0]);
        Assert.Equal(12, metrics.Count(m => m.StartsWith("icc_au", StringComparison.Ordinal)));
        Assert.Equal(12, metrics.Count(m => m.StartsWith("mae_au", StringComparison.Ordinal)));
        Assert.DoesNotContain("icc_au07", metrics);
        Assert.Contains("icc_au07", MetricDefinitions.ForTask("au").Select(m => m.Name));
    }

    [Theory]
    [InlineData("")]
    [InlineData("nope")]
    [InlineData("icc_au1")]
    [InlineData("icc_au001")]
    [InlineData("icc_au00")]
    [InlineData("icc_auXY")]
    [InlineData("ICC")]
    public void Unknown_names_are_not_found(string name)
    {
        Assert.Null(MetricDefinitions.Find(name));
    }

    [Fact]
    public void Names_are_unique_and_an_unknown_task_reports_only_training_loss()
    {
        Assert.Equal(MetricDefinitions.All.Count, MetricDefinitions.All.Select(m => m.Name).Distinct().Count());
        Assert.Equal(["train_loss"], MetricDefinitions.ForTask("unknown").Select(m => m.Name));
        Assert.Equal(16, MetricDefinitions.ActionUnits.Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => MetricDefinitions.IccForActionUnit(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => MetricDefinitions.IccForActionUnit(100));
    }
}
