using FaceRep.Data.Formats;
using SkiaSharp;

namespace FaceRep.Data.Tests.Formats;

public sealed class FormatDetectorTests
{
    [Fact]
    public void Detect_recognises_identity_folders()
    {
        using var dir = new TempDir();
        dir.Write("n000001/0001_01.jpg", EncodedImages.SolidJpeg(8, SKColors.Red));

        Assert.Equal(DatasetFormat.ImageFolders, FormatDetector.Detect(dir.Root));
    }

    [Fact]
    public void Detect_recognises_hdf5_by_its_signature_whatever_the_extension()
    {
        using var dir = new TempDir();
        var path = Hdf5ImageFileTests.WriteImages(dir.PathOf("faces.data"), [EncodedImages.GradientPng()], gzipChunked: false);

        Assert.Equal(DatasetFormat.Hdf5Images, FormatDetector.Detect(path));
        Assert.Equal(DatasetFormat.Hdf5Images, FormatDetector.Detect(Fixtures.PathOf("h5py_images_gzip.h5")));
    }

    [Fact]
    public void Detect_recognises_pts_files_and_folders_of_them()
    {
        using var dir = new TempDir();
        var path = dir.Write("300W/01_Indoor/indoor_001.pts", PtsReaderTests.PtsText(68, i => (i + 1, i + 1)));

        Assert.Equal(DatasetFormat.Pts, FormatDetector.Detect(path));
        Assert.Equal(DatasetFormat.Pts, FormatDetector.Detect(dir.PathOf("300W")));
    }

    [Fact]
    public void Detect_recognises_wflw_annotation_lists()
    {
        using var dir = new TempDir();
        var path = dir.Write("list_98pt_rect_attr_test.txt", WflwReaderTests.Line(1) + "\n");

        Assert.Equal(DatasetFormat.WflwAnnotations, FormatDetector.Detect(path));
    }

    [Fact]
    public void Detect_recognises_v5_mat_files_and_folders_of_them()
    {
        using var dir = new TempDir();
        var path = dir.Write("AFLW2000/image00002.mat", Aflw2000ReaderTests.Mat(compress: true));

        Assert.Equal(DatasetFormat.Aflw2000Mat, FormatDetector.Detect(path));
        Assert.Equal(DatasetFormat.Aflw2000Mat, FormatDetector.Detect(dir.PathOf("AFLW2000")));
        Assert.Equal(DatasetFormat.Aflw2000Mat, FormatDetector.Detect(Fixtures.PathOf("scipy_aflw2000.mat")));
    }

    [Fact]
    public void Detect_recognises_disfa_au_files_and_folders_of_them()
    {
        using var dir = new TempDir();
        DisfaAuReaderTests.WriteSubject(dir, "SN001", 3, 1, 2);

        Assert.Equal(DatasetFormat.DisfaAu, FormatDetector.Detect(dir.Root));
        Assert.Equal(DatasetFormat.DisfaAu, FormatDetector.Detect(dir.PathOf("ActionUnit_Labels/SN001/SN001_au2.txt")));
    }

    [Fact]
    public void Detect_recognises_affectnet_csv_by_its_header()
    {
        using var dir = new TempDir();
        var path = dir.Write("labels.txt", AffectNetReaderTests.Header + "\n" + AffectNetReaderTests.Row("a.jpg", 1) + "\n");

        Assert.Equal(DatasetFormat.AffectNetCsv, FormatDetector.Detect(path));
    }

    [Fact]
    public void Detect_recognises_verification_pairs()
    {
        using var dir = new TempDir();
        var path = dir.Write("pairs.txt", VerificationPairsReaderTests.TwoFolds);

        Assert.Equal(DatasetFormat.VerificationPairs, FormatDetector.Detect(path));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4096)]
    public void Detect_says_unknown_for_random_bytes(int length)
    {
        using var dir = new TempDir();
        var path = dir.Write("random.bin", length == 0 ? [] : EncodedImages.RandomBytes(length, length));

        Assert.Equal(DatasetFormat.Unknown, FormatDetector.Detect(path));
    }

    [Fact]
    public void Detect_says_unknown_for_unrelated_text_an_image_and_a_folder_of_loose_files()
    {
        using var dir = new TempDir();
        var text = dir.Write("notes.txt", "hello\nworld\n");
        var image = dir.Write("loose/face.png", EncodedImages.GradientPng());
        var misnamed = dir.Write("SN001_au1.txt", "hello\n");

        Assert.Equal(DatasetFormat.Unknown, FormatDetector.Detect(text));
        Assert.Equal(DatasetFormat.Unknown, FormatDetector.Detect(image));
        Assert.Equal(DatasetFormat.Unknown, FormatDetector.Detect(dir.PathOf("loose")));
        Assert.Equal(DatasetFormat.Unknown, FormatDetector.Detect(misnamed));
    }

    [Fact]
    public void Detect_a_missing_path_throws()
    {
        using var dir = new TempDir();

        Assert.Throws<FileNotFoundException>(() => FormatDetector.Detect(dir.PathOf("absent")));
    }
}
