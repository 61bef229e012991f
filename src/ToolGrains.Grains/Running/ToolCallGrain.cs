using System.Collections.Immutable;
using Microsoft.Extensions.AI;
using Orleans.Concurrency;
using ToolGrains.Core.Protocol;
using ToolGrains.Grains.Usage;

namespace ToolGrains.Grains.Running;

/// <summary>The plain call of one registered tool, on whichever silo the caller is; counted in the tool's usage.</summary>
// Reentrant: no state, and a call is mostly awaiting the tool.
[StatelessWorker, Reentrant]
public sealed class ToolCallGrain(ToolRunner runner, UsageTracker usage) : Grain, IToolCallGrain
{
    public Task<ToolCallResult> CallToolAsync(string toolId, string inputJson) =>
        CallToolAsync(toolId, inputJson, new ToolCallOptions());

    public async Task<ToolCallResult> CallToolAsync(string toolId, string inputJson, ToolCallOptions options)
    {
        if (string.IsNullOrWhiteSpace(toolId))
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, "'tool_id' is required.", "tool_id");
        JsonText.RequireToolInput(inputJson);
        var descriptor = await GrainFactory.GetGrain<IToolReputationGrain>(toolId).GetDescriptorAsync()
            ?? throw new ToolGrainsException(ErrorCodes.ToolNotFound, $"No tool '{toolId}' is registered.", "tool_id");
        var result = await runner.RunAsync(descriptor, inputJson);
        if (!options.DisableTracking) await usage.TrackAsync(toolId);
        return result;
    }
}
