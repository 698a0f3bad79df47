namespace FaceRep.Data.Tests;

public sealed class FewShotSamplingTests
{
    // 10 classes with 5, 10, ..., 50 samples each, interleaved.
    private static readonly int[] Classes = Enumerable.Range(0, 10).SelectMany(c => Enumerable.Repeat(c, 5 * (c + 1))).OrderBy(x => (x * 7919) % 13).ToArray();

    [Fact]
    public void Stratified_subsets_keep_every_class_and_its_share()
    {
        var subset = FewShot.Stratified(Classes, 0.2, seed: 3, key: "test");

        foreach (var c in Enumerable.Range(0, 10))
        {
            var total = Classes.Count(x => x == c);
            var chosen = subset.Count(i => Classes[i] == c);
            Assert.Equal(FewShot.Count(total, 0.2), chosen);
        }
    }

    [Fact]
    public void Stratified_subsets_nest_across_fractions()
    {
        var small = FewShot.Stratified(Classes, 0.1, 5, "test");
        var medium = FewShot.Stratified(Classes, 0.3, 5, "test");
        var all = FewShot.Stratified(Classes, 1.0, 5, "test");

        Assert.Subset(medium.ToHashSet(), small.ToHashSet());
        Assert.Subset(all.ToHashSet(), medium.ToHashSet());
        Assert.Equal(Classes.Length, all.Length);
    }

    [Fact]
    public void Subsets_depend_on_dataset_fraction_and_seed_only()
    {
        Assert.Equal(FewShot.Stratified(Classes, 0.2, 1, "a"), FewShot.Stratified(Classes, 0.2, 1, "a"));
        Assert.NotEqual(FewShot.Stratified(Classes, 0.2, 1, "a"), FewShot.Stratified(Classes, 0.2, 2, "a"));
        Assert.NotEqual(FewShot.Stratified(Classes, 0.2, 1, "a"), FewShot.Stratified(Classes, 0.2, 1, "b"));
    }

    [Fact]
    public void K_shot_subsets_take_k_per_class_and_nest_across_k()
    {
        var one = FewShot.PerClass(Classes, 1, 0);
        var five = FewShot.PerClass(Classes, 5, 0);
        var many = FewShot.PerClass(Classes, 8, 0);

        Assert.Equal(10, one.Length);
        Assert.Equal(50, five.Length);
        Assert.Equal(5 + (9 * 8), many.Length);     // the 5-sample class gives all it has
        Assert.Subset(five.ToHashSet(), one.ToHashSet());
        Assert.Subset(many.ToHashSet(), five.ToHashSet());
    }

    [Fact]
    public void Subject_exclusive_subsets_take_whole_subjects_and_nest()
    {
        var subjects = Enumerable.Range(0, 120).Select(i => i % 12).ToArray();

        var quarter = FewShot.SubjectExclusive(subjects, 0.25, 4);
        var half = FewShot.SubjectExclusive(subjects, 0.5, 4);

        var chosen = quarter.Select(i => subjects[i]).Distinct().ToList();
        Assert.Equal(3, chosen.Count);
        Assert.Equal(30, quarter.Length);      // every sample of each chosen subject
        Assert.Subset(half.ToHashSet(), quarter.ToHashSet());
        Assert.Equal(quarter.Order(), quarter);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void Bad_fractions_are_refused(double fraction)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => FewShot.Stratified(Classes, fraction, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => FewShot.SubjectExclusive(Classes, fraction, 0));
    }
}
