using ToolGrains.Tests.Infrastructure;
namespace ToolGrains.Tests.Deploy;

/// <summary>The Dockerfiles' shape, read as text (no Docker engine runs here to build them).</summary>
public sealed class DockerfileTests
{
    [Theory]
    [InlineData("silo", "aspnet:10.0", "silo/ToolGrains.Silo.csproj", "ToolGrains.Silo.dll", new[] { "11111", "30000", "8080" })]
    [InlineData("client", "runtime:10.0", "client/ToolGrains.Cli.csproj", "toolgrains.dll", new string[0])]
    public void Multi_stage_build_from_the_sdk_to_a_runtime_image_as_a_non_root_user(string folder, string runtime, string project, string dll, string[] ports)
    {
        var lines = File.ReadAllLines(Repo.PathOf(folder, "Dockerfile")).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        var froms = lines.Where(l => l.StartsWith("FROM ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, froms.Count);
        Assert.StartsWith("FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build", froms[0]);
        Assert.StartsWith($"FROM mcr.microsoft.com/dotnet/{runtime}", froms[1]);
        Assert.Contains(lines, l => l.Contains($"dotnet publish {project} -c Release", StringComparison.Ordinal));
        Assert.Contains("COPY --from=build /out ./", lines);

        // The last USER wins; it must not be root.
        var user = lines.Last(l => l.StartsWith("USER ", StringComparison.Ordinal))["USER ".Length..].Trim();
        Assert.DoesNotContain(user, new[] { "root", "0", "0:0" });
        Assert.Equal("$APP_UID", user);

        Assert.Contains(lines, l => l.StartsWith("ENTRYPOINT [\"dotnet\", \"" + dll + "\"]", StringComparison.Ordinal));
        // docker-compose 1.x builds with the classic builder: no BuildKit-only syntax.
        Assert.DoesNotContain(lines, l => l.Contains("--mount", StringComparison.Ordinal) || l.Contains("--chmod", StringComparison.Ordinal) || l.Contains("--link", StringComparison.Ordinal));

        var exposed = lines.Where(l => l.StartsWith("EXPOSE ", StringComparison.Ordinal)).SelectMany(l => l.Split(' ').Skip(1)).ToList();
        Assert.Equal(ports, exposed);
    }

    [Fact]
    public void Packages_restore_from_the_configured_sources()
    {
        foreach (var file in new[] { "silo/Dockerfile", "client/Dockerfile" })
        {
            // Instructions only: the comments may say why there is none.
            var text = string.Join('\n', File.ReadAllLines(Repo.PathOf(file)).Where(l => !l.TrimStart().StartsWith('#')));
            Assert.DoesNotContain("--source", text);
            Assert.DoesNotContain("nuget.config", text, StringComparison.OrdinalIgnoreCase);
        }
        Assert.Empty(Directory.GetFiles(Repo.Root, "nuget.config", new EnumerationOptions { MatchCasing = MatchCasing.CaseInsensitive }));
    }

    [Fact]
    public void Dockerignore_keeps_build_output_and_local_data_out_of_the_context()
    {
        var entries = File.ReadAllLines(Repo.PathOf(".dockerignore")).Select(l => l.Trim()).ToHashSet();
        foreach (var entry in new[] { "**/bin/", "**/obj/", "data/", ".git" }) Assert.Contains(entry, entries);
        // What the Dockerfiles copy must stay in the context.
        foreach (var kept in new[] { "src/", "silo/", "client/", "deploy/docker/", "Directory.Packages.props" })
            Assert.DoesNotContain(kept, entries);
    }
}
