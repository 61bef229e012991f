using System.Text;
using System.Text.Json;

namespace ToolGrains.Core.Buffers;

/// <summary>A sealed batch waiting for its pass-through tool: its items and its retry bookkeeping (kept in memory only).</summary>
public sealed class LedgerBatch
{
    public required long Number { get; init; }
    public required string BatchId { get; init; }
    /// <summary>Its first item's sequence.</summary>
    public required long FirstSequence { get; init; }
    public required long LastSequence { get; init; }
    public required IReadOnlyList<string> Items { get; init; }
    public required string Reason { get; init; }
    public int Attempts { get; internal set; }
    public DateTimeOffset? NextAttemptAt { get; internal set; }

    /// <summary>
    /// What the pass-through tool receives: <c>{"buffer_id":…,"batch_id":…,"items":[…]}</c>, each item as it was
    /// written (validated as one JSON value then), so none is parsed again.
    /// </summary>
    public string ToPassThroughJson(string bufferId)
    {
        var sb = new StringBuilder(64 + bufferId.Length + BatchId.Length + Items.Sum(i => i.Length + 1));
        sb.Append("{\"buffer_id\":\"").Append(JsonEncodedText.Encode(bufferId)).Append("\",\"batch_id\":\"")
          .Append(JsonEncodedText.Encode(BatchId)).Append("\",\"items\":[");
        for (var i = 0; i < Items.Count; i++)
        {
            if (i > 0) sb.Append(',');
            sb.Append(Items[i]);
        }
        return sb.Append("]}").ToString();
    }
}

/// <summary>
/// What a buffer holds and decides: which items to seal into batches (by size, by age, on request), which
/// batch is due for delivery, the backoff of a failed one, and what a confirmation removes. It does no I/O:
/// each step that must be stored returns a <see cref="BufferChange"/> holding only what the step adds or
/// removes, for the caller to commit in the order the steps were made. A failed commit leaves this object
/// ahead of storage: drop it and load a new one.
/// </summary>
public sealed class BufferLedger
{
    private readonly List<StoredItem> _pending = [];
    private readonly Queue<LedgerBatch> _sealed = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _retryInitial;
    private readonly TimeSpan _retryMax;
    private readonly ChangeOrigin _origin = new();
    private readonly bool _plainAppends;
    /// <summary>The record as last handed to storage (or loaded): an append that leaves the rest of it equal stores no record.</summary>
    private BufferRecord _stored;

    /// <param name="plainAppends">Whether appends that move only the counters may leave the record unstored (<see cref="IBufferStore.TakesPlainAppends"/>).</param>
    public BufferLedger(string bufferId, BufferSnapshot snapshot, TimeProvider time, TimeSpan retryInitialDelay, TimeSpan retryMaxDelay, bool plainAppends)
    {
        _plainAppends = plainAppends;
        BufferId = bufferId;
        Version = snapshot.Version;
        Record = snapshot.Record;
        _time = time;
        _retryInitial = retryInitialDelay;
        _retryMax = retryMaxDelay;
        var i = 0;
        foreach (var boundary in snapshot.Batches)
        {
            var items = new List<string>();
            var first = i < snapshot.Items.Count ? snapshot.Items[i].Sequence : 0;
            for (; i < snapshot.Items.Count && snapshot.Items[i].Sequence <= boundary.LastSequence; i++) items.Add(snapshot.Items[i].Json);
            if (items.Count == 0) continue; // a boundary whose items were removed: nothing left to deliver
            AddSealed(new LedgerBatch
            {
                Number = boundary.Number, BatchId = BatchIdOf(boundary.Number), FirstSequence = first, LastSequence = boundary.LastSequence,
                Items = items, Reason = boundary.Reason,
            });
        }
        for (; i < snapshot.Items.Count; i++) _pending.Add(snapshot.Items[i]);
        // Appends that stored no record (BufferChange.Record null) are the items past its watermark: count them in.
        if (snapshot.Items.Count > 0 && snapshot.Items[^1].Sequence >= Record.NextSequence)
        {
            var watermark = Record.NextSequence;
            Record.TotalWritten += snapshot.Items.Count(item => item.Sequence >= watermark);
            Record.NextSequence = snapshot.Items[^1].Sequence + 1;
        }
        _stored = Record.Copy();
        if (_pending.Count > 0) Record.PendingSince ??= _time.GetUtcNow();
    }

    public string BufferId { get; }
    /// <summary>The version the next change expects storage to hold.</summary>
    public long Version { get; private set; }
    public BufferRecord Record { get; }
    public int PendingCount => _pending.Count;
    public int SealedItems { get; private set; }
    public int BufferedCount => _pending.Count + SealedItems;
    public IReadOnlyCollection<LedgerBatch> Sealed => _sealed;
    /// <summary>Failed delivery attempts of the batches still held.</summary>
    public int FailedAttempts => _sealed.Sum(b => b.Attempts);

    public double? OldestPendingAgeSeconds =>
        _pending.Count > 0 && Record.PendingSince is { } since ? Math.Max(0, (_time.GetUtcNow() - since).TotalSeconds) : null;

    public string BatchIdOf(long number) => $"{BufferId}:{number}";

    /// <summary>New settings, stored with the next change (settings arrive with a write).</summary>
    public void Configure(BufferSealMode mode, int maxSize, double flushIntervalSeconds, string? passThroughTool) =>
        (Record.Mode, Record.MaxSize, Record.FlushIntervalSeconds, Record.PassThroughTool, Record.Configured) =
            (mode, maxSize, flushIntervalSeconds, passThroughTool, true);

    /// <summary>Whether <paramref name="batch"/> is still the oldest sealed batch (a clear may have dropped it).</summary>
    public bool IsNext(LedgerBatch batch) => _sealed.TryPeek(out var head) && ReferenceEquals(head, batch);

    /// <summary>Appends <paramref name="items"/> and seals what the mode asks for: every full batch (batched) or everything (immediate).</summary>
    public (BufferChange Change, IReadOnlyList<LedgerBatch> Sealed) Append(IReadOnlyList<string> items)
    {
        if (_pending.Count == 0) Record.PendingSince = _time.GetUtcNow();
        var appended = new StoredItem[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            appended[i] = new StoredItem(Record.NextSequence++, items[i]);
            _pending.Add(appended[i]);
        }
        Record.TotalWritten += items.Count;
        var sealedNow = new List<LedgerBatch>();
        if (Record.Mode == BufferSealMode.Immediate)
            sealedNow.Add(Seal(_pending.Count, "size"));
        else if (Record.Mode == BufferSealMode.Batched)
            while (_pending.Count >= Math.Max(1, Record.MaxSize)) sealedNow.Add(Seal(Record.MaxSize, "size"));
        return (Change(appended, Boundaries(sealedNow), null, false), sealedNow);
    }

    /// <summary>Seals the pending items of a batched buffer once the oldest is <c>flush_interval_seconds</c> old.</summary>
    public BufferChange? SealIfDue()
    {
        if (Record.Mode != BufferSealMode.Batched || _pending.Count == 0 || Record.PendingSince is not { } since) return null;
        if (_time.GetUtcNow() - since < TimeSpan.FromSeconds(Record.FlushIntervalSeconds)) return null;
        var batch = Seal(_pending.Count, "time");
        return Change([], Boundaries([batch]), null, false);
    }

    /// <summary>Seals every pending item into one batch (a flush, a deactivation); null when nothing is pending.</summary>
    public (BufferChange Change, LedgerBatch Batch)? SealAll(string reason)
    {
        if (_pending.Count == 0) return null;
        var batch = Seal(_pending.Count, reason);
        return (Change([], Boundaries([batch]), null, false), batch);
    }

    /// <summary>
    /// A queue's flush: takes every pending item under a new batch id and removes it; null when empty. A queue holds no
    /// sealed batch (it has no tool to seal for, and a buffer's tool cannot be unset): with one held, this throws rather
    /// than remove it undelivered, since every removal is a prefix of what is held (see <see cref="RemovalStart"/>).
    /// </summary>
    public (BufferChange Change, string BatchId, IReadOnlyList<string> Items)? TakeAll(string reason)
    {
        if (_sealed.Count > 0)
            throw new InvalidOperationException($"Buffer '{BufferId}' holds {_sealed.Count} sealed batches; a queue's flush would remove them undelivered.");
        if (_pending.Count == 0) return null;
        var from = OldestHeld();
        var batchId = BatchIdOf(Record.NextBatch++);
        var items = _pending.Select(p => p.Json).ToList();
        var last = _pending[^1].Sequence;
        _pending.Clear();
        Record.PendingSince = null;
        Flushed(items.Count, reason);
        return (Change([], [], last, false, from), batchId, items);
    }

    /// <summary>The oldest sealed batch when it is due (its backoff has passed, or <paramref name="force"/>); batches go out in order.</summary>
    public LedgerBatch? NextDelivery(bool force)
    {
        if (!_sealed.TryPeek(out var head)) return null;
        return force || head.NextAttemptAt is not { } next || next <= _time.GetUtcNow() ? head : null;
    }

    /// <summary>The tool confirmed <paramref name="batch"/> (the oldest): its items are removed from storage by range.</summary>
    public BufferChange Confirm(LedgerBatch batch)
    {
        if (!_sealed.TryPeek(out var head) || !ReferenceEquals(head, batch))
            throw new InvalidOperationException($"Batch {batch.BatchId} is not the oldest sealed batch of '{BufferId}'.");
        var from = OldestHeld();
        _sealed.Dequeue();
        SealedItems -= batch.Items.Count;
        Flushed(batch.Items.Count, batch.Reason);
        Record.LastError = null;
        return Change([], [], batch.LastSequence, false, from);
    }

    /// <summary>The tool refused <paramref name="batch"/>: it stays first in line and is retried after a doubling delay.</summary>
    public TimeSpan Fail(LedgerBatch batch, string error)
    {
        batch.Attempts++;
        var delay = TimeSpan.FromTicks(Math.Min(_retryMax.Ticks, _retryInitial.Ticks * (1L << Math.Min(batch.Attempts - 1, 30))));
        batch.NextAttemptAt = _time.GetUtcNow() + delay;
        // Kept in memory, stored with the next change: a retry never rewrites the batch's items.
        Record.LastError = $"{error} (batch {batch.BatchId}, attempt {batch.Attempts}, next in {delay.TotalSeconds:0.#} s)";
        return delay;
    }

    /// <summary>Drops everything held; returns the change and how many items went.</summary>
    public (BufferChange Change, int Cleared) Clear()
    {
        var cleared = BufferedCount;
        _pending.Clear();
        _sealed.Clear();
        SealedItems = 0;
        Record.PendingSince = null;
        Record.LastError = null;
        return (Change([], [], null, true), cleared);
    }

    private LedgerBatch Seal(int count, string reason)
    {
        var items = new List<string>(count);
        for (var i = 0; i < count; i++) items.Add(_pending[i].Json);
        var number = Record.NextBatch++;
        var batch = new LedgerBatch
        {
            Number = number, BatchId = BatchIdOf(number), FirstSequence = _pending[0].Sequence, LastSequence = _pending[count - 1].Sequence,
            Items = items, Reason = reason,
        };
        _pending.RemoveRange(0, count);
        // The remaining items were written after the sealed ones; restarting the clock here keeps the promise
        // "no item waits much longer than the interval" without a time per item.
        Record.PendingSince = _pending.Count > 0 ? _time.GetUtcNow() : null;
        AddSealed(batch);
        return batch;
    }

    private void AddSealed(LedgerBatch batch)
    {
        _sealed.Enqueue(batch);
        SealedItems += batch.Items.Count;
    }

    private void Flushed(int count, string reason)
    {
        Record.TotalFlushed += count;
        Record.BatchesFlushed++;
        Record.LastFlushAt = _time.GetUtcNow();
        Record.LastFlushReason = reason;
    }

    /// <summary>
    /// Where the oldest row this ledger holds is (what it holds is what is stored while its changes commit): a
    /// removal starts there rather than at the buffer's first key.
    /// </summary>
    private RemovalStart OldestHeld() => _sealed.TryPeek(out var head)
        ? new RemovalStart(head.FirstSequence, head.Number)
        : new RemovalStart(_pending.Count > 0 ? _pending[0].Sequence : Record.NextSequence, Record.NextBatch);

    private static BatchBoundary[] Boundaries(IReadOnlyList<LedgerBatch> batches)
    {
        if (batches.Count == 0) return [];
        var boundaries = new BatchBoundary[batches.Count];
        for (var i = 0; i < boundaries.Length; i++) boundaries[i] = new BatchBoundary(batches[i].Number, batches[i].LastSequence, batches[i].Reason);
        return boundaries;
    }

    private BufferChange Change(IReadOnlyList<StoredItem> appended, IReadOnlyList<BatchBoundary> sealedNow, long? removeThrough, bool removeAll,
        RemovalStart? removeFrom = null)
    {
        // A plain append (nothing sealed or removed, no setting, clock or status moved) leaves the stored record
        // and its version as they are: storage inserts the items and checks the version, nothing more.
        if (_plainAppends && Version > 0 && appended.Count > 0 && sealedNow.Count == 0 && removeThrough is null && !removeAll
            && Record.DiffersOnlyByAppends(_stored))
            return new(BufferId, Version, null, appended, sealedNow, null, false, VersionStep: 0) { Origin = _origin };
        _stored = Record.Copy();
        return new(BufferId, Version++, _stored, appended, sealedNow, removeThrough, removeAll) { Origin = _origin, RemoveFrom = removeFrom };
    }
}
