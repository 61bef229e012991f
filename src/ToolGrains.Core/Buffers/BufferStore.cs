using System.Text.Json;
using System.Text.Json.Serialization;

namespace ToolGrains.Core.Buffers;

/// <summary>
/// Append-only storage of buffers: items keyed by (buffer id, sequence), batch boundaries, and one small
/// record per buffer (settings, counters, watermarks) guarded by a version. A change costs what it adds:
/// appended items are inserted, a sealed batch records a boundary, a confirmed batch is removed by range.
/// Implementations commit changes from all buffers that arrive together in one transaction.
/// </summary>
public interface IBufferStore
{
    /// <summary>The buffer's record, its pending items and its sealed batches, in order; <see cref="BufferSnapshot.Empty"/> when none.</summary>
    Task<BufferSnapshot> LoadAsync(string bufferId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Queues <paramref name="change"/> before returning (so changes of one buffer commit in the order they were
    /// made) and completes once it is committed. Throws <see cref="BufferVersionConflictException"/> when the stored
    /// version is not <see cref="BufferChange.ExpectedVersion"/>; any other exception means it was not acknowledged.
    /// </summary>
    Task CommitAsync(BufferChange change);

    /// <summary>Group commits of this store so far (a SQLite transaction or a PostgreSQL round trip each).</summary>
    long RoundTrips { get; }

    /// <summary>
    /// Whether this store takes plain appends (<see cref="BufferChange.Record"/> null): true only where every reader
    /// of the storage counts the items past the stored record in, as <see cref="BufferLedger"/> does. SQLite (one
    /// silo's file) does; PostgreSQL does not, because silos of an older version may share its tables during a
    /// rolling upgrade and would reuse the sequence numbers of items their record does not count.
    /// </summary>
    bool TakesPlainAppends { get; }
}

/// <summary>
/// The changes made by one <see cref="BufferLedger"/>. Once a store fails one of them (its group failed, or its
/// version was stale), it refuses every later one: the ledger is ahead of storage from then on, and a later change
/// must not commit without the failed one (a plain append does not advance the version that would stop it).
/// </summary>
public sealed class ChangeOrigin
{
    private volatile bool _failed;

    public bool Failed => _failed;

    public void Fail() => _failed = true;
}

/// <summary>
/// Where a removal starts: when the change is made, no item of the buffer below <see cref="Sequence"/> and no batch
/// boundary numbered below <see cref="Batch"/> is stored (the ledger holds everything stored, oldest first).
/// </summary>
public readonly record struct RemovalStart(long Sequence, long Batch);

/// <summary>A stored item: its sequence within its buffer and its JSON text.</summary>
public readonly record struct StoredItem(long Sequence, string Json);

/// <summary>A sealed batch: its number (the suffix of its batch id), its last item's sequence and why it was sealed.</summary>
public readonly record struct BatchBoundary(long Number, long LastSequence, string Reason);

/// <summary>What is stored for one buffer.</summary>
public sealed record BufferSnapshot(long Version, BufferRecord Record, IReadOnlyList<StoredItem> Items, IReadOnlyList<BatchBoundary> Batches)
{
    public static BufferSnapshot Empty => new(0, new BufferRecord(), [], []);
}

/// <summary>
/// One committed step of a buffer. <see cref="Record"/> is a copy taken when the change is made (on the
/// grain's turn), so later changes in memory cannot leak into it; a store serialises only the last record of
/// the changes it merges. A <see cref="Record"/> of null is a plain append, made only for a store that
/// <see cref="IBufferStore.TakesPlainAppends"/>: the store inserts its items and only checks the stored version
/// (<see cref="VersionStep"/> 0), so the write does not rewrite the record; the counters it moved are derived
/// from the items at load (<see cref="BufferLedger"/>). Since such a change leaves the version as it was, a
/// store refuses the changes of a ledger after one of them failed (<see cref="Origin"/>).
/// </summary>
public sealed record BufferChange(
    string BufferId,
    long ExpectedVersion,
    BufferRecord? Record,
    IReadOnlyList<StoredItem> Appended,
    IReadOnlyList<BatchBoundary> Sealed,
    long? RemoveThroughSequence,
    bool RemoveAll,
    int VersionStep = 1)
{
    /// <summary>The ledger that made this change; null for one made outside a ledger (a migration), which is never refused for another's failure.</summary>
    public ChangeOrigin? Origin { get; init; }

    /// <summary>
    /// Where this change's removal starts (null: at the buffer's first row). A store deletes from there, not from
    /// the buffer's first key: PostgreSQL keeps a deleted row's index entry until a vacuum, and a delete that began
    /// at the first key walked all of them (46 ms and 6,000 index pages per delete on a hot buffer in a benchmark).
    /// </summary>
    public RemovalStart? RemoveFrom { get; init; }

    /// <summary>
    /// What this change removes, as ranges: items with <c>FromSequence &lt;= seq &lt;= ThroughSequence</c>, batch
    /// boundaries with <c>batch_no &gt;= FromBatch</c> and <c>last_seq &lt;= ThroughSequence</c>; null when it removes
    /// nothing. SQLite deletes those item rows; PostgreSQL deletes the chunks whose last item falls in the range and
    /// raises the buffer's removed-through watermark, which hides the rest (a clear deletes every chunk).
    /// </summary>
    public (long FromSequence, long FromBatch, long ThroughSequence)? Removal =>
        RemoveAll ? (long.MinValue, long.MinValue, long.MaxValue)
        : RemoveThroughSequence is { } through ? (RemoveFrom?.Sequence ?? long.MinValue, RemoveFrom?.Batch ?? long.MinValue, through)
        : null;

    /// <summary>Whether an earlier change of the same ledger failed, so this one must not be applied.</summary>
    public bool Orphaned => Origin is { Failed: true };

    /// <summary>The version stored once this change is committed (a merged change stands for <see cref="VersionStep"/> changes).</summary>
    public long NewVersion => ExpectedVersion + VersionStep;

    /// <summary>
    /// Splits queued changes into runs that may be merged: per buffer, in queue order, each run a chain of one
    /// ledger's changes in which every change expects the version the previous one makes. Changes of two
    /// activations of one buffer never share a run, so a stale one fails alone.
    /// </summary>
    public static List<List<T>> Chains<T>(IEnumerable<T> queued, Func<T, BufferChange> changeOf)
    {
        var runs = new List<List<T>>();
        var open = new Dictionary<string, List<T>>(StringComparer.Ordinal);
        foreach (var item in queued)
        {
            var change = changeOf(item);
            if (open.TryGetValue(change.BufferId, out var run) && changeOf(run[^1]) is var previous
                && previous.NewVersion == change.ExpectedVersion && ReferenceEquals(previous.Origin, change.Origin))
            {
                run.Add(item);
                continue;
            }
            open[change.BufferId] = run = [item];
            runs.Add(run);
        }
        return runs;
    }

    /// <summary>
    /// One change equivalent to <paramref name="changes"/> of one buffer applied in order (each removes before it
    /// appends): what a later change removes is not appended, and the version advances by their count. This is
    /// how a store commits a hot buffer's concurrent writes as one record update and one multi-row insert.
    /// </summary>
    public static BufferChange Merge(IReadOnlyList<BufferChange> changes)
    {
        if (changes.Count == 1) return changes[0];
        var appended = new List<StoredItem>();
        var sealedNow = new List<BatchBoundary>();
        long? through = null;
        RemovalStart? from = null;
        var unbounded = false;
        var all = false;
        foreach (var c in changes)
        {
            if (c.RemoveAll)
            {
                appended.Clear();
                sealedNow.Clear();
                through = null;
                all = true;
            }
            if (c.RemoveThroughSequence is { } t)
            {
                through = Math.Max(through ?? t, t);
                // The earliest start wins; one removal without a start makes the merged one start at the first row.
                unbounded |= c.RemoveFrom is null;
                if (c.RemoveFrom is { } f)
                    from = new RemovalStart(Math.Min(from?.Sequence ?? f.Sequence, f.Sequence), Math.Min(from?.Batch ?? f.Batch, f.Batch));
                appended.RemoveAll(a => a.Sequence <= t);
                sealedNow.RemoveAll(b => b.LastSequence <= t);
            }
            appended.AddRange(c.Appended);
            sealedNow.AddRange(c.Sealed);
        }
        // The last record written; appends after it left the record as it was (their counters come from the items).
        var record = changes.LastOrDefault(c => c.Record is not null)?.Record;
        return new BufferChange(changes[0].BufferId, changes[0].ExpectedVersion, record, appended, sealedNow, through, all,
            changes.Sum(c => c.VersionStep)) { Origin = changes[0].Origin, RemoveFrom = unbounded ? null : from };
    }
}

/// <summary>The change's stored version was not the expected one: another activation wrote, or an earlier change of this buffer failed.</summary>
public sealed class BufferVersionConflictException(string bufferId, long expected)
    : Exception($"Buffer '{bufferId}': stored version is not {expected}; the change was not applied.");

/// <summary>How a buffer seals batches (the values of the protocol's <c>strategy</c>).</summary>
public enum BufferSealMode
{
    Batched = 0,
    Immediate = 1,
    Manual = 2,
}

/// <summary>The per-buffer record: settings, counters and watermarks, never items. Stored as JSON.</summary>
public sealed class BufferRecord
{
    public BufferSealMode Mode { get; set; }
    public int MaxSize { get; set; }
    public double FlushIntervalSeconds { get; set; }
    public string? PassThroughTool { get; set; }
    public bool Configured { get; set; }
    /// <summary>Sequence the next written item gets.</summary>
    public long NextSequence { get; set; } = 1;
    /// <summary>Number the next sealed batch gets; batch ids are never reused.</summary>
    public long NextBatch { get; set; } = 1;
    /// <summary>When the oldest pending (unsealed) item was written: the clock of the time flush.</summary>
    public DateTimeOffset? PendingSince { get; set; }
    public long TotalWritten { get; set; }
    public long TotalFlushed { get; set; }
    public long BatchesFlushed { get; set; }
    public DateTimeOffset? LastFlushAt { get; set; }
    public string? LastFlushReason { get; set; }
    public string? LastError { get; set; }

    public string ToJson() => JsonSerializer.Serialize(this, BufferRecordJson.Default.BufferRecord);

    /// <summary>A copy that later changes of this record do not reach (every member is a value or an immutable string).</summary>
    public BufferRecord Copy() => (BufferRecord)MemberwiseClone();

    /// <summary>Whether this record differs from <paramref name="other"/> only in what appending items moves (<see cref="NextSequence"/>, <see cref="TotalWritten"/>).</summary>
    public bool DiffersOnlyByAppends(BufferRecord other) =>
        (Mode, MaxSize, FlushIntervalSeconds, PassThroughTool, Configured, NextBatch, PendingSince) ==
        (other.Mode, other.MaxSize, other.FlushIntervalSeconds, other.PassThroughTool, other.Configured, other.NextBatch, other.PendingSince)
        && (TotalFlushed, BatchesFlushed, LastFlushAt, LastFlushReason, LastError) ==
        (other.TotalFlushed, other.BatchesFlushed, other.LastFlushAt, other.LastFlushReason, other.LastError);

    public static BufferRecord FromJson(string json) => JsonSerializer.Deserialize(json, BufferRecordJson.Default.BufferRecord) ?? new BufferRecord();
}

/// <summary>The stored form of <see cref="BufferRecord"/> (property names as declared), generated at build time: it is written once per buffer per commit.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BufferRecord))]
internal sealed partial class BufferRecordJson : JsonSerializerContext;
