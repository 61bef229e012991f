namespace ToolGrains.Grains.Usage;

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

    /// <summary>Seconds a silo gathers counts before writing them, one item per tool, to the usage buffer. Default 1.</summary>
    public double AggregationSeconds { get; set; } = 1;

    /// <summary>Whether invocations are counted at all. Default true.</summary>
    public bool Enabled { get; set; } = true;
}
