using FaceRep.Data.Formats;
using SkiaSharp;

namespace FaceRep.Data.Tests.Formats;

public sealed class FormatInspectorTests
{
    [Fact]
    public void Inspect_image_folders_counts_identities_and_names_corrupt_images()
    {
        using var dir = new TempDir();
        dir.Write("alice/1.jpg", EncodedImages.SolidJpeg(8, SKColors.Red));
        dir.Write("alice/2.jpg", EncodedImages.TruncatedJpeg());
        dir.Write("bob/1.png", EncodedImages.GradientPng());
        dir.Write("bob/2.png", []);
        dir.Write("carol/1.png", EncodedImages.GradientPng());

        var summary = FormatInspector.Inspect(dir.Root);

        Assert.Equal(DatasetFormat.ImageFolders, summary.Format);
        Assert.Null(summary.Error);
        Assert.Equal(5, summary.SampleCount);
        Assert.Equal(new LabelCoverage("identity", 5, 5, "3 identities"), Assert.Single(summary.Coverage));
        Assert.Equal(5, summary.Checked);
        Assert.Equal(2, summary.CorruptCount);
        Assert.Equal(2, summary.FirstCorrupt.Count);
        Assert.StartsWith(dir.PathOf("alice/2.jpg") + ": ", summary.FirstCorrupt[0], StringComparison.Ordinal);
        Assert.Equal(dir.PathOf("bob/2.png") + ": zero-length data", summary.FirstCorrupt[1]);
        var text = summary.ToString();
        Assert.Contains("format: ImageFolders", text, StringComparison.Ordinal);
        Assert.Contains("samples: 5", text, StringComparison.Ordinal);
        Assert.Contains("identity: 5/5 (3 identities)", text, StringComparison.Ordinal);
        Assert.Contains("corrupt: 2", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_hdf5_decodes_every_entry_and_names_the_corrupt_ones()
    {
        var path = Fixtures.PathOf("h5py_images.h5");

        var summary = FormatInspector.Inspect(path);

        Assert.Equal(DatasetFormat.Hdf5Images, summary.Format);
        Assert.Equal(4, summary.SampleCount);
        Assert.Equal(4, summary.Checked);
        Assert.Equal(2, summary.CorruptCount);
        Assert.Equal($"{path}[images][2]: zero-length data", summary.FirstCorrupt[0]);
        Assert.StartsWith($"{path}[images][3]: not a decodable image", summary.FirstCorrupt[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_with_a_cap_checks_that_many_evenly_spaced_samples()
    {
        using var dir = new TempDir();
        var entries = Enumerable.Range(0, 10).Select(i => i % 2 == 1 ? EncodedImages.RandomBytes(40, i) : EncodedImages.GradientPng()).ToArray();
        var path = Hdf5ImageFileTests.WriteImages(dir.PathOf("faces.h5"), entries, gzipChunked: true);

        var summary = FormatInspector.Inspect(path, maxSamples: 5);

        Assert.Equal(10, summary.SampleCount);
        Assert.Equal(5, summary.Checked);
        Assert.Equal(0, summary.CorruptCount);
        Assert.Contains(summary.Notes, n => n.Contains("checked 5 of 10", StringComparison.Ordinal));
    }

    [Fact]
    public void Inspect_a_pts_folder_reports_landmark_and_image_coverage()
    {
        using var dir = new TempDir();
        dir.Write("300W/a.pts", PtsReaderTests.PtsText(68, i => (i + 1, 1)));
        dir.Write("300W/a.png", EncodedImages.GradientPng());
        dir.Write("300W/b.pts", PtsReaderTests.PtsText(68, i => (i + 1, 1)));
        dir.Write("300W/b.jpg", EncodedImages.TruncatedJpeg());
        dir.Write("300W/c.pts", PtsReaderTests.PtsText(68, i => (i + 1, 1)));
        dir.Write("300W/d.pts", "version: 1\nn_points: 68\n{\n1 2\n}\n");

        var summary = FormatInspector.Inspect(dir.PathOf("300W"));

        Assert.Equal(DatasetFormat.Pts, summary.Format);
        Assert.Equal(4, summary.SampleCount);
        Assert.Equal(new LabelCoverage("landmarks", 3, 4, "68 points; 0-based pixel centres"), summary.Coverage[0]);
        Assert.Equal(new LabelCoverage("image beside the .pts", 2, 4), summary.Coverage[1]);
        Assert.Equal(2, summary.CorruptCount);
        Assert.StartsWith(dir.PathOf("300W/b.jpg") + ": ", summary.FirstCorrupt[0], StringComparison.Ordinal);
        Assert.StartsWith(dir.PathOf("300W/d.pts") + ": n_points is 68 but 1 points", summary.FirstCorrupt[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_an_aflw2000_folder_parses_each_mat_and_checks_its_image()
    {
        using var dir = new TempDir();
        dir.Write("image00002.mat", Aflw2000ReaderTests.Mat(compress: true));
        dir.Write("image00002.jpg", EncodedImages.SolidJpeg(16, SKColors.Gray));
        dir.Write("image00004.mat", MatV5Writer.Write([MatV5Writer.Matrix("pt3d_68", Aflw2000ReaderTests.Points3D())]));

        var summary = FormatInspector.Inspect(dir.Root);

        Assert.Equal(DatasetFormat.Aflw2000Mat, summary.Format);
        Assert.Equal(2, summary.SampleCount);
        Assert.Equal(1, summary.Coverage[0].Count);
        Assert.Equal(1, summary.Coverage[1].Count);
        Assert.Equal(1, summary.CorruptCount);
        Assert.Contains("image00004.mat: no numeric variable 'Pose_Para'", summary.FirstCorrupt[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_disfa_reports_frames_and_active_frames_per_au()
    {
        using var dir = new TempDir();
        dir.Write("SN001/SN001_au1.txt", "1,0\n2,3\n3,0\n");
        dir.Write("SN001/SN001_au12.txt", "1,1\n2,2\n3,5\n");
        dir.Write("SN002/SN002_au1.txt", "1,4\n2,0\n");
        dir.Write("SN002/SN002_au12.txt", "1,0\n2,0\n");

        var summary = FormatInspector.Inspect(dir.Root);

        Assert.Equal(DatasetFormat.DisfaAu, summary.Format);
        Assert.Equal(5, summary.SampleCount);
        Assert.Equal(new LabelCoverage("AU intensities", 5, 5, "2 AUs: 1 12"), summary.Coverage[0]);
        Assert.Equal(new LabelCoverage("AU1 > 0", 2, 5), summary.Coverage[1]);
        Assert.Equal(new LabelCoverage("AU12 > 0", 3, 5), summary.Coverage[2]);
    }

    [Fact]
    public void Inspect_affectnet_reports_kept_rows_coverage_and_exclusions()
    {
        using var dir = new TempDir();
        var path = dir.Write("training.csv", string.Join('\n',
            AffectNetReaderTests.Header,
            AffectNetReaderTests.Row("a.jpg", 1),
            AffectNetReaderTests.Row("b.jpg", 2, "-2", "-2", ""),
            AffectNetReaderTests.Row("c.jpg", 10, "-2", "-2")));

        var summary = FormatInspector.Inspect(path);

        Assert.Equal(2, summary.SampleCount);
        Assert.Equal(new LabelCoverage("landmarks", 1, 2), summary.Coverage[1]);
        Assert.Equal(new LabelCoverage("valence", 1, 2), summary.Coverage[2]);
        Assert.Contains("excluded 1 rows: 10 (non-face) 1", summary.Notes[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_pairs_and_wflw_report_their_counts()
    {
        using var dir = new TempDir();
        var pairs = dir.Write("pairs.txt", VerificationPairsReaderTests.TwoFolds);
        var wflw = dir.Write("wflw.txt", WflwReaderTests.Line(1, "1 0 0 0 1 0") + "\n" + WflwReaderTests.Line(2, "0 0 0 0 1 0") + "\n");

        var p = FormatInspector.Inspect(pairs);
        var w = FormatInspector.Inspect(wflw);

        Assert.Equal(8, p.SampleCount);
        Assert.Equal(new LabelCoverage("same-person pairs", 4, 8), p.Coverage[0]);
        Assert.Equal(2, w.SampleCount);
        Assert.Equal(new LabelCoverage("pose", 1, 2), w.Coverage[1]);
        Assert.Equal(new LabelCoverage("occlusion", 2, 2), w.Coverage[5]);
    }

    [Fact]
    public void Inspect_a_malformed_file_reports_the_error_with_file_and_line()
    {
        using var dir = new TempDir();
        var bad = WflwReaderTests.Line(1, "0 0 0 0 0 7");
        var path = dir.Write("wflw.txt", WflwReaderTests.Line(1) + "\n" + bad + "\n");

        var summary = FormatInspector.Inspect(path);

        Assert.Equal(DatasetFormat.WflwAnnotations, summary.Format);
        Assert.StartsWith($"{path}:2: the blur flag must be 0 or 1", summary.Error, StringComparison.Ordinal);
        Assert.Contains($"error: {path}:2:", summary.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_an_unknown_file_says_so()
    {
        using var dir = new TempDir();
        var path = dir.Write("random.bin", EncodedImages.RandomBytes(256, 5));

        var summary = FormatInspector.Inspect(path);

        Assert.Equal(DatasetFormat.Unknown, summary.Format);
        Assert.Equal("format not recognised", summary.Error);
    }
}
