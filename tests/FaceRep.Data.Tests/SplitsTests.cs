namespace FaceRep.Data.Tests;

public sealed class SplitsTests
{
    private static readonly int[] Subjects = Enumerable.Range(0, 300).Select(i => i / 10).ToArray();   // 30 subjects × 10

    [Fact]
    public void No_subject_appears_in_two_splits_and_every_sample_is_somewhere()
    {
        var s = Splits.SubjectExclusive(Subjects, 0.1, 0.2, seed: 1);

        var train = s.Train.Select(i => Subjects[i]).ToHashSet();
        var validation = s.Validation.Select(i => Subjects[i]).ToHashSet();
        var test = s.Test.Select(i => Subjects[i]).ToHashSet();
        Assert.Empty(train.Intersect(validation));
        Assert.Empty(train.Intersect(test));
        Assert.Empty(validation.Intersect(test));
        Assert.Equal(Enumerable.Range(0, 300), s.Train.Concat(s.Validation).Concat(s.Test).Order());
        Assert.Equal(60, s.Test.Length);
        Assert.Equal(30, s.Validation.Length);
    }

    [Fact]
    public void Splits_are_deterministic_by_seed()
    {
        Assert.Equal(Splits.SubjectExclusive(Subjects, 0.1, 0.2, 4).Test, Splits.SubjectExclusive(Subjects, 0.1, 0.2, 4).Test);
        Assert.NotEqual(Splits.SubjectExclusive(Subjects, 0.1, 0.2, 4).Test, Splits.SubjectExclusive(Subjects, 0.1, 0.2, 5).Test);
    }

    [Fact]
    public void Impossible_shares_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Splits.SubjectExclusive(Subjects, 0.5, 0.5, 0));
        Assert.Throws<ArgumentException>(() => Splits.SubjectExclusive([1, 1, 2], 0.1, 0.2, 0));
    }
}
