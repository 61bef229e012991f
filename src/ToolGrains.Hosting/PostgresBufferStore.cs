using System.Data;
using System.Threading.Channels;
using Npgsql;
using ToolGrains.Core.Buffers;

namespace ToolGrains.Hosting;

/// <summary>
/// Buffer items in PostgreSQL (deploy/sql/postgresql/005-buffers.sql), as chunks: the items one commit appends to
/// a buffer are one row. One writer per silo sends every change queued meanwhile, from all buffers, as one
/// <c>toolgrains_buffer_commit_group</c> call: one round trip, one transaction and a few set operations, so a change
/// is acknowledged only once it and its neighbours are committed.
/// </summary>
public sealed class PostgresBufferStore : IBufferStore, IAsyncDisposable
{
    private const int MaxChangesPerRoundTrip = 512;

    /// <summary>
    /// What a round trip carries at most, in characters of item text plus <see cref="ItemOverheadChars"/> per item
    /// (64 Mi: at most ~200 MiB on the wire), unless one change alone holds more: PostgreSQL refuses a message or value
    /// over 1 GB, and without a bound 256 writers of ten 1 MB items each would make every round trip fail, and every
    /// retry with it.
    /// </summary>
    public const int DefaultMaxPayloadCharsPerRoundTrip = 64 * 1024 * 1024;

    /// <summary>An item's cost beyond its text in the binary arrays (lengths, its sequence, its buffer's position): tiny items count too.</summary>
    private const int ItemOverheadChars = 32;

    /// <summary>The signature of the one-buffer commit function this version calls.</summary>
    public const string CommitFunction =
        "toolgrains_buffer_commit(text,text,bigint,text,bigint[],text[],bigint[],bigint[],text[],bigint,bigint,bigint,bigint)";

    /// <summary>The signature of the group commit function this version calls.</summary>
    public const string CommitGroupFunction =
        "toolgrains_buffer_commit_group(text,text[],bigint[],bigint[],text[],bigint[],bigint[],bigint[],int[],bigint[],text[],int[],bigint[],bigint[],text[])";

    /// <summary>
    /// What this version needs of deploy/sql/postgresql/005-buffers.sql, as (kind, name): the readiness probe checks each.
    /// The chunk table came with the same function signatures as the row-per-item version before it.
    /// </summary>
    public static readonly (string Kind, string Name)[] RequiredObjects =
        [("function", CommitFunction), ("function", CommitGroupFunction), ("table", "toolgrains_buffer_chunk")];

    /// <summary>
    /// The item table of the row-per-item version: 005-buffers.sql moves its rows into chunks and drops it, so while
    /// it exists that step did not complete (applied without <c>--single-transaction</c>, say) and the functions may
    /// still be the old ones, which write there; the readiness probe reports the database not ready.
    /// </summary>
    public const string RetiredItemTable = "toolgrains_buffer_item";
    private readonly Channel<Queued> _queue = Channel.CreateUnbounded<Queued>(new UnboundedChannelOptions { SingleReader = true });
    private readonly NpgsqlDataSource _source;
    private readonly string _serviceId;
    private readonly int _maxPayloadChars;
    private readonly Task _writer;
    private long _roundTrips;

    /// <param name="maxPayloadCharsPerRoundTrip">See <see cref="DefaultMaxPayloadCharsPerRoundTrip"/> (tests set less).</param>
    public PostgresBufferStore(string connectionString, string serviceId, int maxPayloadCharsPerRoundTrip = DefaultMaxPayloadCharsPerRoundTrip)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxPayloadCharsPerRoundTrip);
        _maxPayloadChars = maxPayloadCharsPerRoundTrip;
        // The same few statements on every round trip: prepared once per connection, PostgreSQL neither parses nor
        // plans the call again (unless the operator's connection string chose otherwise).
        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        if (settings.MaxAutoPrepare == 0) settings.MaxAutoPrepare = 8;
        _source = NpgsqlDataSource.Create(settings.ConnectionString);
        _serviceId = serviceId;
        _writer = Task.Run(WriterLoopAsync);
    }

    public long RoundTrips => Interlocked.Read(ref _roundTrips);

    /// <summary>
    /// No: every change carries its record and moves the version. A plain append leaves the version as it was, so
    /// a second activation of the buffer (two silos, briefly, after a membership change) would pass the same check
    /// and append the same sequence numbers; SQLite's key per item refuses that, but a chunk is keyed by its last
    /// sequence only, and two overlapping chunks would both be stored.
    /// </summary>
    public bool TakesPlainAppends => false;

    public async Task<BufferSnapshot> LoadAsync(string bufferId, CancellationToken cancellationToken = default)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        // One snapshot for the three reads (the BEGIN goes out with them): under READ COMMITTED each statement has its
        // own, and a second activation's removal between them would pair an older watermark with fewer chunks and
        // show removed items again.
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var sql in new[]
        {
            "SELECT version, record, removed_through FROM toolgrains_buffer WHERE service_id = $1 AND buffer_id = $2",
            "SELECT seqs, payloads FROM toolgrains_buffer_chunk WHERE service_id = $1 AND buffer_id = $2 ORDER BY last_seq",
            "SELECT batch_no, last_seq, reason FROM toolgrains_buffer_batch WHERE service_id = $1 AND buffer_id = $2 ORDER BY batch_no",
        })
        {
            var command = new NpgsqlBatchCommand(sql);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _serviceId });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = bufferId });
            batch.BatchCommands.Add(command);
        }
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return BufferSnapshot.Empty;
        var version = reader.GetInt64(0);
        var record = BufferRecord.FromJson(reader.GetString(1));
        var removedThrough = reader.GetInt64(2);
        await reader.NextResultAsync(cancellationToken);
        var items = new List<StoredItem>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var (seqs, payloads) = (reader.GetFieldValue<long[]>(0), reader.GetFieldValue<string[]>(1));
            // A chunk a removal reached into keeps its removed items until the removal that empties it.
            for (var i = 0; i < seqs.Length; i++)
                if (seqs[i] > removedThrough) items.Add(new StoredItem(seqs[i], payloads[i]));
        }
        await reader.NextResultAsync(cancellationToken);
        var batches = new List<BatchBoundary>();
        while (await reader.ReadAsync(cancellationToken)) batches.Add(new BatchBoundary(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2)));
        return new BufferSnapshot(version, record, items, batches);
    }

    public Task CommitAsync(BufferChange change)
    {
        var queued = new Queued(change);
        if (!_queue.Writer.TryWrite(queued)) throw new ObjectDisposedException(nameof(PostgresBufferStore));
        return queued.Done.Task;
    }

    private async Task WriterLoopAsync()
    {
        var group = new List<Queued>(MaxChangesPerRoundTrip);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            group.Clear();
            long chars = 0;
            while (group.Count < MaxChangesPerRoundTrip && _queue.Reader.TryPeek(out var next))
            {
                var size = PayloadChars(next.Change);
                if (group.Count > 0 && chars + size > _maxPayloadChars) break; // the next round trip takes it
                _queue.Reader.TryRead(out _);
                // A change of a ledger that already had one fail is refused unsent (see ChangeOrigin).
                if (next.Change.Orphaned) Complete([[next]], [false], null);
                else
                {
                    group.Add(next);
                    chars += size;
                }
            }
            if (group.Count == 0) continue;
            try
            {
                // Each buffer's changes as one: one record update and one multi-row insert per buffer.
                var buffers = BufferChange.Chains(group, q => q.Change);
                var applied = await CommitGroupAsync(buffers.ConvertAll(b => BufferChange.Merge(b.ConvertAll(q => q.Change)))).ConfigureAwait(false);
                Interlocked.Increment(ref _roundTrips);
                for (var i = 0; i < buffers.Count; i++)
                    if (!applied[i]) buffers[i][0].Change.Origin?.Fail();
                Complete(buffers, applied, null);
            }
            catch (Exception ex)
            {
                // Nothing of the group is committed (one implicit transaction): every change in it is refused.
                foreach (var queued in group) queued.Change.Origin?.Fail();
                Complete([[.. group]], null, ex);
            }
        }
    }

    /// <summary>
    /// Commits <paramref name="group"/> in one round trip and one transaction; true at each position whose change
    /// was applied, false where the stored version was not the expected one. A buffer that appears twice (two
    /// activations' changes) goes in a later call of the same batch, which sees the earlier one's effect.
    /// </summary>
    private async Task<bool[]> CommitGroupAsync(List<BufferChange> group)
    {
        var layers = new List<List<int>>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < group.Count; i++)
        {
            var layer = seen[group[i].BufferId] = seen.GetValueOrDefault(group[i].BufferId) + 1;
            if (layers.Count < layer) layers.Add([]);
            layers[layer - 1].Add(i);
        }
        await using var connection = await _source.OpenConnectionAsync().ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        // One buffer (a hot buffer's group, a lone write) is cheaper with the one-buffer function.
        var single = layers.Count == 1 && layers[0].Count == 1;
        batch.BatchCommands.Add(single ? BufferCommand(group[0]) : GroupCommand(layers[0].ConvertAll(i => group[i])));
        foreach (var layer in layers.Skip(1)) batch.BatchCommands.Add(GroupCommand(layer.ConvertAll(i => group[i])));
        var applied = new bool[group.Count];
        await using var reader = await batch.ExecuteReaderAsync().ConfigureAwait(false);
        foreach (var layer in layers)
        {
            if (!ReferenceEquals(layer, layers[0])) await reader.NextResultAsync().ConfigureAwait(false);
            await reader.ReadAsync().ConfigureAwait(false);
            if (single) applied[0] = reader.GetInt64(0) >= 0;
            else foreach (var position in reader.GetFieldValue<int[]>(0)) applied[layer[position - 1]] = true;
        }
        // Read to the end (the implicit transaction's commit): a failure there must not be acknowledged.
        while (await reader.NextResultAsync().ConfigureAwait(false)) { }
        return applied;
    }

    /// <summary><c>toolgrains_buffer_commit</c>: one buffer's change; answers its new version, or -1 when its stored version was not the expected one.</summary>
    private NpgsqlBatchCommand BufferCommand(BufferChange c)
    {
        var command = new NpgsqlBatchCommand("SELECT toolgrains_buffer_commit($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)");
        var p = command.Parameters;
        p.Add(new NpgsqlParameter<string> { TypedValue = _serviceId });
        p.Add(new NpgsqlParameter<string> { TypedValue = c.BufferId });
        p.Add(new NpgsqlParameter<long> { TypedValue = c.ExpectedVersion });
        p.Add(new NpgsqlParameter<string> { TypedValue = RecordJson(c) });
        p.Add(new NpgsqlParameter<long[]> { TypedValue = [.. c.Appended.Select(a => a.Sequence)] });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = [.. c.Appended.Select(a => a.Json)] });
        p.Add(new NpgsqlParameter<long[]> { TypedValue = [.. c.Sealed.Select(s => s.Number)] });
        p.Add(new NpgsqlParameter<long[]> { TypedValue = [.. c.Sealed.Select(s => s.LastSequence)] });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = [.. c.Sealed.Select(s => s.Reason)] });
        var removal = c.Removal;
        p.Add(new NpgsqlParameter<long?> { TypedValue = removal?.FromSequence });
        p.Add(new NpgsqlParameter<long?> { TypedValue = removal?.FromBatch });
        p.Add(new NpgsqlParameter<long?> { TypedValue = removal?.ThroughSequence });
        p.Add(new NpgsqlParameter<long> { TypedValue = c.VersionStep });
        return command;
    }

    /// <summary><c>toolgrains_buffer_commit_group</c>: the changes of several buffers, one each, as arrays; answers the 1-based positions applied.</summary>
    private NpgsqlBatchCommand GroupCommand(List<BufferChange> changes)
    {
        var items = changes.Sum(c => c.Appended.Count);
        var (itemOf, seqs, payloads) = (new int[items], new long[items], new string[items]);
        var (batchOf, numbers, lasts, reasons) = (new List<int>(), new List<long>(), new List<long>(), new List<string>());
        var n = 0;
        for (var k = 0; k < changes.Count; k++)
        {
            foreach (var item in changes[k].Appended) (itemOf[n], seqs[n], payloads[n++]) = (k + 1, item.Sequence, item.Json);
            foreach (var b in changes[k].Sealed)
            {
                batchOf.Add(k + 1);
                numbers.Add(b.Number);
                lasts.Add(b.LastSequence);
                reasons.Add(b.Reason);
            }
        }
        var command = new NpgsqlBatchCommand("SELECT toolgrains_buffer_commit_group($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)");
        var p = command.Parameters;
        p.Add(new NpgsqlParameter<string> { TypedValue = _serviceId });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = changes.ConvertAll(c => c.BufferId).ToArray() });
        p.Add(new NpgsqlParameter<long[]> { TypedValue = changes.ConvertAll(c => c.ExpectedVersion).ToArray() });
        p.Add(new NpgsqlParameter<long[]> { TypedValue = changes.ConvertAll(c => (long)c.VersionStep).ToArray() });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = changes.ConvertAll(RecordJson).ToArray() });
        var removals = changes.ConvertAll(c => c.Removal);
        p.Add(new NpgsqlParameter<long?[]> { TypedValue = removals.ConvertAll(r => r?.FromSequence).ToArray() });
        p.Add(new NpgsqlParameter<long?[]> { TypedValue = removals.ConvertAll(r => r?.FromBatch).ToArray() });
        p.Add(new NpgsqlParameter<long?[]> { TypedValue = removals.ConvertAll(r => r?.ThroughSequence).ToArray() });
        p.Add(new NpgsqlParameter<int[]> { TypedValue = itemOf });
        p.Add(new NpgsqlParameter<long[]> { TypedValue = seqs });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = payloads });
        p.Add(new NpgsqlParameter<int[]> { TypedValue = [.. batchOf] });
        p.Add(new NpgsqlParameter<long[]> { TypedValue = [.. numbers] });
        p.Add(new NpgsqlParameter<long[]> { TypedValue = [.. lasts] });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = [.. reasons] });
        return command;
    }

    /// <summary>Never throws, whatever the change holds: it is measured outside the round trip's error handling.</summary>
    private static long PayloadChars(BufferChange change)
    {
        long chars = 0;
        if (change.Appended is { } appended)
            foreach (var item in appended) chars += (item.Json?.Length ?? 0) + ItemOverheadChars;
        return chars;
    }

    private static string RecordJson(BufferChange change) => change.Record?.ToJson()
        ?? throw new InvalidOperationException($"Buffer '{change.BufferId}': a change without its record (this store does not take plain appends).");

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        await _source.DisposeAsync();
    }

    /// <summary>
    /// Completes the group's changes on a pool thread, so the writer goes on to the next round trip; each awaiting
    /// grain's continuation only posts itself to its grain's scheduler.
    /// </summary>
    private static void Complete(List<List<Queued>> buffers, bool[]? applied, Exception? error) =>
        ThreadPool.UnsafeQueueUserWorkItem<object?>(_ =>
        {
            for (var i = 0; i < buffers.Count; i++)
                foreach (var queued in buffers[i])
                {
                    if (error is not null) queued.Done.TrySetException(error);
                    else if (!applied![i]) queued.Done.TrySetException(new BufferVersionConflictException(queued.Change.BufferId, queued.Change.ExpectedVersion));
                    else queued.Done.TrySetResult();
                }
        }, null, preferLocal: false);

    private sealed record Queued(BufferChange Change)
    {
        public TaskCompletionSource Done { get; } = new();
    }
}
