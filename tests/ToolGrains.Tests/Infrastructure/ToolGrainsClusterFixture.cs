using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Hosting;
using Orleans.TestingHost;
using ToolGrains.Grains.Reputation;
using ToolGrains.Hosting;

namespace ToolGrains.Tests.Infrastructure;

/// <summary>
/// A real in-process Orleans cluster of one silo on the embedded profile (SQLite in a temp folder that survives
/// <see cref="RestartAsync"/>), with the ToolGrains services bound from <see cref="Settings"/> as a silo binds its
/// <c>ToolGrains</c> section. What a collection's cluster needs beyond that is in its subclass: settings, a fake
/// reputation clock (<see cref="Clock"/>), extra services (<see cref="ConfigureSilo"/>), tools registered once
/// it runs (<see cref="SeedAsync"/>).
/// </summary>
public abstract class ToolGrainsClusterFixture(string name, DateTimeOffset? reputationClockStart = null) : IAsyncLifetime
{
    private readonly string _serviceId = name + "-" + Guid.NewGuid().ToString("N")[..8];
    private InProcessTestCluster? _cluster;

    public string DataDir { get; } = Repo.NewTempDir(name);

    /// <summary>The reputation clock the tests move, when the subclass asked for one; otherwise the silo's clock is used.</summary>
    public FakeTimeProvider Clock { get; } = new(reputationClockStart ?? DateTimeOffset.UnixEpoch);

    public InProcessTestCluster Cluster => _cluster!;
    public IClusterClient Client => _cluster!.Client;
    public IServiceProvider SiloServices => _cluster!.Silos[0].ServiceProvider;

    /// <summary>Settings under <c>ToolGrains</c> (<c>"Reputation:RecoveryGain"</c>, <c>"Buffers:MaxItemBytes"</c>, ...).</summary>
    protected virtual IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>();

    /// <summary>Services beyond those of <see cref="SiloBuilderExtensions.AddToolGrainsServices"/>: test tools, options set in code.</summary>
    protected virtual void ConfigureSilo(ISiloBuilder silo) { }

    /// <summary>Runs once the cluster first started, before any test.</summary>
    protected virtual Task SeedAsync() => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        _cluster = await StartAsync();
        await SeedAsync();
    }

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
        var section = new ConfigurationBuilder()
            .AddInMemoryCollection(Settings.Select(s => KeyValuePair.Create<string, string?>(ToolGrainsOptions.SectionName + ":" + s.Key, s.Value)))
            .Build().GetSection(ToolGrainsOptions.SectionName);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.UseToolGrainsStorage(new ToolGrainsOptions { DataDir = DataDir });
            if (reputationClockStart is not null) silo.Services.AddKeyedSingleton<TimeProvider>(ReputationClock.Key, Clock);
            silo.AddToolGrainsServices(section);
            ConfigureSilo(silo);
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    public IToolReputationGrain Tool(string id) => Client.GetGrain<IToolReputationGrain>(id);

    /// <summary>Calls the JSON protocol as <c>toolgrains call</c> does, with a JSON string or an object serialized to one.</summary>
    public async Task<ProtocolResponse> CallProtocolAsync(string tool, object request) =>
        await Client.GetGrain<IProtocolGrain>(0).CallAsync(tool, request as string ?? JsonSerializer.Serialize(request));

    public async Task<JsonElement> CallAsync(string tool, object request) =>
        JsonDocument.Parse((await CallProtocolAsync(tool, request)).Json).RootElement;

    public async Task<JsonElement> CallOkAsync(string tool, object request)
    {
        var response = await CallProtocolAsync(tool, request);
        Assert.True(response.Error is null, $"{tool} {request as string ?? JsonSerializer.Serialize(request)} failed: {response.Json}");
        return JsonDocument.Parse(response.Json).RootElement;
    }

    /// <summary>Registers a tool through the catalog grain.</summary>
    public Task RegisterAsync(ToolDescriptor descriptor) => Client.GetGrain<IToolCatalogGrain>("default").RegisterAsync(descriptor);
}
