using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace ToolGrains.Storage.Sqlite;

/// <summary>
/// A statement prepared once on a connection and run many times with new values, without ADO.NET's command
/// layer. Values are bound as UTF-16 straight from the strings (SQLite copies them), so a run allocates nothing.
/// Parameters are numbered (<c>?1</c>, <c>?2</c>, …); ?1 and ?2 are the row's key (<see cref="Key"/>).
/// Used only on the connection's own thread.
/// </summary>
internal sealed class RawStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;

    public RawStatement(SqliteConnection connection, string sql)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        var rc = raw.sqlite3_prepare_v3(_db, sql, raw.SQLITE_PREPARE_PERSISTENT, out _statement);
        if (rc != raw.SQLITE_OK) SqliteException.ThrowExceptionForRC(rc, _db);
    }

    public RawStatement Key(string serviceId, string bufferId) => Text(1, serviceId).Text(2, bufferId);

    public RawStatement Text(int index, string value)
    {
        // An empty span would be bound as NULL (no pointer), so "" goes through the UTF-8 overload.
        var rc = value.Length == 0 ? raw.sqlite3_bind_text(_statement, index, value) : raw.sqlite3_bind_text16(_statement, index, value.AsSpan());
        if (rc != raw.SQLITE_OK) SqliteException.ThrowExceptionForRC(rc, _db);
        return this;
    }

    public RawStatement Int(int index, long value)
    {
        var rc = raw.sqlite3_bind_int64(_statement, index, value);
        if (rc != raw.SQLITE_OK) SqliteException.ThrowExceptionForRC(rc, _db);
        return this;
    }

    /// <summary>Runs the statement to its end; returns the rows it changed.</summary>
    public int Run()
    {
        try
        {
            var rc = raw.sqlite3_step(_statement);
            if (rc != raw.SQLITE_DONE) SqliteException.ThrowExceptionForRC(rc, _db);
            return raw.sqlite3_changes(_db);
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    /// <summary>Runs a query; whether it found a row.</summary>
    public bool Exists()
    {
        try
        {
            var rc = raw.sqlite3_step(_statement);
            if (rc is not (raw.SQLITE_ROW or raw.SQLITE_DONE)) SqliteException.ThrowExceptionForRC(rc, _db);
            return rc == raw.SQLITE_ROW;
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    public void Dispose() => _statement.Dispose();
}
