using System.Collections.Immutable;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ToolGrains.Grains.Tools;

/// <summary>How tool invocations are counted (issue 4, usage tracking).</summary>
public sealed class UsageTrackingOptions
{
    /// <summary>The buffer usage increments are written to. Default <c>usage_tracking</c>.</summary>
    public string BufferId { get; set; } = "usage_tracking";

    /// <summary>
    /// The built-in pass-through that applies the increments. Default <c>qdrant_batch_update</c>, with 50 per
    /// batch: the settings the replaced system's callers send for this buffer, so that their writes and the
    /// silo's own agree and never switch the buffer's tool back and forth (<c>tool_usage_update</c> does the same job).
    /// </summary>
    public string PassThroughTool { get; set; } = "qdrant_batch_update";

    /// <summary>Increments per batch. Default 50.</summary>
    public int MaxSize { get; set; } = 50;

    /// <summary>Seconds the oldest increment may wait. Default 5.</summary>
    public double FlushIntervalSeconds { get; set; } = 5;

    /// <summary>Whether invocations are counted at all. Default true.</summary>
    public bool Enabled { get; set; } = true;

    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(BufferId)) yield return "ToolGrains:UsageTracking:BufferId must not be empty.";
        if (string.IsNullOrWhiteSpace(PassThroughTool)) yield return "ToolGrains:UsageTracking:PassThroughTool must not be empty.";
        if (MaxSize is < 1 or > 100_000) yield return $"ToolGrains:UsageTracking:MaxSize must be 1..100000, not {MaxSize}.";
        if (!(FlushIntervalSeconds > 0)) yield return $"ToolGrains:UsageTracking:FlushIntervalSeconds must be positive, not {FlushIntervalSeconds}.";
    }
}

/// <summary>
/// Counts a tool invocation by writing <c>{"tool_id", "increment": 1}</c> to the usage buffer, whose
/// pass-through (<c>qdrant_batch_update</c>, through <see cref="ToolUsageUpdateTool.AddAsync"/>) adds them up per tool per batch: a thousand calls
/// become a handful of reputation state writes, not a thousand. A count that cannot be written is
/// logged and dropped, never the caller's failure.
/// </summary>
public sealed class UsageTracker(IGrainFactory grains, IOptions<UsageTrackingOptions> options, ReputationMetrics metrics, ILogger<UsageTracker> logger)
{
    private UsageTrackingOptions O => options.Value;

    /// <summary>Whether a call of <paramref name="toolId"/>, made by the buffer <paramref name="viaBufferId"/> if any, is counted:
    /// never the usage buffer's own pass-through, which would feed itself.</summary>
    public bool Counts(string toolId, string? viaBufferId = null) =>
        O.Enabled && toolId != O.PassThroughTool && viaBufferId != O.BufferId;

    public async Task TrackAsync(string toolId, string? viaBufferId = null)
    {
        if (!Counts(toolId, viaBufferId)) return;
        // The usage buffer is the cluster's: its settings are the operator's, whoever's call is being counted.
        CallerContext.ActAsSystem();
        try
        {
            var item = JsonSerializer.Serialize(new { tool_id = toolId, increment = 1 });
            await grains.GetGrain<IBufferGrain>(O.BufferId).WriteAsync(new BufferWriteRequest(
                [item], new BufferSettingsUpdate(BufferStrategy.Batched, O.MaxSize, O.FlushIntervalSeconds, O.PassThroughTool)));
            metrics.UsageTracked.Add(1, new KeyValuePair<string, object?>(ReputationMetrics.ToolIdTag, toolId));
        }
        catch (Exception ex)
        {
            metrics.UsageTrackingErrors.Add(1, new KeyValuePair<string, object?>(ReputationMetrics.ToolIdTag, toolId));
            logger.LogWarning(ex, "Usage of tool {ToolId} not counted", toolId);
        }
    }

    /// <summary>The descriptor of the built-in <c>tool_usage_update</c>, registered at start when missing.</summary>
    public static ToolDescriptor UsageUpdateDescriptor() => new(
        ToolUsageUpdateTool.BuiltinName, "1.0.0", "Adds batched usage increments to tool usage counts (built in).",
        ImmutableArray.Create("builtin", "usage"), 1.0, ToolKind.Builtin, ToolUsageUpdateTool.BuiltinName, [], 30, null, "{}");
}
