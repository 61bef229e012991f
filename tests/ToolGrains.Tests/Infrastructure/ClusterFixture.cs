using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.TestingHost;
using ToolGrains.Grains.Buffers;
using ToolGrains.Grains.Tools;
using ToolGrains.Hosting;

namespace ToolGrains.Tests.Infrastructure;

/// <summary>
/// A real in-process Orleans cluster on the embedded profile (SQLite in a temp folder), with the
/// ToolGrains services and a test built-in tool, shared by the tests of a collection.
/// </summary>
public class ClusterFixture : IAsyncLifetime
{
    public const int MaxBufferedItems = 200;
    /// <summary>The buffers' item limit in this cluster; <see cref="MaxBufferedItems"/> unless a derived fixture needs a backlog.</summary>
    protected virtual int BufferLimit => MaxBufferedItems;
    private InProcessTestCluster? _cluster;

    public string DataDir { get; } = Repo.NewTempDir("cluster");
    public IClusterClient Client => _cluster!.Client;
    public InProcessTestCluster Cluster => _cluster!;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        var dataDir = DataDir;
        var limit = BufferLimit;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.UseToolGrainsStorage(new ToolGrainsOptions { DataDir = dataDir });
            // Buffer tests do not test semantics: the hashing embedder spares them loading the model.
            silo.Services.Configure<ToolGrainsOptions>(o => o.Embeddings = EmbeddingKinds.Hashing);
            silo.AddToolGrainsServices();
            silo.Services.AddSingleton<IBuiltinTool, ControllableTool>();
            // The fixture's folder is where JSONL sinks write and the only folder spec files are read from.
            silo.Services.Configure<ToolRunnerOptions>(o => o.SinkDirectory = dataDir);
            silo.Services.Configure<ToolGrains.Grains.SpecExtractorOptions>(o => o.AllowedDirectories = [dataDir]);
            silo.Services.Configure<BufferOptions>(o =>
            {
                o.MaxBufferedItems = limit;
                o.MaxItemBytes = 4096;
                o.RetryInitialDelay = TimeSpan.FromMilliseconds(100);
                o.RetryMaxDelay = TimeSpan.FromMilliseconds(400);
                o.RecoveryReminderPeriod = TimeSpan.FromSeconds(2);
            });
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
    }

    /// <summary>Calls the JSON protocol as `toolgrains call` does.</summary>
    public async Task<JsonElement> CallAsync(string tool, string json)
    {
        var response = await Client.GetGrain<IProtocolGrain>(0).CallAsync(tool, json);
        return JsonDocument.Parse(response.Json).RootElement;
    }

    public async Task<JsonElement> CallOkAsync(string tool, string json)
    {
        var response = await Client.GetGrain<IProtocolGrain>(0).CallAsync(tool, json);
        Assert.True(response.Error is null, $"{tool} {json} failed: {response.Json}");
        return JsonDocument.Parse(response.Json).RootElement;
    }

    /// <summary>Registers a tool from JSON fields (the `register_tool` operation).</summary>
    public Task<JsonElement> RegisterAsync(object fields) => CallOkAsync("register_tool", JsonSerializer.Serialize(fields));
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
