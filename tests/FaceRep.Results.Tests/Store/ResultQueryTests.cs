using FaceRep.Results.Queries;

namespace FaceRep.Results.Tests.Store;

public sealed class ResultQueryTests
{
    [Theory]
    [InlineData("shots", "--where 'shots': write it as name=value")]
    [InlineData("colour=red", "unknown coordinate 'colour'; known: pretrain, dataset, method")]
    [InlineData("shots=lots", "shots is a number, and 'lots' is not")]
    [InlineData("task=", "write it as name=value")]
    public void A_bad_filter_is_refused_naming_it_and_what_is_allowed(string where, string message)
    {
        var e = Assert.Throws<FormatException>(() => ResultQuery.Parse("nme_io", null, [where], []));

        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_groupings_and_a_missing_metric_are_refused()
    {
        Assert.Contains("unknown coordinate 'size'", Assert.Throws<FormatException>(() => ResultQuery.Parse("nme_io", null, [], ["task,size"])).Message, StringComparison.Ordinal);
        Assert.Contains("names 'task' twice", Assert.Throws<FormatException>(() => ResultQuery.Parse("nme_io", null, [], ["task", "task"])).Message, StringComparison.Ordinal);
        Assert.Contains("--metric is empty", Assert.Throws<FormatException>(() => ResultQuery.Parse(" ", null, [], [])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Values_become_parameters_never_sql_text()
    {
        var query = ResultQuery.Parse("nme_io", "s'; DROP TABLE results; --", ["pretrain=x' OR '1'='1", "shots=0.5"], ["task"]);

        var (sql, parameters) = query.ToSql("");

        Assert.DoesNotContain("DROP", sql, StringComparison.Ordinal);
        Assert.DoesNotContain("OR '1'", sql, StringComparison.Ordinal);
        Assert.Equal(["nme_io", "s'; DROP TABLE results; --", "x' OR '1'='1", 0.5], parameters);
    }
}
