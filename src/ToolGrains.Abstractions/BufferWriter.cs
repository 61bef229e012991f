using System.Collections.Concurrent;
using System.Collections.Immutable;

namespace ToolGrains;

/// <summary>
/// Writes single items to buffers from an Orleans client, coalescing the writes to one buffer that wait while
/// a call to it is in flight into its next call (docs/architecture.md, "Buffer writer"). Each returned task
/// completes when its item is durably stored, with the answer of the call that carried it, or fails as that
/// item alone would have: a call the buffer refused for an item (<c>invalid_request</c> or <c>item_too_large</c>
/// on <c>data</c>) or for room (<c>buffer_full</c>) is sent again item by item, which is safe because a refused
/// write stores nothing. Any other failure fails every item of the call: <c>storage_unavailable</c> and the
/// like were not stored, and a call that timed out may or may not have been, as with a direct call.
/// </summary>
/// <remarks>
/// One call per buffer is in flight at a time, so the items of one buffer are stored in the order they were
/// written. Calls start without the writing code's <c>RequestContext</c>: they carry what the client's
/// outgoing filters add (its API key, <see cref="ToolGrainsClientBuilderExtensions.UseToolGrainsClient"/>),
/// so every item travels under the client's key. A writer is for clients; code inside a silo calls
/// <see cref="IBufferGrain"/> itself, so that its calls keep their caller's role.
/// </remarks>
public sealed class BufferWriter
{
    private readonly Func<string, BufferWriteRequest, Task<BufferWriteResult>> _send;
    private readonly int _maxItems;
    private readonly int _maxChars;
    private readonly ConcurrentDictionary<string, Lane> _lanes = new(StringComparer.Ordinal);
    private long _calls;

    public BufferWriter(IGrainFactory grains, BufferWriterOptions? options = null)
        : this((bufferId, request) => grains.GetGrain<IBufferGrain>(bufferId).WriteAsync(request), options)
    {
    }

    /// <summary>A writer whose calls go to <paramref name="send"/> (tests).</summary>
    internal BufferWriter(Func<string, BufferWriteRequest, Task<BufferWriteResult>> send, BufferWriterOptions? options = null)
    {
        options ??= new BufferWriterOptions();
        Validate(options);
        _send = send;
        _maxItems = options.MaxItemsPerCall;
        _maxChars = options.MaxCharsPerCall;
    }

    /// <summary>Throws naming the first limit below 1 (<see cref="ToolGrainsClientBuilderExtensions.UseToolGrainsClient"/> calls it as the client is built).</summary>
    internal static void Validate(BufferWriterOptions options)
    {
        if (options.MaxItemsPerCall < 1)
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxItemsPerCall, "BufferWriter:MaxItemsPerCall must be at least 1.");
        if (options.MaxCharsPerCall < 1)
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxCharsPerCall, "BufferWriter:MaxCharsPerCall must be at least 1.");
    }

    /// <summary>Grain calls this writer has sent so far (items written ÷ this = how much it coalesced).</summary>
    public long CallsSent => Interlocked.Read(ref _calls);

    /// <summary>
    /// Writes <paramref name="item"/> (a JSON value) to buffer <paramref name="bufferId"/>; <paramref name="settings"/>
    /// as on <see cref="IBufferGrain.WriteAsync"/>. Only waiting writes with equal settings share a call.
    /// </summary>
    public Task<BufferWriteResult> WriteAsync(string bufferId, string item, BufferSettingsUpdate? settings = null)
    {
        ArgumentNullException.ThrowIfNull(bufferId);
        ArgumentNullException.ThrowIfNull(item);
        var write = new Write(item, settings);
        while (true)
        {
            var lane = _lanes.GetOrAdd(bufferId, static id => new Lane(id));
            bool start;
            lock (lane)
            {
                if (lane.Retired) continue; // emptied and removed after we found it: take the new one
                lane.Waiting.Enqueue(write);
                start = !lane.Sending;
                lane.Sending = true;
            }
            if (start)
                // Without the writing code's execution context: a call must not carry one writer's RequestContext for all.
                ThreadPool.UnsafeQueueUserWorkItem(static state => _ = state.Writer.SendAllAsync(state.Lane), (Writer: this, Lane: lane), preferLocal: false);
            return write.Done.Task;
        }
    }

    /// <summary>Sends the lane's waiting writes, a call at a time, until none waits; then retires the lane.</summary>
    private async Task SendAllAsync(Lane lane)
    {
        while (true)
        {
            List<Write> batch;
            lock (lane)
            {
                if (lane.Waiting.Count == 0)
                {
                    lane.Sending = false;
                    lane.Retired = true;
                    _lanes.TryRemove(new KeyValuePair<string, Lane>(lane.BufferId, lane));
                    return;
                }
                batch = Take(lane.Waiting);
            }
            await SendAsync(lane.BufferId, batch);
            // Let the writers just answered write again before taking the next call, so that the producers of a
            // hot buffer travel in one call instead of alternating in two half-size ones.
            await Task.Yield();
        }
    }

    /// <summary>The next call's writes: the oldest waiting and those after it with the same settings, within the limits.</summary>
    private List<Write> Take(Queue<Write> waiting)
    {
        var first = waiting.Dequeue();
        var batch = new List<Write> { first };
        var chars = first.Item.Length;
        while (batch.Count < _maxItems && waiting.TryPeek(out var next) && Equals(next.Settings, first.Settings)
               && chars + next.Item.Length <= _maxChars)
        {
            chars += next.Item.Length;
            batch.Add(waiting.Dequeue());
        }
        return batch;
    }

    private async Task SendAsync(string bufferId, List<Write> batch)
    {
        try
        {
            var result = await CallAsync(bufferId, batch);
            foreach (var write in batch) write.Done.TrySetResult(result);
        }
        catch (ToolGrainsException ex) when (batch.Count > 1 && (ex.Code == ErrorCodes.BufferFull || ex.Field == "data"))
        {
            // Refused for an item or for room, with nothing stored: each item gets its own answer.
            foreach (var write in batch)
            {
                try
                {
                    write.Done.TrySetResult(await CallAsync(bufferId, [write]));
                }
                catch (Exception single)
                {
                    write.Done.TrySetException(single);
                }
            }
        }
        catch (Exception ex)
        {
            foreach (var write in batch) write.Done.TrySetException(ex);
        }
    }

    private Task<BufferWriteResult> CallAsync(string bufferId, List<Write> batch)
    {
        Interlocked.Increment(ref _calls);
        var items = ImmutableArray.CreateBuilder<string>(batch.Count);
        foreach (var write in batch) items.Add(write.Item);
        return _send(bufferId, new BufferWriteRequest(items.MoveToImmutable(), batch[0].Settings));
    }

    private sealed class Lane(string bufferId)
    {
        public string BufferId { get; } = bufferId;
        public Queue<Write> Waiting { get; } = new();
        public bool Sending { get; set; }
        /// <summary>Removed from the writer: a write that still found it goes to a new lane.</summary>
        public bool Retired { get; set; }
    }

    private sealed class Write(string item, BufferSettingsUpdate? settings)
    {
        public string Item { get; } = item;
        public BufferSettingsUpdate? Settings { get; } = settings;
        // Asynchronous continuations: a writer's own code never runs on the loop that sends the others' calls.
        public TaskCompletionSource<BufferWriteResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
