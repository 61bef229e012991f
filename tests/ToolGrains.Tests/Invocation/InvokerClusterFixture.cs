using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using ToolGrains.Core.Protocol;
using ToolGrains.Grains.Tools;
using ToolGrains.Hosting;
using ToolGrains.Tests.Infrastructure;

namespace ToolGrains.Tests.Invocation;

/// <summary>
/// A fresh in-process cluster for the resilient invoker: the real MiniLM embedder, SQLite in a temp folder,
/// and the repository's own example tools (tools/*.yaml, real scripts) registered from their YAML files as a
/// silo does at start. Its own cluster, so the stories start from cold reputations.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class InvokerClusterFixture : IAsyncLifetime
{
    private InProcessTestCluster? _cluster;

    public string DataDir { get; } = Repo.NewTempDir("invoker");
    public IClusterClient Client => _cluster!.Client;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ServiceId = "invoker-" + Guid.NewGuid().ToString("N")[..8];
        var dataDir = DataDir;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.UseToolGrainsStorage(new ToolGrainsOptions { DataDir = dataDir });
            silo.AddToolGrainsServices();
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
        var runner = _cluster.Silos[0].ServiceProvider.GetRequiredService<ToolRunner>();
        var catalog = Client.GetGrain<IToolCatalogGrain>("default");
        foreach (var file in Directory.EnumerateFiles(Repo.PathOf("tools"), "*.yaml").Order(StringComparer.Ordinal))
            await catalog.RegisterAsync(ToolDescriptorParser.ParseYamlFile(file, runner.BuiltinNames));
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
    }

    public IToolReputationGrain Tool(string id) => Client.GetGrain<IToolReputationGrain>(id);

    public async Task<ProtocolResponse> CallAsync(string tool, object request) =>
        await Client.GetGrain<IProtocolGrain>(0).CallAsync(tool, request as string ?? JsonSerializer.Serialize(request));

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
        var runner = _cluster!.Silos[0].ServiceProvider.GetRequiredService<ToolRunner>();
        await Client.GetGrain<IToolCatalogGrain>("default").RegisterAsync(ToolDescriptorParser.ParseYamlFile(file, runner.BuiltinNames));
    }
}

[CollectionDefinition(Name)]
public sealed class InvokerCollection : ICollectionFixture<InvokerClusterFixture>
{
    public const string Name = "invoker";
}
