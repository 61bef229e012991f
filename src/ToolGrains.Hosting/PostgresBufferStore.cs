using System.Threading.Channels;
using Npgsql;
using NpgsqlTypes;
using ToolGrains.Core.Buffers;

namespace ToolGrains.Hosting;

/// <summary>
/// Buffer items in PostgreSQL (deploy/sql/postgresql/005-buffers.sql). One writer per silo sends every change
/// queued meanwhile, from all buffers, as one batch of <c>toolgrains_buffer_commit</c> calls: one round trip and
/// one implicit transaction, so a change is acknowledged only once it and its neighbours are committed.
/// </summary>
public sealed class PostgresBufferStore : IBufferStore, IAsyncDisposable
{
    private const int MaxChangesPerRoundTrip = 512;
    private readonly Channel<Queued> _queue = Channel.CreateUnbounded<Queued>(new UnboundedChannelOptions { SingleReader = true });
    private readonly NpgsqlDataSource _source;
    private readonly string _serviceId;
    private readonly Task _writer;
    private long _roundTrips;

    public PostgresBufferStore(string connectionString, string serviceId)
    {
        _source = NpgsqlDataSource.Create(connectionString);
        _serviceId = serviceId;
        _writer = Task.Run(WriterLoopAsync);
    }

    public long RoundTrips => Interlocked.Read(ref _roundTrips);

    public async Task<BufferSnapshot> LoadAsync(string bufferId, CancellationToken cancellationToken = default)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        foreach (var sql in new[]
        {
            "SELECT version, record FROM toolgrains_buffer WHERE service_id = $1 AND buffer_id = $2",
            "SELECT seq, payload FROM toolgrains_buffer_item WHERE service_id = $1 AND buffer_id = $2 ORDER BY seq",
            "SELECT batch_no, last_seq, reason FROM toolgrains_buffer_batch WHERE service_id = $1 AND buffer_id = $2 ORDER BY batch_no",
        })
        {
            var command = new NpgsqlBatchCommand(sql);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _serviceId });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = bufferId });
            batch.BatchCommands.Add(command);
        }
        // One implicit transaction: the three reads see one state.
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return BufferSnapshot.Empty;
        var version = reader.GetInt64(0);
        var record = BufferRecord.FromJson(reader.GetString(1));
        await reader.NextResultAsync(cancellationToken);
        var items = new List<StoredItem>();
        while (await reader.ReadAsync(cancellationToken)) items.Add(new StoredItem(reader.GetInt64(0), reader.GetString(1)));
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
            while (group.Count < MaxChangesPerRoundTrip && _queue.Reader.TryRead(out var next)) group.Add(next);
            try
            {
                // Each buffer's changes as one: one record update and one multi-row insert per buffer.
                var buffers = BufferChange.Chains(group, q => q.Change);
                var versions = await CommitGroupAsync(buffers.Select(b => BufferChange.Merge(b.Select(q => q.Change).ToList())).ToList()).ConfigureAwait(false);
                Interlocked.Increment(ref _roundTrips);
                for (var i = 0; i < buffers.Count; i++)
                    foreach (var queued in buffers[i])
                    {
                        if (versions[i] < 0) queued.Done.TrySetException(new BufferVersionConflictException(queued.Change.BufferId, queued.Change.ExpectedVersion));
                        else queued.Done.TrySetResult();
                    }
            }
            catch (Exception ex)
            {
                // Nothing of the group is committed (one implicit transaction): every change in it is refused.
                foreach (var queued in group) queued.Done.TrySetException(ex);
            }
        }
    }

    private async Task<long[]> CommitGroupAsync(List<BufferChange> group)
    {
        await using var connection = await _source.OpenConnectionAsync().ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        foreach (var c in group)
        {
            var command = new NpgsqlBatchCommand("SELECT toolgrains_buffer_commit($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)");
            var p = command.Parameters;
            p.Add(new NpgsqlParameter<string> { TypedValue = _serviceId });
            p.Add(new NpgsqlParameter<string> { TypedValue = c.BufferId });
            p.Add(new NpgsqlParameter<long> { TypedValue = c.ExpectedVersion });
            p.Add(new NpgsqlParameter<string> { TypedValue = c.RecordJson });
            p.Add(new NpgsqlParameter<long[]> { TypedValue = c.Appended.Select(a => a.Sequence).ToArray() });
            p.Add(new NpgsqlParameter<string[]> { TypedValue = c.Appended.Select(a => a.Json).ToArray() });
            p.Add(new NpgsqlParameter<long[]> { TypedValue = c.Sealed.Select(s => s.Number).ToArray() });
            p.Add(new NpgsqlParameter<long[]> { TypedValue = c.Sealed.Select(s => s.LastSequence).ToArray() });
            p.Add(new NpgsqlParameter<string[]> { TypedValue = c.Sealed.Select(s => s.Reason).ToArray() });
            p.Add(new NpgsqlParameter { Value = c.RemoveAll ? long.MaxValue : c.RemoveThroughSequence is { } through ? through : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
            p.Add(new NpgsqlParameter<long> { TypedValue = c.VersionStep });
            batch.BatchCommands.Add(command);
        }
        var versions = new long[group.Count];
        await using var reader = await batch.ExecuteReaderAsync().ConfigureAwait(false);
        for (var i = 0; i < group.Count; i++)
        {
            if (i > 0) await reader.NextResultAsync().ConfigureAwait(false);
            await reader.ReadAsync().ConfigureAwait(false);
            versions[i] = reader.GetInt64(0);
        }
        // Read to the end (the implicit transaction's commit): a failure there must not be acknowledged.
        while (await reader.NextResultAsync().ConfigureAwait(false)) { }
        return versions;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        await _source.DisposeAsync();
    }

    private sealed record Queued(BufferChange Change)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
