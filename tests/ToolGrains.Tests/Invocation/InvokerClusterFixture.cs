using Microsoft.Extensions.DependencyInjection;
using ToolGrains.Grains.Catalog;
using ToolGrains.Tests.Infrastructure;

namespace ToolGrains.Tests.Invocation;

/// <summary>
/// A fresh in-process cluster for the resilient invoker: the real MiniLM embedder, SQLite in a temp folder,
/// and the repository's own example tools (tools/*.yaml, real scripts) registered from their YAML files as a
/// silo does at start. Its own cluster, so the stories start from cold reputations.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class InvokerClusterFixture() : ToolGrainsClusterFixture("invoker")
{
    protected override async Task SeedAsync()
    {
        foreach (var file in Directory.EnumerateFiles(Repo.PathOf("tools"), "*.yaml").Order(StringComparer.Ordinal))
            await RegisterAsync(ToolDescriptorParser.ParseYamlFile(file));
    }

    /// <summary>Registers a tool from YAML text written to a temp folder (with its scripts), as <c>tools register</c> does.</summary>
    public async Task RegisterYamlAsync(string yaml, params (string Name, string Body)[] scripts)
    {
        var dir = Repo.NewTempDir("invoker-tool");
        foreach (var (name, body) in scripts)
        {
            Repo.WriteScript(Path.Combine(dir, name), body);
        }
        var file = Path.Combine(dir, "tool.yaml");
        await File.WriteAllTextAsync(file, yaml);
        await RegisterAsync(ToolDescriptorParser.ParseYamlFile(file));
    }
}

[CollectionDefinition(Name)]
public sealed class InvokerCollection : ICollectionFixture<InvokerClusterFixture>
{
    public const string Name = "invoker";
}
