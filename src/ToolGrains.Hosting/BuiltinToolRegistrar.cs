using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using ToolGrains.Grains.Reputation;
using ToolGrains.Grains.Usage;

namespace ToolGrains.Hosting;

/// <summary>
/// Registers the descriptors the cluster's own flows need when they are missing — the usage buffer's
/// pass-through <c>tool_usage_update</c>, and <c>qdrant_batch_update</c> (the replaced system's usage
/// pass-through, and the failure export's) — once the silo is active, so that the first counted call
/// finds it. A descriptor a user registered under that id is left as it is.
/// </summary>
public sealed class BuiltinToolRegistrar(
    IGrainFactory grains, FailureExport failureExport, ILogger<BuiltinToolRegistrar> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(BuiltinToolRegistrar), ServiceLifecycleStage.Active, RegisterAsync);

    private async Task RegisterAsync(CancellationToken cancellationToken)
    {
        await RegisterIfMissingAsync(UsageTracker.UsageUpdateDescriptor());
        await RegisterIfMissingAsync(failureExport.PassThroughDescriptor());
    }

    private async Task RegisterIfMissingAsync(ToolDescriptor descriptor)
    {
        if (await grains.GetGrain<IToolReputationGrain>(descriptor.Id).GetDescriptorAsync() is not null) return;
        await grains.GetGrain<IToolCatalogGrain>("default").RegisterAsync(descriptor);
        logger.LogInformation("Registered the built-in pass-through {ToolId}", descriptor.Id);
    }
}
