namespace ToolGrains.Grains.Reputation;

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
