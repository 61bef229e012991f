using Microsoft.Data.Sqlite;
using ToolGrains.Core.Buffers;

namespace ToolGrains.Storage.Sqlite;

/// <summary>
/// Buffer items in the embedded SQLite file. Changes go through <see cref="SqliteDatabase"/>'s single writer,
/// so changes of all buffers that arrive together share one transaction; a buffer whose version is stale fails alone.
/// </summary>
public sealed class SqliteBufferStore(SqliteDatabase database, string serviceId) : IBufferStore
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<Queued> _queue = new();
    private int _scheduled;
    private Statements? _statements;

    private long _flushes;

    /// <summary>Group writes of this store that committed (each one transaction; other writers' transactions are not counted).</summary>
    public long RoundTrips => Interlocked.Read(ref _flushes);

    /// <summary>One silo owns the file, and its ledgers count the items past the stored record in.</summary>
    public bool TakesPlainAppends => true;

    public Task<BufferSnapshot> LoadAsync(string bufferId, CancellationToken cancellationToken = default) =>
        database.ReadAsync(connection =>
        {
            using var transaction = connection.BeginTransaction(); // one consistent view of the three tables
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.Parameters.AddWithValue("$svc", serviceId);
            command.Parameters.AddWithValue("$b", bufferId);
            command.CommandText = "SELECT version, record FROM buffer WHERE service_id = $svc AND buffer_id = $b";
            long version;
            BufferRecord record;
            using (var reader = command.ExecuteReader())
            {
                if (!reader.Read()) return BufferSnapshot.Empty;
                version = reader.GetInt64(0);
                record = BufferRecord.FromJson(reader.GetString(1));
            }
            var items = new List<StoredItem>();
            command.CommandText = "SELECT seq, payload FROM buffer_item WHERE service_id = $svc AND buffer_id = $b ORDER BY seq";
            using (var reader = command.ExecuteReader())
                while (reader.Read()) items.Add(new StoredItem(reader.GetInt64(0), reader.GetString(1)));
            var batches = new List<BatchBoundary>();
            command.CommandText = "SELECT batch_no, last_seq, reason FROM buffer_batch WHERE service_id = $svc AND buffer_id = $b ORDER BY batch_no";
            using (var reader = command.ExecuteReader())
                while (reader.Read()) batches.Add(new BatchBoundary(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2)));
            return new BufferSnapshot(version, record, items, batches);
        });

    public Task CommitAsync(BufferChange change)
    {
        var queued = new Queued(change);
        _queue.Enqueue(queued);
        if (Interlocked.Exchange(ref _scheduled, 1) == 0) ScheduleFlush();
        return queued.Done.Task;
    }

    /// <summary>
    /// One write of the database's next group transaction (one at a time) takes every change queued by then, merges each
    /// buffer's changes into one (one record update, one run of inserts) and applies them; the changes complete
    /// when that transaction has committed.
    /// </summary>
    private void ScheduleFlush()
    {
        var taken = new List<Queued>();
        var failed = new Dictionary<Queued, Exception>();
        Task<bool> write;
        try
        {
            write = database.WriteAsync(connection =>
            {
                while (_queue.TryDequeue(out var next)) taken.Add(next);
                var st = Prepared(connection);
                foreach (var run in BufferChange.Chains(taken, q => q.Change))
                {
                    // A stale version is found by the record update (or the version check), before anything of
                    // the buffer is written, so that buffer fails alone without a savepoint; so do the changes of
                    // a ledger that already had one fail. Any other error fails the whole group (the database
                    // rolls this write back), and nothing in it is acknowledged.
                    if (run[0].Change.Orphaned || !Apply(st, BufferChange.Merge(run.ConvertAll(q => q.Change))))
                    {
                        run[0].Change.Origin?.Fail();
                        foreach (var queued in run) failed[queued] = new BufferVersionConflictException(queued.Change.BufferId, queued.Change.ExpectedVersion);
                    }
                }
                return true;
            });
        }
        catch (Exception ex) // the database is disposed: nothing queued will be written
        {
            Interlocked.Exchange(ref _scheduled, 0);
            while (_queue.TryDequeue(out var next)) next.Done.TrySetException(ex);
            return;
        }
        write.ContinueWith(t =>
        {
            if (t.Exception is null) Interlocked.Increment(ref _flushes);
            else foreach (var queued in taken) queued.Change.Origin?.Fail(); // before the next group, which may hold their later changes
            // One flush at a time: what was queued while this one ran goes in the next, so groups grow with load.
            // A change queued before the reset found the flag set and relies on this check; one after it schedules.
            Interlocked.Exchange(ref _scheduled, 0);
            if (!_queue.IsEmpty && Interlocked.Exchange(ref _scheduled, 1) == 0) ScheduleFlush();
            foreach (var queued in taken)
            {
                if (t.Exception is { } ex) queued.Done.TrySetException(ex.InnerException ?? ex);
                else if (failed.TryGetValue(queued, out var error)) queued.Done.TrySetException(error);
                else queued.Done.TrySetResult();
            }
        }, TaskScheduler.Default);
    }

    /// <summary>Applies <paramref name="change"/>; false, with nothing written, when the stored version is not the expected one.</summary>
    private bool Apply(Statements st, BufferChange change)
    {
        var id = change.BufferId;
        if (change.Record is null)
        {
            // An append that leaves the record as it is: the version is checked, not rewritten.
            if (!st.CheckVersion.Key(serviceId, id).Int(3, change.ExpectedVersion).Exists()) return false;
        }
        else
        {
            var record = change.ExpectedVersion == 0 ? st.InsertRecord : st.UpdateRecord;
            if (record.Key(serviceId, id).Int(3, change.ExpectedVersion).Int(4, change.NewVersion).Text(5, change.Record.ToJson()).Run() == 0) return false;
        }

        if (change.Removal is var (fromSequence, fromBatch, through))
        {
            st.DeleteItems.Key(serviceId, id).Int(3, fromSequence).Int(4, through).Run();
            st.DeleteBatches.Key(serviceId, id).Int(3, fromBatch).Int(4, through).Run();
        }
        foreach (var item in change.Appended)
            st.InsertItem.Key(serviceId, id).Int(3, item.Sequence).Text(4, item.Json).Run();
        foreach (var batch in change.Sealed)
            st.InsertBatch.Key(serviceId, id).Int(3, batch.Number).Int(4, batch.LastSequence).Text(5, batch.Reason).Run();
        return true;
    }

    /// <summary>
    /// The statements of a group, prepared once on the database's writer connection (every change is applied
    /// there, inside the group's transaction) and finalised when that connection closes.
    /// </summary>
    private Statements Prepared(SqliteConnection connection)
    {
        if (_statements is { } st && ReferenceEquals(st.Connection, connection)) return st;
        _statements = st = new Statements(connection);
        database.DisposeWithWriter(st);
        return st;
    }

    /// <summary>
    /// The hot path's statements as SQLite's own prepared statements: per change, ADO.NET's command layer cost
    /// more than the statements themselves (a reader, parameter objects and a UTF-8 copy per value).
    /// </summary>
    private sealed class Statements : IDisposable
    {
        private readonly List<RawStatement> _prepared = [];

        public Statements(SqliteConnection connection)
        {
            Connection = connection;
            try
            {
                InsertRecord = Prepare("INSERT INTO buffer (service_id, buffer_id, version, record) SELECT ?1, ?2, ?4, ?5 WHERE ?3 = 0 ON CONFLICT DO NOTHING");
                UpdateRecord = Prepare("UPDATE buffer SET version = ?4, record = ?5 WHERE service_id = ?1 AND buffer_id = ?2 AND version = ?3");
                CheckVersion = Prepare("SELECT 1 FROM buffer WHERE service_id = ?1 AND buffer_id = ?2 AND version = ?3");
                DeleteItems = Prepare("DELETE FROM buffer_item WHERE service_id = ?1 AND buffer_id = ?2 AND seq >= ?3 AND seq <= ?4");
                DeleteBatches = Prepare("DELETE FROM buffer_batch WHERE service_id = ?1 AND buffer_id = ?2 AND batch_no >= ?3 AND last_seq <= ?4");
                InsertItem = Prepare("INSERT INTO buffer_item (service_id, buffer_id, seq, payload) VALUES (?1, ?2, ?3, ?4)");
                InsertBatch = Prepare("INSERT INTO buffer_batch (service_id, buffer_id, batch_no, last_seq, reason) VALUES (?1, ?2, ?3, ?4, ?5)");
            }
            catch
            {
                Dispose(); // the ones prepared before the failure; the next group tries again
                throw;
            }
        }

        public SqliteConnection Connection { get; }
        public RawStatement InsertRecord { get; }
        public RawStatement UpdateRecord { get; }
        public RawStatement CheckVersion { get; }
        public RawStatement DeleteItems { get; }
        public RawStatement DeleteBatches { get; }
        public RawStatement InsertItem { get; }
        public RawStatement InsertBatch { get; }

        private RawStatement Prepare(string sql)
        {
            var statement = new RawStatement(Connection, sql);
            _prepared.Add(statement);
            return statement;
        }

        public void Dispose()
        {
            foreach (var statement in _prepared) statement.Dispose();
            _prepared.Clear();
        }
    }

    private sealed class Queued(BufferChange change) // reference identity: the key of its result
    {
        public BufferChange Change { get; } = change;
        // Completed on a pool thread (never the database writer): a grain's continuation only posts to its scheduler.
        public TaskCompletionSource Done { get; } = new();
    }
}
