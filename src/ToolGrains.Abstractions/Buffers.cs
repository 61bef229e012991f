using System.Collections.Immutable;

namespace ToolGrains;

/// <summary>When a buffer hands its pending items to its pass-through tool.</summary>
[GenerateSerializer, Alias("ToolGrains.BufferStrategy")]
public enum BufferStrategy
{
    /// <summary>When <c>max_size</c> items are pending, or the oldest is <c>flush_interval_seconds</c> old.</summary>
    Batched = 0,
    /// <summary>Each write goes to the pass-through tool before it is acknowledged.</summary>
    Immediate = 1,
    /// <summary>Only on an explicit flush; without a pass-through tool the flush returns the items.</summary>
    Manual = 2,
}

/// <summary>Settings stored with a buffer; null fields on a write leave the stored value as it is.</summary>
[GenerateSerializer, Immutable, Alias("ToolGrains.BufferSettingsUpdate")]
public sealed record BufferSettingsUpdate(
    [property: Id(0)] BufferStrategy? Strategy = null,
    [property: Id(1)] int? MaxSize = null,
    [property: Id(2)] double? FlushIntervalSeconds = null,
    [property: Id(3)] string? PassThroughTool = null);

/// <summary>Items are JSON documents kept as their UTF-8 text.</summary>
[GenerateSerializer, Immutable, Alias("ToolGrains.BufferWriteRequest")]
public sealed record BufferWriteRequest(
    [property: Id(0)] ImmutableArray<string> Items,
    [property: Id(1)] BufferSettingsUpdate? Settings = null);

[GenerateSerializer, Immutable, Alias("ToolGrains.BufferWriteResult")]
public sealed record BufferWriteResult(
    [property: Id(0)] string BufferId,
    [property: Id(1)] int Buffered,
    [property: Id(2)] bool Flushed,
    [property: Id(3)] int FlushedCount);

[GenerateSerializer, Immutable, Alias("ToolGrains.BufferFlushResult")]
public sealed record BufferFlushResult(
    [property: Id(0)] string BufferId,
    [property: Id(1)] int FlushedCount,
    [property: Id(2)] string? BatchId,
    [property: Id(3)] ImmutableArray<string>? Items);

[GenerateSerializer, Immutable, Alias("ToolGrains.BufferStatus")]
public sealed record BufferStatus(
    [property: Id(0)] string BufferId,
    [property: Id(1)] BufferStrategy Strategy,
    [property: Id(2)] int MaxSize,
    [property: Id(3)] double FlushIntervalSeconds,
    [property: Id(4)] string? PassThroughTool,
    [property: Id(5)] int Buffered,
    [property: Id(6)] int InFlight,
    [property: Id(7)] long TotalWritten,
    [property: Id(8)] long TotalFlushed,
    [property: Id(9)] long BatchesFlushed,
    [property: Id(10)] DateTimeOffset? LastFlushAt,
    [property: Id(11)] string? LastFlushReason,
    [property: Id(12)] string? LastError,
    [property: Id(13)] double? OldestItemAgeSeconds,
    [property: Id(14)] int FailedAttempts);

[GenerateSerializer, Immutable, Alias("ToolGrains.BufferClearResult")]
public sealed record BufferClearResult(
    [property: Id(0)] string BufferId,
    [property: Id(1)] int ClearedCount);

/// <summary>A buffer per <c>buffer_id</c>: batches rapid writes and hands them to a pass-through tool.</summary>
[Alias("ToolGrains.IBufferGrain")]
public interface IBufferGrain : IGrainWithStringKey
{
    /// <summary>Acknowledges once the items are durably stored (or, for <c>immediate</c>, delivered).</summary>
    [Alias("Write")] Task<BufferWriteResult> WriteAsync(BufferWriteRequest request);
    [Alias("Flush")] Task<BufferFlushResult> FlushAsync();
    [Alias("Status")] Task<BufferStatus> GetStatusAsync();
    [Alias("Clear")] Task<BufferClearResult> ClearAsync();
}
