using System.Globalization;
using FaceRep.Data.Formats;

namespace FaceRep.Data.Tests.Formats;

public sealed class DisfaAuReaderTests
{
    internal static string Series(int frames, Func<int, int> intensity, int first = 1) =>
        string.Concat(Enumerable.Range(first, frames).Select(f => string.Create(CultureInfo.InvariantCulture, $"{f},{intensity(f)}\n")));

    internal static void WriteSubject(TempDir dir, string subject, int frames, params int[] aus)
    {
        foreach (var au in aus)
        {
            dir.Write($"ActionUnit_Labels/{subject}/{subject}_au{au}.txt", Series(frames, f => (f + au) % 6));
        }
    }

    [Fact]
    public void Read_builds_a_frame_by_au_table_per_subject()
    {
        using var dir = new TempDir();
        WriteSubject(dir, "SN002", 5, 12, 1, 2);
        WriteSubject(dir, "SN001", 7, 1, 2, 12);

        var subjects = DisfaAuReader.Read(dir.Root);

        Assert.Equal(["SN001", "SN002"], subjects.Select(s => s.Subject));
        var sn001 = subjects[0];
        Assert.Equal([1, 2, 12], sn001.ActionUnits);
        Assert.Equal((1, 7), (sn001.FirstFrame, sn001.FrameCount));
        Assert.Equal((4 + 12) % 6, sn001.Intensity(4, 12));
        Assert.Equal((7 + 1) % 6, sn001.Intensity(7, 1));
        Assert.Equal([(3 + 1) % 6, (3 + 2) % 6, (3 + 12) % 6], sn001.FrameIntensities(3));
        Assert.Equal(5, subjects[1].FrameCount);
        Assert.EndsWith("SN001_au12.txt", sn001.Files[2], StringComparison.Ordinal);
    }

    [Fact]
    public void Read_one_file_gives_one_subject_with_one_au()
    {
        using var dir = new TempDir();
        var path = dir.Write("SN003_au25.txt", "1,0\n2,5\n3,3\n");

        var subject = Assert.Single(DisfaAuReader.Read(path));

        Assert.Equal([25], subject.ActionUnits);
        Assert.Equal([0, 5, 3], Enumerable.Range(1, 3).Select(f => subject.Intensity(f, 25)));
    }

    [Theory]
    [InlineData("1,0\n2,1\n4,2\n", 3, "4", "frame 3 is missing")]
    [InlineData("1,0\n2,1\n6,2\n", 3, "6", "frames 3–5 are missing")]
    [InlineData("1,0\n2,6\n3,2\n", 2, "6", "intensity must be 0–5")]
    [InlineData("1,0\n2,-1\n", 2, "-1", "intensity must be 0–5")]
    [InlineData("1,0\n1,1\n", 2, "1", "appears twice")]
    [InlineData("1,0\n2,x\n", 2, "x", "intensity is not an integer")]
    [InlineData("1,0\n2\n", 2, "2", "expected 'frame,intensity'")]
    public void Read_malformed_lines_name_file_line_and_value(string text, int line, string value, string reason)
    {
        using var dir = new TempDir();
        var path = dir.Write("SN001/SN001_au4.txt", text);

        var e = Assert.Throws<DataFormatException>(() => DisfaAuReader.Read(dir.Root));

        Assert.Equal(path, e.File);
        Assert.Equal(line, e.Line);
        Assert.Equal(value, e.Value);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_au_files_covering_different_frames_is_an_error_naming_both()
    {
        using var dir = new TempDir();
        var first = dir.Write("SN001/SN001_au1.txt", Series(5, _ => 0));
        var second = dir.Write("SN001/SN001_au2.txt", Series(4, _ => 0));

        var e = Assert.Throws<DataFormatException>(() => DisfaAuReader.Read(dir.Root));

        Assert.Equal(second, e.File);
        Assert.Equal("frames 1–4", e.Value);
        Assert.Contains(first, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_a_directory_without_au_files_is_an_error()
    {
        using var dir = new TempDir();
        dir.Write("SN001/readme.txt", "nothing");

        var e = Assert.Throws<DataFormatException>(() => DisfaAuReader.Read(dir.Root));

        Assert.Contains("no AU files", e.Message, StringComparison.Ordinal);
    }
}
