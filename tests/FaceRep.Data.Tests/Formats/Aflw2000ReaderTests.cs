using System.Text;
using FaceRep.Data.Formats;

namespace FaceRep.Data.Tests.Formats;

public sealed class Aflw2000ReaderTests
{
    private static readonly double[] Pose = [0.1, -0.2, 0.3, 10, 20, 30, 0.001];

    internal static double[,] Points3D()
    {
        var m = new double[3, 68];
        for (var j = 0; j < 68; j++)
        {
            m[0, j] = j + 1.5;
            m[1, j] = (2 * j) + 0.25;
            m[2, j] = -0.5 * j;
        }

        return m;
    }

    internal static byte[] Mat(bool compress, bool bigEndian = false) => MatV5Writer.Write(
    [
        MatV5Writer.Text("name", "image00002"),
        MatV5Writer.Matrix("pt3d_68", Points3D(), compress),
        MatV5Writer.Matrix("roi", new double[,] { { 4, 8, 250, 255 } }, compress, MatV5Writer.MiUInt8),
        MatV5Writer.Matrix("Pose_Para", new double[,] { { Pose[0], Pose[1], Pose[2], Pose[3], Pose[4], Pose[5], Pose[6] } }, compress),
    ], bigEndian);

    private static void AssertExact(Aflw2000Annotation a)
    {
        Assert.Equal(68, a.PointCount);
        for (var j = 0; j < 68; j++)
        {
            Assert.Equal((float)(j + 1.5), a.Points[3 * j]);
            Assert.Equal((float)((2 * j) + 0.25), a.Points[(3 * j) + 1]);
            Assert.Equal((float)(-0.5 * j), a.Points[(3 * j) + 2]);
        }

        Assert.Equal((0.1, -0.2, 0.3), (a.Pitch, a.Yaw, a.Roll));
        Assert.Equal(Pose, a.PoseParameters);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void Read_returns_68_points_and_pose_from_a_v5_mat(bool compress, bool bigEndian)
    {
        using var dir = new TempDir();
        var path = dir.Write("image00002.mat", Mat(compress, bigEndian));

        var a = Aflw2000Reader.Read(path);

        Assert.Equal(path, a.Path);
        AssertExact(a);
    }

    [Theory]
    [InlineData("scipy_aflw2000.mat")]
    [InlineData("scipy_aflw2000_compressed.mat")]
    public void Read_files_written_by_scipy_savemat(string fixture)
    {
        var a = Aflw2000Reader.Read(Fixtures.PathOf(fixture));

        AssertExact(a);
    }

    [Fact]
    public void MatFile_returns_numeric_variables_in_column_major_order_and_skips_text()
    {
        using var dir = new TempDir();
        var path = dir.Write("v.mat", Mat(compress: false));

        var vars = MatFile.Read(path);

        Assert.Equal(["Pose_Para", "pt3d_68", "roi"], vars.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("3×68", vars["pt3d_68"].Shape);
        Assert.Equal(2 * 5 + 0.25, vars["pt3d_68"][1, 5]);
        Assert.Equal(2 * 5 + 0.25, vars["pt3d_68"].Data[(5 * 3) + 1]);
        Assert.Equal([4.0, 8, 250, 255], vars["roi"].Data);
    }

    [Fact]
    public void MatFile_reads_the_other_variables_of_the_scipy_fixture()
    {
        var vars = MatFile.Read(Fixtures.PathOf("scipy_aflw2000_compressed.mat"));

        Assert.Equal("199×1", vars["Shape_Para"].Shape);
        Assert.Equal(-1.0, vars["Shape_Para"].Data[0]);
        Assert.Equal(1.0, vars["Shape_Para"].Data[198], 12);
        Assert.False(vars.ContainsKey("note"));
    }

    [Fact]
    public void Read_without_pose_names_the_missing_variable_and_what_is_there()
    {
        using var dir = new TempDir();
        var path = dir.Write("a.mat", MatV5Writer.Write([MatV5Writer.Matrix("pt3d_68", Points3D())]));

        var e = Assert.Throws<DataFormatException>(() => Aflw2000Reader.Read(path));

        Assert.Equal(path, e.File);
        Assert.Equal("Pose_Para", e.Value);
        Assert.Contains("numeric variables: pt3d_68", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_points_of_the_wrong_shape_names_the_shape()
    {
        using var dir = new TempDir();
        var path = dir.Write("a.mat", MatV5Writer.Write(
        [
            MatV5Writer.Matrix("pt3d_68", new double[2, 68]),
            MatV5Writer.Matrix("Pose_Para", new double[1, 7]),
        ]));

        var e = Assert.Throws<DataFormatException>(() => Aflw2000Reader.Read(path));

        Assert.Equal("2×68", e.Value);
        Assert.Contains("must be 3×68", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_a_file_without_the_mat_header_names_what_it_found()
    {
        using var dir = new TempDir();
        var path = dir.Write("a.mat", Encoding.ASCII.GetBytes(new string('x', 200)));

        var e = Assert.Throws<DataFormatException>(() => MatFile.Read(path));

        Assert.Contains("MATLAB 5.0 MAT-file", e.Message, StringComparison.Ordinal);
        Assert.Equal(new string('x', 24), e.Value);
    }

    [Fact]
    public void Read_a_v73_file_says_it_is_hdf5()
    {
        using var dir = new TempDir();
        var path = dir.Write("a.mat", MatV5Writer.Write([], header: "MATLAB 7.3 MAT-file, Platform: GLNXA64"));

        var e = Assert.Throws<DataFormatException>(() => MatFile.Read(path));

        Assert.Contains("v7.3 files are HDF5", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_a_truncated_file_is_a_format_error_naming_the_offset()
    {
        using var dir = new TempDir();
        var full = Mat(compress: false);
        var path = dir.Write("a.mat", full[..(full.Length - 100)]);

        var e = Assert.Throws<DataFormatException>(() => MatFile.Read(path));

        Assert.Equal(path, e.File);
        Assert.Contains("at byte", e.Message, StringComparison.Ordinal);
        Assert.Contains("runs past the end", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_a_damaged_compressed_element_is_a_format_error()
    {
        using var dir = new TempDir();
        var bytes = Mat(compress: true);
        var firstCompressed = 128 + 80;
        Assert.Equal(MatV5Writer.MiCompressed, bytes[firstCompressed]);
        for (var i = firstCompressed + 20; i < firstCompressed + 40; i++)
        {
            bytes[i] ^= 0x5A;
        }

        var path = dir.Write("a.mat", bytes);

        var e = Assert.Throws<DataFormatException>(() => MatFile.Read(path));

        Assert.Equal(path, e.File);
    }
}
