using FaceRep.Core.Paths;

namespace FaceRep.Core.Tests.Paths;

public sealed class PathRootsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("facerep-roots-").FullName;
    private readonly string _root;
    private readonly string _outside;

    public PathRootsTests()
    {
        _root = Directory.CreateDirectory(Path.Combine(_dir, "models")).FullName;
        _outside = Directory.CreateDirectory(Path.Combine(_dir, "private")).FullName;
        File.WriteAllText(Path.Combine(_root, "resnet.pth"), "weights");
        Directory.CreateDirectory(Path.Combine(_root, "lab"));
        File.WriteAllText(Path.Combine(_root, "lab", "moco.pth"), "weights");
        File.WriteAllText(Path.Combine(_outside, "secret.pth"), "not yours");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Real(string path) => Path.Combine(new PathRoots([_root]).Roots[0], Path.GetRelativePath(_root, path));

    [Theory]
    [InlineData("resnet.pth")]
    [InlineData("lab/moco.pth")]
    [InlineData("lab/../resnet.pth")]
    [InlineData("./lab/./moco.pth")]
    public void Relative_paths_inside_the_root_resolve_against_it(string path)
    {
        var resolved = new PathRoots([_root]).Resolve(path, out var problem);

        Assert.True(resolved is not null, problem);
        Assert.True(File.Exists(resolved));
        Assert.StartsWith(new PathRoots([_root]).Roots[0], resolved, StringComparison.Ordinal);
    }

    [Fact]
    public void An_absolute_path_inside_a_root_is_accepted()
    {
        var resolved = new PathRoots([_outside, _root]).Resolve(Path.Combine(_root, "lab", "moco.pth"), out _);

        Assert.Equal(Real(Path.Combine(_root, "lab", "moco.pth")), resolved);
    }

    [Theory]
    [InlineData("../private/secret.pth")]
    [InlineData("lab/../../private/secret.pth")]
    [InlineData("/etc/passwd")]
    [InlineData("..")]
    public void Paths_that_climb_out_or_point_elsewhere_are_refused_naming_the_path_and_the_roots(string path)
    {
        var resolved = new PathRoots([_root]).Resolve(path, out var problem);

        Assert.Null(resolved);
        Assert.Contains($"'{path}' is outside the allowed directories", problem, StringComparison.Ordinal);
        Assert.Contains("models", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_sibling_directory_sharing_the_roots_name_as_a_prefix_is_outside()
    {
        var sibling = Directory.CreateDirectory(_root + "-old").FullName;
        File.WriteAllText(Path.Combine(sibling, "x.pth"), "x");

        Assert.Null(new PathRoots([_root]).Resolve(Path.Combine(sibling, "x.pth"), out _));
    }

    [Fact]
    public void A_symbolic_link_to_a_file_outside_is_refused()
    {
        File.CreateSymbolicLink(Path.Combine(_root, "innocent.pth"), Path.Combine(_outside, "secret.pth"));

        var resolved = new PathRoots([_root]).Resolve("innocent.pth", out var problem);

        Assert.Null(resolved);
        Assert.Contains("through a symbolic link", problem, StringComparison.Ordinal);
        Assert.Contains("secret.pth", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_symbolic_link_to_a_directory_outside_is_refused_and_so_is_link_dot_dot()
    {
        Directory.CreateSymbolicLink(Path.Combine(_root, "shared"), _outside);

        Assert.Null(new PathRoots([_root]).Resolve("shared/secret.pth", out _));
        // The kernel would read deep/../secret.pth as the link target's sibling, outside; the path
        // returned (the one to open) is the root's own secret.pth, which does not exist.
        Directory.CreateDirectory(Path.Combine(_outside, "deeper"));
        Directory.CreateSymbolicLink(Path.Combine(_root, "deep"), Path.Combine(_outside, "deeper"));
        var resolved = new PathRoots([_root]).Resolve(Path.Combine(_root, "deep", "..", "secret.pth"), out _);
        Assert.Equal(Real(Path.Combine(_root, "secret.pth")), resolved);
        Assert.False(File.Exists(resolved));
    }

    [Fact]
    public void A_symbolic_link_that_stays_inside_the_root_is_followed()
    {
        File.CreateSymbolicLink(Path.Combine(_root, "latest.pth"), Path.Combine("lab", "moco.pth"));

        var resolved = new PathRoots([_root]).Resolve("latest.pth", out var problem);

        Assert.Equal(Real(Path.Combine(_root, "lab", "moco.pth")), resolved);
        Assert.Equal("", problem);
    }

    [Fact]
    public void A_root_reached_through_a_link_still_contains_its_files()
    {
        var alias = Path.Combine(_dir, "alias");
        Directory.CreateSymbolicLink(alias, _root);

        Assert.NotNull(new PathRoots([alias]).Resolve("resnet.pth", out _));
        Assert.NotNull(new PathRoots([_root]).Resolve(Path.Combine(alias, "resnet.pth"), out _));
    }

    [Fact]
    public void A_link_loop_is_an_error_not_a_hang()
    {
        File.CreateSymbolicLink(Path.Combine(_root, "a"), Path.Combine(_root, "b"));
        File.CreateSymbolicLink(Path.Combine(_root, "b"), Path.Combine(_root, "a"));

        Assert.Null(new PathRoots([_root]).Resolve("a", out var problem));
        Assert.Contains("too many levels of symbolic links", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_and_NUL_paths_are_refused()
    {
        var roots = new PathRoots([_root]);

        Assert.Null(roots.Resolve("", out var empty));
        Assert.Null(roots.Resolve("resnet.pth\0.txt", out var nul));
        Assert.NotEqual("", empty);
        Assert.NotEqual("", nul);
    }
}
