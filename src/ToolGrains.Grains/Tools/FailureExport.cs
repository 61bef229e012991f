using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ToolGrains.Core.Reputation;

namespace ToolGrains.Grains.Tools;

/// <summary>Where marked failures are also sent, for use as shared memory outside the cluster.</summary>
public sealed class FailureExportOptions
{
    /// <summary>Whether failures are exported; the host turns it on when <c>ToolGrains:Qdrant:Url</c> is set. Default false.</summary>
    public bool Enabled { get; set; }

    /// <summary>The buffer failures are written to. Default <c>qdrant_failures</c>.</summary>
    public string BufferId { get; set; } = "qdrant_failures";

    /// <summary>The buffer's pass-through tool. Default <c>qdrant_batch_update</c>.</summary>
    public string PassThroughTool { get; set; } = "qdrant_batch_update";

    /// <summary>Failures per batch. Default 100.</summary>
    public int MaxSize { get; set; } = 100;

    /// <summary>Seconds the oldest failure may wait. Default 5.</summary>
    public double FlushIntervalSeconds { get; set; } = 5;
}

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
