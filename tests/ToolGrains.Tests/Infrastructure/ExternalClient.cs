using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace ToolGrains.Tests.Infrastructure;

/// <summary>An Orleans client in the test process, connected to silo processes through their gateways.</summary>
internal sealed class ExternalClient(IHost host) : IAsyncDisposable
{
    public IClusterClient Client => host.Services.GetRequiredService<IClusterClient>();

    /// <summary>The client's <see cref="BufferWriter"/>, as <c>UseToolGrainsClient</c> registers it.</summary>
    public BufferWriter Writer => host.Services.GetRequiredService<BufferWriter>();

    public static Task<ExternalClient> ConnectAsync(params int[] gatewayPorts) => ConnectWithKeyAsync(null, gatewayPorts);

    /// <summary>Connects presenting <paramref name="apiKey"/> with every call, as <c>UseToolGrainsClient</c> does for users.</summary>
    public static async Task<ExternalClient> ConnectWithKeyAsync(string? apiKey, params int[] gatewayPorts)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering(gatewayPorts.Select(p => new IPEndPoint(IPAddress.Loopback, p)).ToArray());
            client.Configure<ClusterOptions>(o => o.ClusterId = o.ServiceId = "toolgrains");
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(30));
            client.UseToolGrainsClient(o => o.ApiKey = apiKey);
        });
        var host = builder.Build();
        await host.StartAsync();
        return new ExternalClient(host);
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try { await host.StopAsync(cts.Token); } catch (Exception) { /* the silo may be dead: nothing to say goodbye to */ }
        host.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class ProcessCollection
{
    /// <summary>Tests that start silo processes run one at a time: two cores do not host many silos at once.</summary>
    public const string Name = "processes";
}
