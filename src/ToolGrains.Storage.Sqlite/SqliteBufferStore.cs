using Microsoft.Data.Sqlite;
using ToolGrains.Core.Buffers;

namespace ToolGrains.Storage.Sqlite;

/// <summary>
/// Buffer items in the embedded SQLite file. Changes go through <see cref="SqliteDatabase"/>'s single writer,
/// so changes of all buffers that arrive together share one transaction (each buffer in its own savepoint).
/// </summary>
public sealed class SqliteBufferStore(SqliteDatabase database, string serviceId) : IBufferStore
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<Queued> _queue = new();
    private int _scheduled;

    public long RoundTrips => database.TransactionsCommitted;

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
    /// One write of the database's next group transaction takes every change queued by then, merges each
    /// buffer's changes into one (one record update, one run of inserts) and applies each buffer in its own
    /// savepoint; the changes complete when that transaction has committed.
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
                Interlocked.Exchange(ref _scheduled, 0); // a change queued from here on schedules the next flush
                while (_queue.TryDequeue(out var next)) taken.Add(next);
                foreach (var run in BufferChange.Chains(taken, q => q.Change))
                {
                    SqliteDatabase.Execute(connection, "SAVEPOINT b;");
                    try
                    {
                        Apply(connection, BufferChange.Merge(run.Select(q => q.Change).ToList()));
                        SqliteDatabase.Execute(connection, "RELEASE b;");
                    }
                    catch (Exception ex)
                    {
                        SqliteDatabase.Execute(connection, "ROLLBACK TO b; RELEASE b;");
                        foreach (var queued in run) failed[queued] = ex;
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
            foreach (var queued in taken)
            {
                if (t.Exception is { } ex) queued.Done.TrySetException(ex.InnerException ?? ex);
                else if (failed.TryGetValue(queued, out var error)) queued.Done.TrySetException(error);
                else queued.Done.TrySetResult();
            }
        }, TaskScheduler.Default);
    }

    private void Apply(SqliteConnection connection, BufferChange change)
    {
        using var command = connection.CreateCommand();
        command.Parameters.AddWithValue("$svc", serviceId);
        command.Parameters.AddWithValue("$b", change.BufferId);
        command.Parameters.AddWithValue("$v", change.ExpectedVersion);
        command.Parameters.AddWithValue("$new", change.NewVersion);
        command.Parameters.AddWithValue("$r", change.RecordJson);
        command.CommandText = change.ExpectedVersion == 0
            ? "INSERT INTO buffer (service_id, buffer_id, version, record) VALUES ($svc, $b, $new, $r) ON CONFLICT DO NOTHING"
            : "UPDATE buffer SET version = $new, record = $r WHERE service_id = $svc AND buffer_id = $b AND version = $v";
        if (command.ExecuteNonQuery() == 0) throw new BufferVersionConflictException(change.BufferId, change.ExpectedVersion);

        if (change.RemoveAll || change.RemoveThroughSequence is not null)
        {
            command.Parameters.AddWithValue("$through", change.RemoveAll ? long.MaxValue : change.RemoveThroughSequence!.Value);
            command.CommandText = "DELETE FROM buffer_item WHERE service_id = $svc AND buffer_id = $b AND seq <= $through";
            command.ExecuteNonQuery();
            command.CommandText = "DELETE FROM buffer_batch WHERE service_id = $svc AND buffer_id = $b AND last_seq <= $through";
            command.ExecuteNonQuery();
        }
        if (change.Appended.Count > 0) Insert(connection, change,
            "INSERT INTO buffer_item (service_id, buffer_id, seq, payload) VALUES ($svc, $b, $1, $2)",
            change.Appended, (c, item) => { c.Parameters["$1"].Value = item.Sequence; c.Parameters["$2"].Value = item.Json; });
        if (change.Sealed.Count > 0) Insert(connection, change,
            "INSERT INTO buffer_batch (service_id, buffer_id, batch_no, last_seq, reason) VALUES ($svc, $b, $1, $2, $3)",
            change.Sealed, (c, batch) => { c.Parameters["$1"].Value = batch.Number; c.Parameters["$2"].Value = batch.LastSequence; c.Parameters["$3"].Value = batch.Reason; });
    }

    private sealed class Queued(BufferChange change) // reference identity: the key of its result
    {
        public BufferChange Change { get; } = change;
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private void Insert<T>(SqliteConnection connection, BufferChange change, string sql, IReadOnlyList<T> rows, Action<SqliteCommand, T> bind)
    {
        using var insert = connection.CreateCommand();
        insert.CommandText = sql;
        insert.Parameters.AddWithValue("$svc", serviceId);
        insert.Parameters.AddWithValue("$b", change.BufferId);
        // Typed by their values at each row; the command keeps its compiled statement across rows.
        foreach (var name in new[] { "$1", "$2", "$3" }) insert.Parameters.Add(new SqliteParameter { ParameterName = name });
        foreach (var row in rows)
        {
            bind(insert, row);
            insert.ExecuteNonQuery();
        }
    }
}
