using System.Diagnostics.Metrics;

namespace ToolGrains.Grains.Buffers;

/// <summary>Counters of the <c>ToolGrains</c> meter for buffers.</summary>
public sealed class BufferMetrics
{
    public const string MeterName = "ToolGrains";

    public BufferMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        Written = meter.CreateCounter<long>("toolgrains.buffer.items_written", "{item}", "Items acknowledged by buffers");
        Flushed = meter.CreateCounter<long>("toolgrains.buffer.items_flushed", "{item}", "Items confirmed by pass-through tools");
        StorageWrites = meter.CreateCounter<long>("toolgrains.buffer.storage_writes", "{write}", "Changes of buffers committed to the item store");
        PassThroughCalls = meter.CreateCounter<long>("toolgrains.buffer.pass_through_calls", "{call}", "Calls of pass-through tools");
        Refused = meter.CreateCounter<long>("toolgrains.buffer.items_refused", "{item}", "Items refused with buffer_full");
    }

    public Counter<long> Written { get; }
    public Counter<long> Flushed { get; }
    public Counter<long> StorageWrites { get; }
    public Counter<long> PassThroughCalls { get; }
    public Counter<long> Refused { get; }
}
