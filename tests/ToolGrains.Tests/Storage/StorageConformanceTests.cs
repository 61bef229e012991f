using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.Storage;
using Orleans.TestingHost;
using ToolGrains.Grains;
using ToolGrains.Hosting;
using ToolGrains.Tests.Infrastructure;

namespace ToolGrains.Tests.Storage;

/// <summary>
/// One contract, two providers: the embedded SQLite storage and the ADO.NET PostgreSQL providers must
/// behave the same for grain state and reminders, including across a restart of the whole cluster.
/// </summary>
public abstract class StorageConformanceTests : IAsyncLifetime
{
    private readonly string _serviceId = "conformance-" + Guid.NewGuid().ToString("N")[..8];
    private InProcessTestCluster? _cluster;

    protected abstract Task<ToolGrainsOptions> CreateProfileAsync();

    private ToolGrainsOptions Profile { get; set; } = new();

    protected IClusterClient Client => _cluster!.Client;

    public async Task InitializeAsync()
    {
        Profile = await CreateProfileAsync();
        _cluster = await StartClusterAsync();
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
    }

    private async Task<InProcessTestCluster> StartClusterAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ServiceId = _serviceId;
        var profile = Profile;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.UseToolGrainsStorage(profile);
            silo.Services.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromMilliseconds(500));
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    private async Task RestartClusterAsync()
    {
        await _cluster!.DisposeAsync();
        _cluster = await StartClusterAsync();
    }

    private IGrainStorage Storage => _cluster!.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(StorageNames.Default);

    [Fact]
    public async Task State_is_written_read_and_cleared()
    {
        var grain = Client.GetGrain<IProbeGrain>("rw");
        Assert.Null(await grain.GetAsync());
        await grain.SetAsync("first ✓ ünïcode");
        await grain.SetAsync("second ✓ ünïcode");
        Assert.Equal("second ✓ ünïcode", await grain.GetAsync());
        await grain.ClearAsync();
        Assert.Null(await grain.GetAsync());
        await grain.SetAsync("after clear");
        Assert.Equal("after clear", await grain.GetAsync());
    }

    [Fact]
    public async Task A_write_or_clear_with_a_stale_ETag_is_refused()
    {
        var id = GrainId.Create("probe", "etag-" + Guid.NewGuid().ToString("N"));
        var first = new GrainState<ProbeState>(new ProbeState { Value = "a" });
        await Storage.WriteStateAsync("probe", id, first);
        Assert.NotNull(first.ETag);

        var stale = new GrainState<ProbeState>(new ProbeState { Value = "b" }) { ETag = first.ETag };
        await Storage.WriteStateAsync("probe", id, stale);
        Assert.NotEqual(first.ETag, stale.ETag);

        // `first` still holds the old ETag: its write must not overwrite `stale`'s.
        first.State!.Value = "lost update";
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync("probe", id, first));
        // No ETag at all means "create": refused when the row exists.
        var blind = new GrainState<ProbeState>(new ProbeState { Value = "blind" });
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync("probe", id, blind));
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.ClearStateAsync("probe", id, first));

        var read = new GrainState<ProbeState>(new ProbeState());
        await Storage.ReadStateAsync("probe", id, read);
        Assert.Equal("b", read.State!.Value);
        Assert.Equal(stale.ETag, read.ETag);
    }

    [Fact]
    public async Task State_and_reminders_survive_a_restart_and_the_reminder_keeps_firing()
    {
        var grain = Client.GetGrain<IProbeGrain>("restart");
        await grain.SetAsync("kept");
        await grain.StartReminderAsync(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        Assert.True(await Repo.WaitUntilAsync(async () => await grain.GetTicksAsync() >= 1, TimeSpan.FromSeconds(45)),
            "the reminder never fired");

        await RestartClusterAsync();
        grain = Client.GetGrain<IProbeGrain>("restart");
        Assert.Equal("kept", await grain.GetAsync());
        Assert.True(await grain.HasReminderAsync());
        var before = await grain.GetTicksAsync();
        Assert.True(await Repo.WaitUntilAsync(async () => await grain.GetTicksAsync() > before, TimeSpan.FromSeconds(45)),
            "the reminder did not fire after the restart");

        await grain.StopReminderAsync();
        Assert.False(await grain.HasReminderAsync());
    }
}

public sealed class SqliteStorageConformanceTests : StorageConformanceTests
{
    protected override Task<ToolGrainsOptions> CreateProfileAsync() =>
        Task.FromResult(new ToolGrainsOptions { Storage = "embedded", DataDir = Repo.NewTempDir("sqlite") });
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresStorageConformanceTests(PostgresServer server) : StorageConformanceTests
{
    protected override async Task<ToolGrainsOptions> CreateProfileAsync() =>
        new() { Storage = "postgres", ConnectionString = await server.CreateDatabaseAsync("conformance") };
}
