using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using ToolGrains.Grains.Tools;

namespace ToolGrains.Hosting;

/// <summary>
/// Registers the descriptors the cluster's own flows need when they are missing — the usage buffer's
/// pass-through <c>tool_usage_update</c> — once the silo is active, so that the first counted call
/// finds it. A descriptor a user registered under that id is left as it is.
/// </summary>
public sealed class BuiltinToolRegistrar(IGrainFactory grains, UsageTracker usage, ILogger<BuiltinToolRegistrar> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(BuiltinToolRegistrar), ServiceLifecycleStage.Active, RegisterAsync);

    private async Task RegisterAsync(CancellationToken cancellationToken)
    {
        var descriptor = usage.PassThroughDescriptor();
        if (await grains.GetGrain<IToolReputationGrain>(descriptor.Id).GetDescriptorAsync() is not null) return;
        await grains.GetGrain<IToolCatalogGrain>("default").RegisterAsync(descriptor);
        logger.LogInformation("Registered the built-in usage pass-through {ToolId}", descriptor.Id);
    }
}
