using System.Globalization;
using FaceRep.Data.Formats;

namespace FaceRep.Data.Tests.Formats;

public sealed class WflwReaderTests
{
    internal static string Line(int seed, string flags = "1 0 0 1 0 1", string path = "51--Dresses/51_Dresses_wearingdress_51_377.jpg")
    {
        var coords = Enumerable.Range(0, 196).Select(i => (seed + (i * 0.5)).ToString("0.0##", CultureInfo.InvariantCulture));
        return string.Join(' ', coords) + $" {seed} {seed + 1} {seed + 100} {seed + 120} {flags} {path}";
    }

    [Fact]
    public void Read_returns_98_points_box_attributes_and_path_per_line()
    {
        using var dir = new TempDir();
        var path = dir.Write("list_98pt_rect_attr_train.txt", Line(10) + "\n" + Line(300, "0 1 1 0 1 0", "2--Demonstration/2_Demonstration_1.jpg") + "\n\n");

        var rows = WflwReader.Read(path);

        Assert.Equal(2, rows.Count);
        var a = rows[0];
        Assert.Equal(1, a.Line);
        Assert.Equal(196, a.Points.Length);
        Assert.Equal(10f, a.Points[0]);
        Assert.Equal(10f + (195 * 0.5f), a.Points[195]);
        Assert.Equal((10f, 11f, 110f, 130f), (a.XMin, a.YMin, a.XMax, a.YMax));
        Assert.Equal(new WflwAttributes(true, false, false, true, false, true), a.Attributes);
        Assert.Equal("51--Dresses/51_Dresses_wearingdress_51_377.jpg", a.ImagePath);
        var b = rows[1];
        Assert.Equal(2, b.Line);
        Assert.Equal(new WflwAttributes(false, true, true, false, true, false), b.Attributes);
        Assert.Equal("2--Demonstration/2_Demonstration_1.jpg", b.ImagePath);
        Assert.Equal(300f, b.XMin);
    }

    [Fact]
    public void Read_a_non_numeric_coordinate_names_line_and_value()
    {
        using var dir = new TempDir();
        var bad = Line(5).Split(' ');
        bad[7] = "7.x";
        var path = dir.Write("wflw.txt", Line(1) + "\n" + string.Join(' ', bad) + "\n");

        var e = Assert.Throws<DataFormatException>(() => WflwReader.Read(path));

        Assert.Equal(2, e.Line);
        Assert.Equal("7.x", e.Value);
        Assert.Contains("coordinate 8", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_an_attribute_flag_other_than_0_or_1_names_the_attribute()
    {
        using var dir = new TempDir();
        var path = dir.Write("wflw.txt", Line(1, "0 0 0 0 2 0") + "\n");

        var e = Assert.Throws<DataFormatException>(() => WflwReader.Read(path));

        Assert.Equal(1, e.Line);
        Assert.Equal("2", e.Value);
        Assert.Contains("occlusion flag", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_a_short_line_names_the_field_count()
    {
        using var dir = new TempDir();
        var path = dir.Write("wflw.txt", "1 2 3 a.jpg\n");

        var e = Assert.Throws<DataFormatException>(() => WflwReader.Read(path));

        Assert.Equal(1, e.Line);
        Assert.Equal("4 fields", e.Value);
    }

    [Fact]
    public void Read_an_inverted_box_is_an_error()
    {
        using var dir = new TempDir();
        var fields = Line(1).Split(' ');
        (fields[196], fields[198]) = (fields[198], fields[196]);
        var path = dir.Write("wflw.txt", string.Join(' ', fields) + "\n");

        var e = Assert.Throws<DataFormatException>(() => WflwReader.Read(path));

        Assert.Equal("101 2 1 121", e.Value);
    }
}
