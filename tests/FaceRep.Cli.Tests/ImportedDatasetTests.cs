using FaceRep.Results.Store;

namespace FaceRep.Cli.Tests;

/// <summary>
/// Real image sets end to end: sources written by PIL and h5py (FaceRep.Data.Tests/ImageSets/Fixtures)
/// imported with the console, named in a spec, trained on by a real run.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class ImportedDatasetTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"facerep-imported-e2e-{Guid.NewGuid():N}");

    public ImportedDatasetTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Spec(string faces, string name = "real") => $"""
        name: {name}
        backbone: {"{"}arch: resnet18, width: 0.125, input: 32{"}"}
        pretrain:
          - {"{"}dataset: synth-curated, method: scratch{"}"}
          - {"{"}dataset: {faces}, method: supervised, epochs: 2, batch: 8{"}"}
          - {"{"}dataset: {faces}, method: byol, epochs: 2, batch: 8{"}"}
          - {"{"}dataset: crawl-h5, method: simclr, epochs: 2, images: 16, batch: 8{"}"}
        tasks: [landmarks]
        shots: [0.5]
        seeds: [0]
        scale: {"{"}task_train: 64, task_test: 32, finetune_steps: 5, finetune_batch: 8{"}"}
        """;

    [Fact]
    public async Task Sets_imported_from_folders_and_hdf5_train_by_name_keep_their_results_when_renamed_and_rerun_when_an_image_changes()
    {
        var identities = global::FaceRep.Tests.Shared.ImageSetFixtures.PathOf("identities");
        var (imported, importOutput) = await FacerepProcess.RunAsync(_dir, Timeout, "data", "import", identities, "--out", "data/vgg");
        // Two unreadable images: imported, named, and the exit code says something was left out.
        Assert.True(imported == 1, importOutput);
        Assert.Contains("n000001/0099_01.jpg", importOutput, StringComparison.Ordinal);
        Assert.Contains("Imported vgg: 20 images", importOutput, StringComparison.Ordinal);
        var (h5, h5Output) = await FacerepProcess.RunAsync(_dir, Timeout, "data", "import", global::FaceRep.Tests.Shared.ImageSetFixtures.PathOf("images.h5"), "--out", "data/crawl-h5");
        Assert.True(h5 == 1, h5Output);
        Assert.Contains("images.h5[images][21]", h5Output, StringComparison.Ordinal);

        // A name that is not there is refused before anything runs, listing what is.
        File.WriteAllText(Path.Combine(_dir, "typo.yaml"), Spec("vggg"));
        var (refused, refusal) = await FacerepProcess.RunAsync(_dir, Timeout, "run", "typo.yaml");
        Assert.True(refused == 2, refusal);
        Assert.Contains("unknown dataset 'vggg'", refusal, StringComparison.Ordinal);
        Assert.Contains("crawl-h5, vgg", refusal, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "facerep-out")), "a refused spec left output behind");

        File.WriteAllText(Path.Combine(_dir, "real.yaml"), Spec("vgg"));
        // Planned before anything ran: every job to run, none measured, the data each pre-training silo needs.
        var (planned, plan) = await FacerepProcess.RunAsync(_dir, Timeout, "plan", "real.yaml");
        Assert.True(planned == 0, plan);
        Assert.Contains("4 pre-training and 4 evaluation jobs", plan, StringComparison.Ordinal);
        Assert.Matches(@"pre-training\s*│\s*4\s*│\s*1\s*│\s*3\s*│", plan);   // scratch trains nothing
        Assert.Contains("resnet18 ×0.125 32 px byol", plan, StringComparison.Ordinal);
        Assert.Contains("│ vgg ", plan, StringComparison.Ordinal);
        Assert.Contains("│ crawl-h5 ", plan, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "facerep-out")), "planning wrote output");

        var (code, first) = await FacerepProcess.RunAsync(_dir, Timeout, "run", "real.yaml");
        Assert.True(code == 0, first);
        Assert.Contains("8/8 done", first, StringComparison.Ordinal);
        var before = await RowsAsync();
        Assert.Equal(["crawl-h5", "vgg", "vgg"], before.Where(r => r.PretrainDataset is not null).Select(r => r.PretrainDataset!).Order());
        // Results carry the sets' content hashes beside their names.
        Assert.All(before.Where(r => r.PretrainDataset == "vgg"), r => Assert.Matches("^[0-9a-f]{64}$", r.PretrainContent));
        Assert.Equal(2, before.Where(r => r.PretrainDataset is not null).Select(r => r.PretrainContent).Distinct().Count());
        // And their kinds, from their layouts, for the study's data questions.
        Assert.All(before.Where(r => r.PretrainDataset == "vgg"), r => Assert.Equal("curated", r.PretrainKind));
        Assert.Equal("uncurated", before.Single(r => r.PretrainDataset == "crawl-h5").PretrainKind);

        // Renamed: the same content, so the same jobs; nothing runs again.
        Directory.Move(Path.Combine(_dir, "data", "vgg"), Path.Combine(_dir, "data", "vggface2"));
        File.WriteAllText(Path.Combine(_dir, "real.yaml"), Spec("vggface2"));
        var (renamed, second) = await FacerepProcess.RunAsync(_dir, Timeout, "run", "real.yaml");
        Assert.True(renamed == 0, second);
        Assert.Contains("Reusing 8 finished job(s)", second, StringComparison.Ordinal);
        Assert.DoesNotContain("WRN", second, StringComparison.Ordinal);

        // One image changed: the set's content changes, so its two pre-training jobs and their evaluations run again.
        var changed = Path.Combine(_dir, "changed");
        CopyDirectory(identities, changed);
        File.Copy(Path.Combine(changed, "n000123", "0004_01.jpg"), Path.Combine(changed, "n000123", "0003_01.jpg"), overwrite: true);
        Directory.Delete(Path.Combine(_dir, "data", "vggface2"), recursive: true);
        var (again, againOutput) = await FacerepProcess.RunAsync(_dir, Timeout, "data", "import", changed, "--out", "data/vggface2");
        Assert.True(again == 1, againOutput);
        // Another grid, so another sweep name (a sweep's name stands for one grid).
        File.WriteAllText(Path.Combine(_dir, "real.yaml"), Spec("vggface2", "real-changed"));
        // Planned against the first run's results: half is done, the rest is estimated from what it measured.
        var (replanned, replan) = await FacerepProcess.RunAsync(_dir, Timeout, "plan", "real.yaml");
        Assert.True(replanned == 0, replan);
        Assert.Matches(@"pre-training\s*│\s*4\s*│\s*2\s*│\s*2\s*│", replan);
        Assert.Matches(@"evaluation\s*│\s*4\s*│\s*2\s*│\s*2\s*│", replan);
        Assert.DoesNotContain("not measured yet", replan, StringComparison.Ordinal);
        var (rerun, third) = await FacerepProcess.RunAsync(_dir, Timeout, "run", "real.yaml");
        Assert.True(rerun == 0, third);
        Assert.Contains("Reusing 4 finished job(s)", third, StringComparison.Ordinal);
        var after = await RowsAsync("real-changed");
        var oldIds = before.Where(r => r.PretrainDataset == "vgg").Select(r => r.PretrainId).ToHashSet();
        var newIds = after.Where(r => r.PretrainDataset == "vggface2").Select(r => r.PretrainId).ToHashSet();
        Assert.Equal(2, newIds.Count);
        Assert.Empty(oldIds.Intersect(newIds));
    }

    private async Task<IReadOnlyList<ResultRow>> RowsAsync(string sweep = "real")
    {
        await using var store = new DuckDbResultStore(Path.Combine(_dir, "facerep-out", "results.duckdb"));
        return await store.ReadAsync(sweep);
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var directory in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, directory)));
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }
}
