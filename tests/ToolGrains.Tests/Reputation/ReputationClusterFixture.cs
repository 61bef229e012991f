using System.Collections.Immutable;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Hosting;
using Orleans.TestingHost;
using ToolGrains.Grains.Tools;
using ToolGrains.Hosting;
using ToolGrains.Tests.Infrastructure;

namespace ToolGrains.Tests.Reputation;

/// <summary>
/// A real in-process cluster for reputation: the real MiniLM embedder, SQLite in a temp folder that
/// survives <see cref="RestartAsync"/>, a fake reputation clock the tests move forward, and a
/// reputation policy bound from configuration as <c>ToolGrains:Reputation</c> is.
/// </summary>
public sealed class ReputationClusterFixture : IAsyncLifetime
{
    /// <summary>Set through configuration (the default is 0.01), to show the policy is bound from it.</summary>
    public const double RecoveryGain = 0.02;

    private readonly string _serviceId = "reputation-" + Guid.NewGuid().ToString("N")[..8];
    private InProcessTestCluster? _cluster;

    public string DataDir { get; } = Repo.NewTempDir("reputation");
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
    public IClusterClient Client => _cluster!.Client;
    public IServiceProvider SiloServices => _cluster!.Silos[0].ServiceProvider;

    public async Task InitializeAsync() => _cluster = await StartAsync();

    public async Task DisposeAsync()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
    }

    /// <summary>Stops the whole cluster and starts a new one on the same SQLite file.</summary>
    public async Task RestartAsync()
    {
        await _cluster!.DisposeAsync();
        _cluster = await StartAsync();
    }

    private async Task<InProcessTestCluster> StartAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ServiceId = _serviceId;
        var dataDir = DataDir;
        var clock = Clock;
        var reputation = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ToolGrains:Reputation:RecoveryGain"] = RecoveryGain.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["ToolGrains:Reputation:FailureHalfLife"] = "7.00:00:00",
            })
            .Build().GetSection("ToolGrains");
        builder.ConfigureSilo((_, silo) =>
        {
            silo.UseToolGrainsStorage(new ToolGrainsOptions { DataDir = dataDir });
            silo.Services.AddKeyedSingleton<TimeProvider>(ReputationClock.Key, clock);
            silo.AddToolGrainsServices(reputation);
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    public async Task<JsonElement> CallAsync(string tool, object request)
    {
        var response = await Client.GetGrain<IProtocolGrain>(0).CallAsync(tool, request as string ?? JsonSerializer.Serialize(request));
        return JsonDocument.Parse(response.Json).RootElement;
    }

    public async Task<JsonElement> CallOkAsync(string tool, object request)
    {
        var json = request as string ?? JsonSerializer.Serialize(request);
        var response = await Client.GetGrain<IProtocolGrain>(0).CallAsync(tool, json);
        Assert.True(response.Error is null, $"{tool} {json} failed: {response.Json}");
        return JsonDocument.Parse(response.Json).RootElement;
    }

    /// <summary>Registers a builtin tool (log_batch_writer) with these fields through <c>register_tool</c>.</summary>
    public Task<JsonElement> RegisterAsync(string id, string description, double quality, string[] tags, string version = "1.0.0") =>
        CallOkAsync("register_tool", new { id, version, description, quality, tags, builtin = "log_batch_writer" });

    public IToolReputationGrain Tool(string id) => Client.GetGrain<IToolReputationGrain>(id);

    /// <summary>The scenario's embedding by the silo's own embedder, as the resilient invoker would compute it.</summary>
    public async Task<ImmutableArray<float>> EmbedAsync(string text)
    {
        var generator = SiloServices.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        return [.. (await generator.GenerateAsync([text])).Single().Vector.Span];
    }
}

[CollectionDefinition(Name)]
public sealed class ReputationCollection : ICollectionFixture<ReputationClusterFixture>
{
    public const string Name = "reputation";
}
