using System.Globalization;
using System.Text;
using FaceRep.Data.Formats;

namespace FaceRep.Data.Tests.Formats;

public sealed class PtsReaderTests
{
    internal static string PtsText(int n, Func<int, (double X, double Y)> point)
    {
        var text = new StringBuilder("version: 1\nn_points:  ").Append(n).Append("\n{\n");
        for (var i = 0; i < n; i++)
        {
            var (x, y) = point(i);
            text.Append(CultureInfo.InvariantCulture, $"{x:0.###} {y:0.###}\n");
        }

        return text.Append("}\n").ToString();
    }

    [Fact]
    public void Read_converts_one_based_matlab_coordinates_to_zero_based_pixel_centres()
    {
        using var dir = new TempDir();
        var path = dir.Write("indoor_001.pts", PtsText(68, i => (i + 1.5, (2 * i) + 1)));

        var pts = PtsReader.Read(path);

        Assert.Equal(path, pts.Path);
        Assert.Equal(1, pts.Version);
        Assert.Equal(68, pts.PointCount);
        for (var i = 0; i < 68; i++)
        {
            Assert.Equal(i + 0.5f, pts.Points[2 * i]);
            Assert.Equal(2f * i, pts.Points[(2 * i) + 1]);
        }
    }

    [Fact]
    public void Read_accepts_crlf_lines_and_other_point_counts()
    {
        using var dir = new TempDir();
        var path = dir.Write("aflw.pts", PtsText(19, i => (10 + i, 20)).Replace("\n", "\r\n", StringComparison.Ordinal));

        var pts = PtsReader.Read(path);

        Assert.Equal(19, pts.PointCount);
        Assert.Equal(27f, pts.Points[2 * 18]);
    }

    [Theory]
    [InlineData("version: 1\nn_points: 3\n{\n1 2\n3 4 5\n5 6\n}\n", 5, "3 4 5", "a point line")]
    [InlineData("version: 1\nn_points: 3\n{\n1 2\nx 4\n5 6\n}\n", 5, "x", "x is not a finite number")]
    [InlineData("version: 1\nn_points: 3\n{\n1 2\n3 4\n}\n", 6, "}", "n_points is 3 but 2 points")]
    [InlineData("version: 1\nn_points: 2\n{\n1 2\n3 4\n5 6\n}\n", 6, "5 6", "more than n_points = 2")]
    [InlineData("version: 1\nn_points: 2\n{\n1 2\n3 4\n", 5, null, "missing the closing '}'")]
    [InlineData("version: 1\n{\n1 2\n}\n", 2, "{", "before the n_points header")]
    [InlineData("version: 1\nn_points: many\n{\n}\n", 2, "many", "n_points is not an integer")]
    [InlineData("vers 1\nn_points: 1\n{\n1 1\n}\n", 1, "vers 1", "expected 'version:'")]
    [InlineData("version: 1\nn_points: 1\n{\n1 1\n}\nextra\n", 6, "extra", "after the closing")]
    public void Read_malformed_file_names_file_line_and_value(string text, int line, string? value, string reason)
    {
        using var dir = new TempDir();
        var path = dir.Write("bad.pts", text);

        var e = Assert.Throws<DataFormatException>(() => PtsReader.Read(path));

        Assert.Equal(path, e.File);
        Assert.Equal(line, e.Line);
        Assert.Equal(value, e.Value);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        Assert.StartsWith($"{path}:{line}: ", e.Message, StringComparison.Ordinal);
    }
}
