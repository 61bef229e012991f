using System.Text.Json;
using ToolGrains.Tests.Infrastructure;

namespace ToolGrains.Tests.Processes;

/// <summary><c>toolgrains demo</c> runs to completion against a real silo with the shipped example tools.</summary>
[Collection(ProcessCollection.Name)]
public sealed class DemoTests
{
    [Fact]
    public async Task The_demo_walks_through_every_capability()
    {
        var dir = Repo.NewTempDir("demo");
        await using var silo = await SiloProcess.StartAsync(dir, new()
        {
            ["DataDir"] = Path.Combine(dir, "data"),
            ["ToolsDir"] = Repo.PathOf("tools"),
            ["Embeddings"] = "minilm",
        });

        var human = await ProcessRunner.CliAsync(["--gateway", silo.Gateway, "demo"], timeout: TimeSpan.FromMinutes(3));
        Assert.True(human.ExitCode == 0, human.ToString());
        Assert.Contains("Buffers", human.Stdout);
        Assert.Contains("Failure learning", human.Stdout);
        Assert.Contains("Spec extraction", human.Stdout);

        var json = await ProcessRunner.CliAsync(["--gateway", silo.Gateway, "--json", "demo"], timeout: TimeSpan.FromMinutes(3));
        Assert.True(json.ExitCode == 0, json.ToString());
        var steps = JsonDocument.Parse(json.Stdout).RootElement.EnumerateArray()
            .ToDictionary(s => s.GetProperty("capability").GetString()!, s => s.GetProperty("what").GetString()!);
        Assert.Contains("sealed 2 batches of 5", steps["Buffers"]);
        Assert.Contains("confirmed 12 items", steps["Buffers"]);
        // The second run learned from the first: the failing translators are demoted, offline_translator answers.
        Assert.Contains("answered by offline_translator", steps["Failure learning"]);
        Assert.Contains("3 requirements, 2 constraints", steps["Spec extraction"]);
    }
}
