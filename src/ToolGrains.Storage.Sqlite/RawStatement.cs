using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace ToolGrains.Storage.Sqlite;

/// <summary>
/// A statement prepared once on a connection and run many times with new values, without ADO.NET's command
/// layer. Text is encoded into one reusable buffer (SQLite copies it at bind time), so a run allocates nothing.
/// Parameters are numbered (<c>?1</c>, <c>?2</c>, …); ?1 and ?2 are the row's key (<see cref="Key"/>).
/// Used only on the connection's own thread.
/// </summary>
internal sealed class RawStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;
    private byte[] _utf8 = new byte[256];

    public RawStatement(SqliteConnection connection, string sql)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        Check(raw.sqlite3_prepare_v3(_db, sql, raw.SQLITE_PREPARE_PERSISTENT, out _statement));
    }

    public RawStatement Key(string serviceId, string bufferId) => Text(1, serviceId).Text(2, bufferId);

    public RawStatement Text(int index, string value)
    {
        // Encoded here, as ADO.NET does (an unpaired surrogate becomes U+FFFD): SQLite's own UTF-16 conversion
        // merged one with the next character. SQLite copies the bytes at once, so one buffer serves every value.
        // An empty span would be bound as NULL (no pointer), so "" goes through the string overload.
        if (value.Length == 0)
        {
            Check(raw.sqlite3_bind_text(_statement, index, value));
            return this;
        }
        var most = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (_utf8.Length < most) _utf8 = new byte[Math.Max(most, 2 * _utf8.Length)];
        Check(raw.sqlite3_bind_text(_statement, index, _utf8.AsSpan(0, Encoding.UTF8.GetBytes(value, _utf8))));
        return this;
    }

    public RawStatement Int(int index, long value)
    {
        Check(raw.sqlite3_bind_int64(_statement, index, value));
        return this;
    }

    /// <summary>Runs the statement to its end; returns the rows it changed.</summary>
    public int Run()
    {
        Step(rowAllowed: false);
        return raw.sqlite3_changes(_db);
    }

    /// <summary>Runs a query; whether it found a row.</summary>
    public bool Exists() => Step(rowAllowed: true) == raw.SQLITE_ROW;

    /// <summary>One step, then a reset so the statement can be bound again (also after an error, which the group's savepoint undoes).</summary>
    private int Step(bool rowAllowed)
    {
        try
        {
            var rc = raw.sqlite3_step(_statement);
            if (rc != raw.SQLITE_DONE && !(rowAllowed && rc == raw.SQLITE_ROW)) SqliteException.ThrowExceptionForRC(rc, _db);
            return rc;
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK) SqliteException.ThrowExceptionForRC(rc, _db);
    }

    public void Dispose() => _statement.Dispose();
}
