namespace FaceRep.Cli.Tests;

/// <summary>The built-in profiles expand and pass every method's validation, with the sizes their comments promise.</summary>
public sealed class ProfilesTests
{
    [Theory]
    [InlineData("smoke", 2, 8)]
    [InlineData("demo", 6, 6 * 5 * 2 * 3)]
    [InlineData("study", 18, 18 * 5 * 2 * 3)]
    [InlineData("paper", 18, 18 * 5 * 6 * 3 * 2)]
    public void A_profile_expands_into_its_jobs(string name, int pretrain, int evaluations)
    {
        var text = Profiles.Read(name);
        Assert.NotNull(text);

        var grid = Grid.Planning.SweepPlanner.Plan(text, $"profile:{name}", PaperData()).Grid;

        Assert.Equal(name, grid.Spec.Name);
        Assert.Equal((pretrain, evaluations), (grid.Pretrain.Count, grid.Evaluations.Count));
    }

    [Fact]
    public void The_paper_profile_trains_on_the_studys_own_sets_and_without_them_says_which_to_import()
    {
        var grid = Grid.Planning.SweepPlanner.Plan(Profiles.Read("paper")!, "profile:paper", PaperData()).Grid;
        Assert.Equal(["flickr", "vggface2", "vox"], grid.Pretrain.Select(p => p.Config.Dataset).Where(d => d != "synth-curated").OfType<string>().Distinct().Order(StringComparer.Ordinal));
        Assert.All(grid.Pretrain.Where(p => !p.Config.NeedsNoTraining), p => Assert.Equal(1_000_000, p.Config.Images));

        var e = Assert.Throws<Core.Specs.SpecException>(() => Grid.Planning.SweepPlanner.Plan(Profiles.Read("paper")!, "profile:paper"));

        var unknown = e.Errors.Select(x => x.Message).ToList();
        Assert.Contains(unknown, m => m.Contains("unknown dataset 'vggface2'", StringComparison.Ordinal) && m.Contains("facerep data import", StringComparison.Ordinal));
        Assert.Contains(unknown, m => m.Contains("unknown dataset 'flickr'", StringComparison.Ordinal));
        Assert.Contains(unknown, m => m.Contains("unknown dataset 'vox'", StringComparison.Ordinal));
    }

    /// <summary>The paper's sets as a catalog lists them (manifests only: planning reads no images).</summary>
    private static Data.ImageSets.DatasetCatalog PaperData()
    {
        static Data.ImageSets.CatalogEntry Set(string name, Data.ImageSets.ImageSetKind kind, int count, int identities, int clips)
        {
            var content = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name)));
            var manifest = new Data.ImageSets.ImageSetManifest(Data.ImageSets.ImageSet.FormatName, Data.ImageSets.ImageSet.CurrentVersion, name, kind, $"/data/{name}",
                Data.ImageSets.ImageStorage.Source, count, Enumerable.Range(0, identities).Select(i => $"id{i}").ToList(), clips,
                new Data.ImageSets.ImageShardEntry("index.msgpack", count, content, 0, content), [], [], content, DateTimeOffset.UnixEpoch);
            return new Data.ImageSets.CatalogEntry(name, $"/data/{name}", manifest);
        }

        return Data.ImageSets.DatasetCatalog.Of(
        [
            Set("vggface2", Data.ImageSets.ImageSetKind.Identities, 3_311_286, 9_131, 0),
            Set("flickr", Data.ImageSets.ImageSetKind.Images, 2_000_000, 0, 0),
            Set("vox", Data.ImageSets.ImageSetKind.Video, 1_128_246, 6_112, 145_569),
        ], "the paper's sets");
    }

    [Fact]
    public void The_commented_example_spec_expands_as_its_comments_say()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "examples", "sweep.yaml");

        var grid = Grid.Planning.SweepPlanner.Plan(File.ReadAllText(path), "sweep.yaml").Grid;

        // scratch + supervised + 2 × 2 + 2 video sizes = 8 sources; 2 tasks × 3 shots × 3 seeds × 1 protocol × 2 rates.
        Assert.Equal(8, grid.Pretrain.Count);
        Assert.Equal(8 * 2 * 3 * 3 * 2, grid.Evaluations.Count);
        Assert.Equal([256, 1024], grid.Pretrain.Where(p => p.Config.Dataset == "synth-video").Select(p => p.Config.Images).Order());
    }

    [Fact]
    public void The_demo_covers_the_study_in_miniature_with_the_seeds_a_verdict_needs()
    {
        var grid = Grid.Planning.SweepPlanner.Plan(Profiles.Read("demo")!, "profile:demo").Grid;

        Assert.Equal(["synth-curated", "synth-uncurated", "synth-video"], grid.Pretrain.Select(p => p.Config.Dataset).OfType<string>().Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(["moco", "scratch", "simclr", "supervised"], grid.Pretrain.Select(p => p.Config.Method).Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(5, grid.Spec.Tasks.Count);
        Assert.True(grid.Spec.Shots.Count >= 2 && grid.Spec.Seeds.Count >= Core.Statistics.PairedComparison.MinimumPairsForVerdict);
        // Emotion, the slowest task to learn at 32 px, fine-tunes three times longer than the rest.
        Assert.All(grid.Evaluations, e => Assert.Equal(e.Config.Task == "emotion" ? 750 : 250, e.Config.Steps));
        Assert.Equal(["demo", "paper", "smoke", "study"], Profiles.Names);
    }

    [Fact]
    public void The_study_profile_trains_every_method_on_every_set_it_can_use()
    {
        var grid = Grid.Planning.SweepPlanner.Plan(Profiles.Read("study")!, "profile:study").Grid;

        var trained = grid.Pretrain.Where(p => !p.Config.NeedsNoTraining).Select(p => $"{p.Config.Dataset}/{p.Config.Method}").ToHashSet();
        foreach (var method in new[] { "simclr", "moco", "swav", "byol", "barlow" })
        {
            foreach (var dataset in new[] { "synth-curated", "synth-uncurated", "synth-video" })
                Assert.Contains($"{dataset}/{method}", trained);
        }

        Assert.Contains("synth-curated/supervised", trained);
        Assert.Contains("synth-video/supervised", trained);
        Assert.True(grid.Spec.Seeds.Count >= Core.Statistics.PairedComparison.MinimumPairsForVerdict);
    }
}
