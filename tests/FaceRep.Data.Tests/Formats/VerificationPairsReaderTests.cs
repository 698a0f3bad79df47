using FaceRep.Data.Formats;

namespace FaceRep.Data.Tests.Formats;

public sealed class VerificationPairsReaderTests
{
    internal const string TwoFolds =
        "2\t2\n" +
        "Abel_Pacheco\t1\t4\n" +
        "Akhmed_Zakayev\t1\t3\n" +
        "Abdel_Madi_Shabneh\t1\tDean_Barker\t1\n" +
        "Abdel_Madi_Shabneh\t1\tGiancarlo_Fisichella\t1\n" +
        "Zico\t1\t2\n" +
        "Abdullah_Gul\t13\tZico\t3\n" +
        "Zoe_Ball\t1\t2\n" +
        "Abdullah_Gul\t14\tAhmed_Chalabi\t2\n";

    [Fact]
    public void Read_returns_pairs_with_same_flag_fold_and_image_paths()
    {
        using var dir = new TempDir();
        var path = dir.Write("pairs.txt", TwoFolds);

        var pairs = VerificationPairsReader.Read(path);

        Assert.Equal((2, 2), (pairs.Folds, pairs.PairsPerFold));
        Assert.Equal(8, pairs.Pairs.Count);
        Assert.Equal([0, 0, 0, 0, 1, 1, 1, 1], pairs.Pairs.Select(p => p.Fold));
        Assert.Equal([true, true, false, false, true, false, true, false], pairs.Pairs.Select(p => p.Same));
        var first = pairs.Pairs[0];
        Assert.Equal("Abel_Pacheco/Abel_Pacheco_0001.jpg", first.PathA);
        Assert.Equal("Abel_Pacheco/Abel_Pacheco_0004.jpg", first.PathB);
        var different = pairs.Pairs[5];
        Assert.Equal(("Abdullah_Gul", 13, "Zico", 3, 7), (different.NameA, different.ImageA, different.NameB, different.ImageB, different.Line));
        Assert.Equal("Abdullah_Gul/Abdullah_Gul_0013.jpg", different.PathA);
    }

    [Fact]
    public void Read_a_single_count_header_means_one_fold()
    {
        using var dir = new TempDir();
        var path = dir.Write("pairsDevTrain.txt", "1\nZico\t1\t2\nZico\t1\tZoe_Ball\t1\n");

        var pairs = VerificationPairsReader.Read(path);

        Assert.Equal((1, 1), (pairs.Folds, pairs.PairsPerFold));
        Assert.Equal([true, false], pairs.Pairs.Select(p => p.Same));
    }

    [Fact]
    public void Read_fewer_pairs_than_the_header_promises_is_an_error()
    {
        using var dir = new TempDir();
        var path = dir.Write("pairs.txt", TwoFolds[..TwoFolds.LastIndexOf("Abdullah_Gul", StringComparison.Ordinal)]);

        var e = Assert.Throws<DataFormatException>(() => VerificationPairsReader.Read(path));

        Assert.Equal(8, e.Line);
        Assert.Equal("7 pairs", e.Value);
        Assert.Contains("2 folds × 2 × 2 = 8", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2 2\nA 1 2 3 4\n", 2, "A 1 2 3 4", "expected 'name n1 n2'")]
    [InlineData("2 2\nA 1 x\n", 2, "x", "image number is not an integer")]
    [InlineData("2 2\nA 0 1\n", 2, "0", "image numbers start at 1")]
    [InlineData("2 2\nA 1 A 2\n", 2, "A 1 A 2", "same person twice")]
    [InlineData("ten folds\n", 1, "ten folds", "first line must be")]
    public void Read_a_malformed_line_names_file_line_and_value(string text, int line, string value, string reason)
    {
        using var dir = new TempDir();
        var path = dir.Write("pairs.txt", text);

        var e = Assert.Throws<DataFormatException>(() => VerificationPairsReader.Read(path));

        Assert.Equal(path, e.File);
        Assert.Equal(line, e.Line);
        Assert.Equal(value, e.Value);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_a_fold_with_the_wrong_mix_of_pairs_names_the_fold()
    {
        using var dir = new TempDir();
        var path = dir.Write("pairs.txt", "1 2\nA 1 2\nB 1 2\nC 1 2\nA 1 B 1\n");

        var e = Assert.Throws<DataFormatException>(() => VerificationPairsReader.Read(path));

        Assert.Equal(2, e.Line);
        Assert.Equal("3 same-person pairs", e.Value);
        Assert.Contains("fold 0 (lines 2–5)", e.Message, StringComparison.Ordinal);
    }
}
