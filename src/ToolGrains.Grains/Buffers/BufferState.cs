namespace ToolGrains.Grains.Buffers;

/// <summary>What a buffer keeps durably: settings, pending items, sealed batches not yet confirmed, counters.</summary>
[GenerateSerializer, Alias("ToolGrains.BufferState")]
public sealed class BufferState
{
    [Id(0)] public BufferStrategy Strategy { get; set; }
    [Id(1)] public int MaxSize { get; set; }
    [Id(2)] public double FlushIntervalSeconds { get; set; }
    [Id(3)] public string? PassThroughTool { get; set; }
    [Id(4)] public bool Configured { get; set; }
    /// <summary>Items written and not yet sealed into a batch, oldest first, as JSON text.</summary>
    [Id(5)] public List<string> Pending { get; set; } = [];
    /// <summary>When the oldest pending item was written: the clock of the time flush.</summary>
    [Id(6)] public DateTimeOffset? PendingSince { get; set; }
    /// <summary>Sealed batches waiting for the pass-through tool to confirm them, in order.</summary>
    [Id(7)] public List<SealedBatch> InFlight { get; set; } = [];
    [Id(8)] public long NextSequence { get; set; } = 1;
    [Id(9)] public long TotalWritten { get; set; }
    [Id(10)] public long TotalFlushed { get; set; }
    [Id(11)] public long BatchesFlushed { get; set; }
    [Id(12)] public DateTimeOffset? LastFlushAt { get; set; }
    [Id(13)] public string? LastFlushReason { get; set; }
    [Id(14)] public string? LastError { get; set; }

    /// <summary>Items in <see cref="InFlight"/>, kept as a count so that a write need not walk a backlog of batches.</summary>
    [Id(15)] public int InFlightItems { get; set; }

    public int BufferedCount => Pending.Count + InFlightItems;

    public void AddInFlight(SealedBatch batch)
    {
        InFlight.Add(batch);
        InFlightItems += batch.Items.Count;
    }

    public void RemoveInFlight(SealedBatch batch)
    {
        if (InFlight.Remove(batch)) InFlightItems -= batch.Items.Count;
    }

    public void ClearInFlight()
    {
        InFlight.Clear();
        InFlightItems = 0;
    }
}

[GenerateSerializer, Alias("ToolGrains.SealedBatch")]
public sealed class SealedBatch
{
    [Id(0)] public string BatchId { get; set; } = "";
    [Id(1)] public List<string> Items { get; set; } = [];
    [Id(2)] public string Reason { get; set; } = "";
    [Id(3)] public int Attempts { get; set; }
    [Id(4)] public DateTimeOffset? NextAttemptAt { get; set; }
}
