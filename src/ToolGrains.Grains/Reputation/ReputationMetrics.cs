using System.Diagnostics.Metrics;
using ToolGrains.Grains.Buffers;

namespace ToolGrains.Grains.Reputation;

/// <summary>Counters of the <c>ToolGrains</c> meter for tool reputation.</summary>
public sealed class ReputationMetrics
{
    /// <summary>The tag naming the tool a measurement is about.</summary>
    public const string ToolIdTag = "tool_id";

    public ReputationMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(BufferMetrics.MeterName);
        StorageWrites = meter.CreateCounter<long>("toolgrains.reputation.storage_writes", "{write}", "Grain state writes of tool reputations");
        UsageTracked = meter.CreateCounter<long>("toolgrains.reputation.usage_tracked", "{call}", "Tool calls written to the usage buffer");
        UsageTrackingErrors = meter.CreateCounter<long>("toolgrains.reputation.usage_tracking_errors", "{call}", "Tool calls whose usage could not be written");
    }

    public Counter<long> StorageWrites { get; }
    public Counter<long> UsageTracked { get; }
    public Counter<long> UsageTrackingErrors { get; }

    public void RecordStateWrite(string toolId) => StorageWrites.Add(1, new KeyValuePair<string, object?>(ToolIdTag, toolId));
}
