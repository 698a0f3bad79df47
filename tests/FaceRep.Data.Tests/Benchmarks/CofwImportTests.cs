using System.Text.Json;
using FaceRep.Data.Benchmarks;
using FaceRep.Data.Formats;
using FaceRep.Data.ImageSets;
using FaceRep.Tests.Shared;

namespace FaceRep.Data.Tests.Benchmarks;

/// <summary>
/// Importing COFW from MATLAB v7.3 files written by h5py as MATLAB lays them out (Fixtures/make_cofw.py), against
/// regions, points and colours the script computed on its own; and reading those files with <see cref="MatV73File"/>.
/// </summary>
public sealed class CofwImportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("facerep-cofw-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static JsonElement Expected => JsonDocument.Parse(File.ReadAllText(BenchmarkFixtures.PathOf("expected_cofw.json"))).RootElement;

    private static string Fixture(string file) => Path.Combine(BenchmarkFixtures.PathOf("cofw"), file);

    private BenchmarkManifest Import(string name) =>
        BenchmarkImport.Run(new Cofw(), BenchmarkFixtures.PathOf("cofw"), Path.Combine(_dir, name), new BenchmarkImportOptions { Size = 64, Threads = 2 });

    private static float[] Flat(JsonElement pairs) => [.. pairs.EnumerateArray().SelectMany(p => p.EnumerateArray().Select(v => v.GetSingle()))];

    [Fact]
    public void Faces_split_by_file_and_the_unusable_ones_are_named()
    {
        var manifest = Import("cofw");

        Assert.Equal(("cofw", "landmarks", 29, 2, 64), (manifest.Kind, manifest.Task, manifest.Points, manifest.Dimensions, manifest.Size));
        Assert.Equal((4, 2), (manifest.Splits[BenchmarkSplits.Train], manifest.Splits[BenchmarkSplits.Test]));
        Assert.Empty(manifest.Subsets);
        var skipped = Expected.GetProperty("skipped").EnumerateArray().Select(s => s.GetString()!).Order(StringComparer.Ordinal);
        Assert.Equal(skipped, manifest.Skipped.Select(s => s.Item).Order(StringComparer.Ordinal));
        Assert.Contains("NaN", manifest.Skipped.Single(s => s.Item == "COFW_train_color.mat:IsTr[4]").Reason, StringComparison.Ordinal);
        Assert.Contains("outside the 48×40 image", manifest.Skipped.Single(s => s.Item == "COFW_test_color.mat:IsT[2]").Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Crops_follow_hrnets_rule_on_the_box_and_map_back_onto_the_1_based_annotation()
    {
        Import("cofw");
        var items = Benchmark.Open(Path.Combine(_dir, "cofw")).ReadAll();
        var expected = Expected.GetProperty("faces");

        Assert.Equal(expected.EnumerateObject().Count(), items.Count);
        foreach (var face in expected.EnumerateObject())
        {
            var item = Assert.Single(items, i => i.Source == face.Name);
            var e = face.Value;
            Assert.Equal(e.GetProperty("split").GetString(), item.Split);
            Assert.Equal(e.GetProperty("scale").GetSingle(), item.Scale, 1e-3f);
            Assert.Equal(e.GetProperty("offset")[0].GetSingle(), item.Offset[0], 1e-3f);
            Assert.Equal(e.GetProperty("offset")[1].GetSingle(), item.Offset[1], 1e-3f);
            var crop = Flat(e.GetProperty("crop64"));
            var continuous = Flat(e.GetProperty("points"));
            Assert.Equal(58, item.Points.Length);
            for (var i = 0; i < crop.Length; i++)
            {
                Assert.True(Math.Abs(crop[i] - item.Points[i]) < 1e-3, $"{face.Name} crop value {i}: {item.Points[i]}, expected {crop[i]}");
                Assert.True(Math.Abs(continuous[i] + 0.5f - item.OriginalPoints[i]) < 1e-3, $"{face.Name} value {i}: {item.OriginalPoints[i]}, expected {continuous[i] + 0.5f}");
            }

            var back = item.ToOriginal(item.Points, 2);
            Assert.All(back.Zip(item.OriginalPoints), p => Assert.Equal(p.Second, p.First, 1e-3f));
            Assert.Equal(e.GetProperty("visible").EnumerateArray().Select(v => v.GetBoolean()), item.Visible);
        }
    }

    [Fact]
    public void Each_crop_shows_its_own_image_upright_with_the_box_painted_in_the_middle()
    {
        Import("cofw");
        var items = Benchmark.Open(Path.Combine(_dir, "cofw")).ReadAll();

        foreach (var face in Expected.GetProperty("faces").EnumerateObject())
        {
            var item = items.Single(i => i.Source == face.Name);
            var pixels = ImageDecoder.Decode(item.Image, 64, item.Source).Pixels;
            // The box fills the crop's middle (at least 70% of each side); the crop lies inside the image, so its corner is background.
            var middle = Mean(pixels, 26, 38);
            var corner = Mean(pixels, 0, 6);
            var foreground = face.Value.GetProperty("foreground").EnumerateArray().Select(v => v.GetInt32()).ToArray();
            var background = face.Value.GetProperty("background").EnumerateArray().Select(v => v.GetInt32()).ToArray();
            for (var c = 0; c < 3; c++)
            {
                Assert.True(Math.Abs(middle[c] - foreground[c]) <= 6, $"{face.Name} channel {c}: the middle is {middle[c]:0.#}, painted {foreground[c]}");
                Assert.True(Math.Abs(corner[c] - background[c]) <= 6, $"{face.Name} channel {c}: the corner is {corner[c]:0.#}, painted {background[c]}");
            }
        }
    }

    [Fact]
    public void Cofws_nme_divides_the_mean_point_error_by_the_distance_of_points_8_and_9()
    {
        // Two faces with points 8 and 9 (0-based) 20 pixels apart; the first predicted 3 crop pixels right of
        // the truth at scale 2 (6 original pixels: NME 0.3), the second exactly.
        var truth = Enumerable.Range(0, 58).Select(i => (float)(i % 7)).ToArray();
        (truth[16], truth[17], truth[18], truth[19]) = (10, 40, 10, 20);
        var items = new[] { Item(truth, scale: 2), Item(truth, scale: 2) };
        var crop = truth.Select(v => v / 2).ToArray();
        var predictions = crop.Select((v, i) => i % 2 == 0 ? v + 3 : v).Concat(crop).ToArray();

        var metrics = new Cofw().Metrics(items, predictions);

        Assert.Equal(0.15, metrics["nme_io"], 6);
        Assert.Equal(0.5, metrics["fr_10"], 6);
        Assert.Equal(0.5, metrics["auc_10"], 6);
    }

    [Fact]
    public void Imported_faces_shifted_by_one_crop_pixel_score_scale_root_2_over_their_inter_pupil_distance()
    {
        Import("cofw");
        var test = Benchmark.Open(Path.Combine(_dir, "cofw")).ReadAll().Where(i => i.Split == BenchmarkSplits.Test).ToList();
        var predicted = test.SelectMany(i => i.Points.Select(v => v + 1)).ToArray();

        var metrics = new Cofw().Metrics(test, predicted);

        var expected = test.Select(i =>
        {
            var p = i.OriginalPoints;
            return i.Scale * Math.Sqrt(2) / Math.Sqrt(Math.Pow(p[16] - p[18], 2) + Math.Pow(p[17] - p[19], 2));
        }).Average();
        Assert.Equal(expected, metrics["nme_io"], 5);
        Assert.Contains("fr_10", metrics.Keys);
        Assert.Contains("auc_10", metrics.Keys);
    }

    [Fact]
    public void A_source_without_a_splits_file_is_refused_naming_it_and_the_grey_files_stand_in_for_the_colour_ones()
    {
        var source = Path.Combine(_dir, "src");
        Directory.CreateDirectory(source);
        File.Copy(Fixture("COFW_test_color.mat"), Path.Combine(source, "COFW_test_color.mat"));

        var e = Assert.Throws<BenchmarkSourceException>(() => BenchmarkImport.Run(new Cofw(), source, Path.Combine(_dir, "out"), new BenchmarkImportOptions()));
        Assert.Contains("COFW_train_color.mat", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("COFW_test", e.Message, StringComparison.Ordinal);

        File.Copy(Fixture("COFW_train_color.mat"), Path.Combine(source, "COFW_train.mat"));
        var skipped = new List<SkippedItem>();
        var faces = new Cofw().Read(source, skipped);
        Assert.Equal(4, faces.Count(f => f.Split == BenchmarkSplits.Train && f.Source.StartsWith("COFW_train.mat:IsTr[", StringComparison.Ordinal)));
        Assert.Equal(2, skipped.Count);
    }

    [Fact]
    public void A_split_file_without_its_variables_is_refused_naming_the_missing_one()
    {
        var source = Path.Combine(_dir, "src");
        Directory.CreateDirectory(source);
        // The test file under the training file's name: it has no IsTr.
        File.Copy(Fixture("COFW_test_color.mat"), Path.Combine(source, "COFW_train_color.mat"));
        File.Copy(Fixture("COFW_test_color.mat"), Path.Combine(source, "COFW_test_color.mat"));

        var e = Assert.Throws<BenchmarkSourceException>(() => new Cofw().Read(source, new List<SkippedItem>()));

        Assert.Contains("no variable 'IsTr'", e.Message, StringComparison.Ordinal);
        Assert.Contains("IsT, bboxesT, phisT", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MatV73File_reads_matlabs_dimensions_column_major_and_turns_images_row_major()
    {
        using var file = MatV73File.Open(Fixture("COFW_train_color.mat"));
        var first = Expected.GetProperty("faces").GetProperty("COFW_train_color.mat:IsTr[1]");

        Assert.Equal(["IsTr", "bboxesTr", "phisTr"], file.Variables.Order(StringComparer.Ordinal));
        var phis = file.ReadNumeric("phisTr");
        Assert.Equal([5, 87], phis.Dimensions);
        Assert.Equal(6, phis.ClassId);
        Assert.Equal(first.GetProperty("points")[0][0].GetDouble() + 0.5, phis[0, 0], 6);
        Assert.Equal(first.GetProperty("points")[0][1].GetDouble() + 0.5, phis[0, 29], 6);
        var boxes = file.ReadNumeric("bboxesTr");
        Assert.Equal([5, 4], boxes.Dimensions);
        Assert.Equal(first.GetProperty("box").EnumerateArray().Select(v => v.GetDouble()), Enumerable.Range(0, 4).Select(k => boxes[0, k]));

        var cell = file.ReadImageCell("IsTr");
        Assert.Equal([5, 1], cell.Dimensions);
        Assert.Equal(5, cell.Count);
        var colour = cell.ReadImage(0);
        Assert.Equal((60, 48, 3), (colour.Width, colour.Height, colour.Channels));
        Assert.Equal((60, 48, 3), cell.ImageSize(0));
        var box = first.GetProperty("box").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        Assert.Equal(first.GetProperty("background").EnumerateArray().Select(v => (byte)v.GetInt32()), colour.Pixels.Take(3));
        var inBox = (((box[1] - 1) * colour.Width) + box[0] - 1) * 3;
        Assert.Equal(first.GetProperty("foreground").EnumerateArray().Select(v => (byte)v.GetInt32()), colour.Pixels.Skip(inBox).Take(3));
        Assert.Equal(first.GetProperty("background").EnumerateArray().Select(v => (byte)v.GetInt32()), colour.Pixels.Skip(inBox - 3).Take(3));

        // MATLAB names the arrays of #refs# a, b, …; 'a' is its empty placeholder.
        Assert.Equal("/#refs#/b", cell.ObjectPath(0));
        Assert.Equal(colour.Pixels, file.ReadImageAt("/#refs#/b").Pixels);

        var grey = cell.ReadImage(2);
        Assert.Equal((56, 44, 1), (grey.Width, grey.Height, grey.Channels));
        var greyBox = Expected.GetProperty("faces").GetProperty("COFW_train_color.mat:IsTr[3]").GetProperty("box").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        Assert.Equal((60, 200), (grey.Pixels[0], grey.Pixels[((greyBox[1] - 1) * 56) + greyBox[0] - 1]));
        Assert.Equal((56, 44), ImageDecoder.Probe(grey.EncodePng("grey"), "grey"));
    }

    [Fact]
    public void MatV73File_names_the_variable_and_what_is_wrong_with_it()
    {
        using var file = MatV73File.Open(Fixture("COFW_test_color.mat"));

        var missing = Assert.Throws<DataFormatException>(() => file.ReadNumeric("phisTr"));
        Assert.Contains("no variable 'phisTr'", missing.Message, StringComparison.Ordinal);
        var cell = Assert.Throws<DataFormatException>(() => file.ReadNumeric("IsT"));
        Assert.Contains("'IsT' is a MATLAB cell, not a numeric array", cell.Message, StringComparison.Ordinal);
        var numbers = Assert.Throws<DataFormatException>(() => file.ReadImageCell("phisT"));
        Assert.Contains("'phisT' is a MATLAB double, not a cell array", numbers.Message, StringComparison.Ordinal);
        Assert.Equal([1, 3], file.ReadImageCell("IsT").Dimensions);
        var placeholder = Assert.Throws<DataFormatException>(() => file.ReadImageAt("/#refs#/a", "IsT{9}"));
        Assert.Contains("'IsT{9}'", placeholder.Message, StringComparison.Ordinal);
        Assert.Contains("empty", placeholder.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void MatV73File_refuses_a_level_5_mat_file_saying_what_it_is()
    {
        var v5 = Directory.EnumerateFiles(BenchmarkFixtures.PathOf("aflw2000"), "*.mat", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First();

        var e = Assert.Throws<DataFormatException>(() => MatV73File.Open(v5));

        Assert.Contains("level-5 MAT-file", e.Message, StringComparison.Ordinal);
        Assert.Contains("not MATLAB v7.3", e.Message, StringComparison.Ordinal);
        Assert.Equal(v5, e.File);
    }

    private static BenchmarkItem Item(float[] original, float scale) => new()
    {
        Source = "face",
        Split = BenchmarkSplits.Test,
        Points = [.. original.Select(v => v / scale)],
        OriginalPoints = original,
        Scale = scale,
        Offset = [0, 0],
    };

    /// <summary>The mean colour (0–255) of the square [from, to)² of a CHW image of side 64.</summary>
    private static double[] Mean(float[] chw, int from, int to)
    {
        var means = new double[3];
        for (var c = 0; c < 3; c++)
        {
            double sum = 0;
            for (var y = from; y < to; y++)
            {
                for (var x = from; x < to; x++)
                    sum += chw[(c * 64 * 64) + (y * 64) + x];
            }

            means[c] = 255 * sum / ((to - from) * (to - from));
        }

        return means;
    }
}
