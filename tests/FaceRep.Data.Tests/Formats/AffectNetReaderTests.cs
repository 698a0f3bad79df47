using System.Globalization;
using FaceRep.Data.Formats;

namespace FaceRep.Data.Tests.Formats;

public sealed class AffectNetReaderTests
{
    internal const string Header = "subDirectory_filePath,face_x,face_y,face_width,face_height,facial_landmarks,expression,valence,arousal";

    internal static string Landmarks(int seed) =>
        string.Join(';', Enumerable.Range(0, 136).Select(i => (seed + (i * 0.25)).ToString("0.00", CultureInfo.InvariantCulture)));

    internal static string Row(string file, int expression, string valence = "0.5", string arousal = "-0.25", string? landmarks = null) =>
        $"{file},10,20,200,210,{landmarks ?? Landmarks(3)},{expression},{valence},{arousal}";

    [Fact]
    public void Read_keeps_expressions_0_to_7_and_counts_the_excluded_ones()
    {
        using var dir = new TempDir();
        var path = dir.Write("training.csv", string.Join('\n',
            Header,
            Row("689/a.jpg", 1),
            Row("689/b.jpg", 8),
            Row("689/c.jpg", 7, valence: "-2", arousal: "-2"),
            Row("689/d.jpg", 10, "-2", "-2"),
            Row("689/e.jpg", 9),
            Row("689/f.jpg", 10, "-2", "-2"),
            Row("689/g.jpg", 0, landmarks: "")) + "\n");

        var table = AffectNetReader.Read(path);

        Assert.Equal(["689/a.jpg", "689/c.jpg", "689/g.jpg"], table.Records.Select(r => r.ImagePath));
        Assert.Equal([1, 7, 0], table.Records.Select(r => r.Expression));
        Assert.Equal([2, 4, 8], table.Records.Select(r => r.Line));
        Assert.Equal(new Dictionary<int, int> { [8] = 1, [9] = 1, [10] = 2 }, table.Excluded);
        Assert.Equal(4, table.ExcludedCount);
        var a = table.Records[0];
        Assert.Equal((10f, 20f, 200f, 210f), (a.FaceX, a.FaceY, a.FaceWidth, a.FaceHeight));
        Assert.Equal((0.5f, -0.25f), (a.Valence!.Value, a.Arousal!.Value));
        Assert.Equal(136, a.Landmarks!.Length);
        Assert.Equal(3f + (135 * 0.25f), a.Landmarks[135], 0.001f);
        Assert.Null(table.Records[1].Valence);
        Assert.Null(table.Records[1].Arousal);
        Assert.Null(table.Records[2].Landmarks);
    }

    [Fact]
    public void Read_finds_columns_by_name_and_honours_quoted_fields()
    {
        using var dir = new TempDir();
        var path = dir.Write("validation.csv",
            "expression,valence,arousal,subDirectory_filePath,face_x,face_y,face_width,face_height,facial_landmarks\n" +
            $"3,0.1,0.2,\"12/with, comma.jpg\",1,2,3,4,{Landmarks(0)}\n");

        var r = Assert.Single(AffectNetReader.Read(path).Records);

        Assert.Equal("12/with, comma.jpg", r.ImagePath);
        Assert.Equal(3, r.Expression);
        Assert.Equal(4f, r.FaceHeight);
    }

    [Theory]
    [InlineData("1.5", "-0.25", 3, "1.5", "valence must lie in [-1, 1]")]
    [InlineData("0.5", "-1.01", 3, "-1.01", "arousal must lie in [-1, 1]")]
    [InlineData("0.5", "abc", 3, "abc", "arousal is not a finite number")]
    public void Read_out_of_range_affect_names_file_line_and_value(string valence, string arousal, int line, string value, string reason)
    {
        using var dir = new TempDir();
        var path = dir.Write("training.csv", string.Join('\n', Header, Row("a.jpg", 1), Row("b.jpg", 2, valence, arousal)));

        var e = Assert.Throws<DataFormatException>(() => AffectNetReader.Read(path));

        Assert.Equal(path, e.File);
        Assert.Equal(line, e.Line);
        Assert.Equal(value, e.Value);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_an_expression_beyond_10_is_an_error()
    {
        using var dir = new TempDir();
        var path = dir.Write("training.csv", string.Join('\n', Header, Row("a.jpg", 11)));

        var e = Assert.Throws<DataFormatException>(() => AffectNetReader.Read(path));

        Assert.Equal((2, "11"), (e.Line!.Value, e.Value));
    }

    [Fact]
    public void Read_landmarks_of_the_wrong_length_name_the_count()
    {
        using var dir = new TempDir();
        var path = dir.Write("training.csv", string.Join('\n', Header, Row("a.jpg", 1, landmarks: "1;2;3;4")));

        var e = Assert.Throws<DataFormatException>(() => AffectNetReader.Read(path));

        Assert.Equal("4 values", e.Value);
        Assert.Contains("136 values", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_a_header_without_a_required_column_names_it()
    {
        using var dir = new TempDir();
        var path = dir.Write("training.csv", Header.Replace(",arousal", "", StringComparison.Ordinal) + "\n");

        var e = Assert.Throws<DataFormatException>(() => AffectNetReader.Read(path));

        Assert.Equal(1, e.Line);
        Assert.Contains("no column 'arousal'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_a_row_with_missing_fields_names_the_count()
    {
        using var dir = new TempDir();
        var path = dir.Write("training.csv", Header + "\na.jpg,1,2,3\n");

        var e = Assert.Throws<DataFormatException>(() => AffectNetReader.Read(path));

        Assert.Equal((2, "4 fields"), (e.Line!.Value, e.Value));
    }
}
