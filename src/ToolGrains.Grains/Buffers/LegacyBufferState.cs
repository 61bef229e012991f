using ToolGrains.Core.Buffers;

namespace ToolGrains.Grains.Buffers;

/// <summary>
/// How buffers were stored before the item store: the whole buffer as one grain state (state name
/// <c>buffer</c>). Read once, when the item store has nothing for a buffer, and moved into it.
/// </summary>
[GenerateSerializer, Alias("ToolGrains.BufferState")]
public sealed class BufferState
{
    [Id(0)] public BufferStrategy Strategy { get; set; }
    [Id(1)] public int MaxSize { get; set; }
    [Id(2)] public double FlushIntervalSeconds { get; set; }
    [Id(3)] public string? PassThroughTool { get; set; }
    [Id(4)] public bool Configured { get; set; }
    [Id(5)] public List<string> Pending { get; set; } = [];
    [Id(6)] public DateTimeOffset? PendingSince { get; set; }
    [Id(7)] public List<SealedBatch> InFlight { get; set; } = [];
    [Id(8)] public long NextSequence { get; set; } = 1;
    [Id(9)] public long TotalWritten { get; set; }
    [Id(10)] public long TotalFlushed { get; set; }
    [Id(11)] public long BatchesFlushed { get; set; }
    [Id(12)] public DateTimeOffset? LastFlushAt { get; set; }
    [Id(13)] public string? LastFlushReason { get; set; }
    [Id(14)] public string? LastError { get; set; }
    [Id(15)] public int InFlightItems { get; set; }

    /// <summary>The same buffer in the item store's terms: in-flight batches first (keeping their batch numbers), then pending items.</summary>
    public BufferSnapshot ToSnapshot()
    {
        var record = new BufferRecord
        {
            Mode = (BufferSealMode)Strategy, MaxSize = MaxSize, FlushIntervalSeconds = FlushIntervalSeconds, PassThroughTool = PassThroughTool,
            Configured = Configured, PendingSince = PendingSince, TotalWritten = TotalWritten, TotalFlushed = TotalFlushed,
            BatchesFlushed = BatchesFlushed, LastFlushAt = LastFlushAt, LastFlushReason = LastFlushReason, LastError = LastError,
            // Batch ids and item sequences shared one counter before: continuing it keeps batch ids unique.
            NextBatch = NextSequence,
        };
        var items = new List<StoredItem>();
        var batches = new List<BatchBoundary>();
        long seq = 1;
        foreach (var batch in InFlight)
        {
            foreach (var item in batch.Items) items.Add(new StoredItem(seq++, item));
            var number = long.TryParse(batch.BatchId[(batch.BatchId.LastIndexOf(':') + 1)..], out var n) ? n : record.NextBatch++;
            batches.Add(new BatchBoundary(number, seq - 1, batch.Reason));
        }
        foreach (var item in Pending) items.Add(new StoredItem(seq++, item));
        record.NextSequence = seq;
        return new BufferSnapshot(0, record, items, batches);
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
