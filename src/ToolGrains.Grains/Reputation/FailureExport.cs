using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ToolGrains.Core.Reputation;

namespace ToolGrains.Grains.Reputation;

/// <summary>
/// Writes each marked failure (tool, scenario, error, severity, time and the scenario's vector) as one
/// JSON item to the export buffer, batched like any other write. The in-grain failure memory stays the
/// ranking's source; the export is best effort and never fails the marking.
/// </summary>
public sealed class FailureExport(IGrainFactory grains, IOptions<FailureExportOptions> options, ILogger<FailureExport> logger)
{
    public async Task ExportAsync(string toolId, string scenario, string? error, FailureSeverity severity, DateTimeOffset at, ReadOnlyMemory<float> vector)
    {
        var o = options.Value;
        if (!o.Enabled) return;
        CallerContext.ActAsSystem(); // the export buffer is the cluster's, whoever's failure is exported
        try
        {
            var item = JsonSerializer.Serialize(new FailureItem(toolId, scenario, error, severity.ToProtocolName(), at, vector.ToArray()), FailureItem.Json);
            await grains.GetGrain<IBufferGrain>(o.BufferId).WriteAsync(new BufferWriteRequest(
                [item], new BufferSettingsUpdate(BufferStrategy.Batched, o.MaxSize, o.FlushIntervalSeconds, o.PassThroughTool)));
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Failure of tool {ToolId} not exported", toolId);
        }
    }

    /// <summary>
    /// The descriptor of the built-in <c>qdrant_batch_update</c>, registered at start when missing (with or
    /// without Qdrant: its usage items need no server).
    /// </summary>
    public ToolDescriptor PassThroughDescriptor() => new(
        options.Value.PassThroughTool, "1.0.0",
        "Adds usage items {tool_id, increment} to the tools' usage counts; upserts failure items into Qdrant when ToolGrains:Qdrant:Url is set (built in).",
        ["builtin", "qdrant", "usage"], 1.0, ToolKind.Builtin, "qdrant_batch_update", [], 30, null, "{}");
}

/// <summary>One exported failure, as written to the export buffer and read by <c>qdrant_batch_update</c>.</summary>
public sealed record FailureItem(string ToolId, string Scenario, string? Error, string Severity, DateTimeOffset Time, float[] Vector)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
}
