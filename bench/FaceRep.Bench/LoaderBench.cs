using System.Diagnostics;
using System.Text.Json;
using FaceRep.Core.Experiments;
using FaceRep.Core.Specs;
using FaceRep.Data.ImageSets;
using FaceRep.Training.Methods;

namespace FaceRep.Bench;

/// <summary>
/// Imported sets, from source to training views. Imports a folder of JPEGs (identity folders; make one
/// with bench/python/make_loader_images.py) keeping the source bytes and re-encoded at each size, and
/// reports images/s and bytes per image; then times the pre-training loader (shard stream, decode,
/// SimCLR's two augmented views per image) over the source bytes at each size, against torchvision's
/// ImageFolder + DataLoader with PIL and the same augmentations on the same files
/// (bench/python/loader.py, Debian's python3-torchvision), both on all of the machine's cores.
/// Options: --source DIR (required)  --sizes 112,224  --batch 64  --epochs 2  --no-python.
/// </summary>
public static class LoaderBench
{
    public static int Run(string[] args)
    {
        var option = new BenchOptions(args);
        var source = option.Text("--source", "");
        if (source.Length == 0 || !Directory.Exists(source))
        {
            Console.Error.WriteLine("loader: --source DIR (identity folders of JPEGs) is required; make one with bench/python/make_loader_images.py");
            return 2;
        }

        var sizes = option.Text("--sizes", "112,224").Split(',').Select(int.Parse).ToArray();
        var batch = option.Int("--batch", 64);
        var epochs = option.Int("--epochs", 2);
        var python = !args.Contains("--no-python");
        var cores = Environment.ProcessorCount;
        var root = Path.Combine(Path.GetTempPath(), $"facerep-loader-bench-{Guid.NewGuid():N}");
        try
        {
            Console.WriteLine($"## Import of {source} ({cores} cores)");
            Console.WriteLine();
            Console.WriteLine("| stored as | images | images/s | KiB per image |");
            Console.WriteLine("|---|--:|--:|--:|");
            var kept = Import(source, Path.Combine(root, "source"), null);
            foreach (var size in sizes)
                Import(source, Path.Combine(root, $"at-{size}"), size);

            Console.WriteLine();
            Console.WriteLine("## Decoding alone, one thread: ms per image (median of 5 passes over the first 256)");
            Console.WriteLine();
            Console.WriteLine("| output size | source bytes | stored at the output size |");
            Console.WriteLine("|--:|--:|--:|");
            foreach (var size in sizes.Prepend(32).Distinct())
            {
                var stored = Directory.Exists(Path.Combine(root, $"at-{size}")) ? $"{DecodeMs(Path.Combine(root, $"at-{size}"), size):F3}" : "";
                Console.WriteLine($"| {size} | {DecodeMs(Path.Combine(root, "source"), size):F3} | {stored} |");
            }

            Console.WriteLine();
            Console.WriteLine($"## Pre-training loader: SimCLR's two views per image, batch {batch}, {epochs} epoch(s), all {cores} cores, source images/s");
            Console.WriteLine();
            Console.WriteLine("| output size | FaceRep, source bytes | FaceRep, stored at the output size | torchvision + PIL | FaceRep ÷ torchvision (source bytes) |");
            Console.WriteLine("|--:|--:|--:|--:|--:|");
            foreach (var size in sizes)
            {
                var ours = Stream(Path.Combine(root, "source"), kept, size, batch, epochs);
                var stored = Stream(Path.Combine(root, $"at-{size}"), ImageSet.ReadManifest(Path.Combine(root, $"at-{size}"))!, size, batch, epochs);
                var theirs = python ? Torchvision(source, size, batch, epochs, cores) : null;
                Console.WriteLine($"| {size} | {ours:N0} | {stored:N0} | {(theirs is { } t ? $"{t:N0}" : "not run")} | {(theirs is { } r ? $"{ours / r:F2}×" : "")} |");
            }
        }
        finally
        {
            if (Directory.Exists(root))
                Directory.Delete(root, recursive: true);
        }

        return 0;
    }

    private static ImageSetManifest Import(string source, string directory, int? size)
    {
        var clock = Stopwatch.StartNew();
        var manifest = ImageSetImport.Import(source, directory, new ImageImportOptions { Size = size, Quality = 90 }).Manifest;
        var seconds = clock.Elapsed.TotalSeconds;
        var bytes = manifest.Shards.Sum(s => s.Bytes) / (double)manifest.Count / 1024;
        Console.WriteLine($"| {(size is null ? "source bytes (decoded once to check)" : $"JPEG {size}×{size}, quality 90")} | {manifest.Count:N0} | {manifest.Count / seconds:N0} | {bytes:F1} |");
        return manifest;
    }

    /// <summary>Source images per second through the pre-training view pipeline, after one untimed batch.</summary>
    private static double Stream(string directory, ImageSetManifest manifest, int size, int batch, int epochs)
    {
        var config = new PretrainConfig("simclr", Path.GetFileName(directory), new BackboneSpec("resnet18", 1, size), epochs, PretrainSpec.AllImages, batch, 1e-3, 0.2,
            DatasetContent: manifest.Content);
        using var data = PretrainData.Load(config, DatasetCatalog.Open([Path.GetDirectoryName(directory)!]));
        using var pipeline = new ViewPipeline(data, new ViewPlan(ViewStyle.Contrastive, 2), batch, epochs);
        pipeline.Next();
        var clock = Stopwatch.StartNew();
        for (var step = 1; step < pipeline.TotalSteps; step++)
            pipeline.Next();
        return (pipeline.TotalSteps - 1) * batch / clock.Elapsed.TotalSeconds;
    }

    private static double DecodeMs(string directory, int size)
    {
        var set = ImageSet.Open(directory);
        var images = set.ReadShard(0).Take(256).ToArray();
        var pixels = new float[3 * size * size];
        var passes = new List<double>();
        for (var pass = 0; pass < 5; pass++)
        {
            var clock = Stopwatch.StartNew();
            foreach (var image in images)
                FaceRep.Data.Formats.ImageDecoder.DecodeInto(image.Bytes, size, pixels, image.Source);
            passes.Add(clock.Elapsed.TotalMilliseconds / images.Length);
        }

        return passes.Order().ElementAt(2);
    }

    private static double? Torchvision(string source, int size, int batch, int epochs, int workers)
    {
        var script = "";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null && !File.Exists(script); dir = dir.Parent)
            script = Path.Combine(dir.FullName, "bench", "python", "loader.py");
        if (!File.Exists(script) || !File.Exists("/usr/bin/python3"))
        {
            Console.Error.WriteLine("(torchvision reference skipped: bench/python/loader.py or /usr/bin/python3 not found)");
            return null;
        }

        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { script, source, "--size", $"{size}", "--workers", $"{workers}", "--batch", $"{batch}", "--epochs", $"{epochs}" })
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            Console.Error.WriteLine($"(torchvision reference failed with exit code {process.ExitCode})");
            return null;
        }

        using var json = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
        return json.RootElement.GetProperty("images_per_s").GetDouble();
    }
}
