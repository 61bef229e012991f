using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime;

namespace ToolGrains.Storage.Sqlite;

/// <summary>Orleans reminder table in the same SQLite file as grain state, so reminders survive a restart.</summary>
public sealed class SqliteReminderTable(SqliteDatabase database, IOptions<ClusterOptions> clusterOptions) : IReminderTable
{
    private readonly string _serviceId = clusterOptions.Value.ServiceId;

    public Task<ReminderTableData> ReadRows(GrainId grainId) =>
        Query("grain_id = $g", c => c.Parameters.AddWithValue("$g", grainId.ToString()));

    public Task<ReminderTableData> ReadRows(uint begin, uint end) =>
        // The ring range is (begin, end]; when begin >= end it wraps around zero.
        begin < end
            ? Query("grain_hash > $b AND grain_hash <= $e", c => AddRange(c, begin, end))
            : Query("(grain_hash > $b OR grain_hash <= $e)", c => AddRange(c, begin, end));

    public async Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName)
    {
        var rows = await Query("grain_id = $g AND reminder_name = $n", c =>
        {
            c.Parameters.AddWithValue("$g", grainId.ToString());
            c.Parameters.AddWithValue("$n", reminderName);
        });
        return rows.Reminders.FirstOrDefault();
    }

    public async Task<string?> UpsertRow(ReminderEntry entry)
    {
        var etag = await database.WriteAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = """
                INSERT INTO reminders (service_id, grain_id, reminder_name, grain_hash, start_at, period, etag)
                VALUES ($svc, $g, $n, $h, $start, $period, 1)
                ON CONFLICT (service_id, grain_id, reminder_name) DO UPDATE SET
                    start_at = excluded.start_at, period = excluded.period, grain_hash = excluded.grain_hash, etag = reminders.etag + 1
                RETURNING etag
                """;
            command.Parameters.AddWithValue("$svc", _serviceId);
            command.Parameters.AddWithValue("$g", entry.GrainId.ToString());
            command.Parameters.AddWithValue("$n", entry.ReminderName);
            command.Parameters.AddWithValue("$h", (long)entry.GrainId.GetUniformHashCode());
            command.Parameters.AddWithValue("$start", entry.StartAt.ToUniversalTime().Ticks);
            command.Parameters.AddWithValue("$period", entry.Period.Ticks);
            return (long)command.ExecuteScalar()!;
        });
        return etag.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag) =>
        database.WriteAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM reminders WHERE service_id = $svc AND grain_id = $g AND reminder_name = $n AND etag = $etag";
            command.Parameters.AddWithValue("$svc", _serviceId);
            command.Parameters.AddWithValue("$g", grainId.ToString());
            command.Parameters.AddWithValue("$n", reminderName);
            command.Parameters.AddWithValue("$etag", long.TryParse(eTag, out var e) ? e : -1);
            return command.ExecuteNonQuery() > 0;
        });

    public Task TestOnlyClearTable() =>
        database.WriteAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM reminders WHERE service_id = $svc";
            command.Parameters.AddWithValue("$svc", _serviceId);
            return command.ExecuteNonQuery();
        });

    private static void AddRange(SqliteCommand command, uint begin, uint end)
    {
        command.Parameters.AddWithValue("$b", (long)begin);
        command.Parameters.AddWithValue("$e", (long)end);
    }

    private Task<ReminderTableData> Query(string where, Action<SqliteCommand> bind) =>
        database.ReadAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT grain_id, reminder_name, start_at, period, etag FROM reminders WHERE service_id = $svc AND {where}";
            command.Parameters.AddWithValue("$svc", _serviceId);
            bind(command);
            using var reader = command.ExecuteReader();
            var entries = new List<ReminderEntry>();
            while (reader.Read())
            {
                entries.Add(new ReminderEntry
                {
                    GrainId = GrainId.Parse(reader.GetString(0)),
                    ReminderName = reader.GetString(1),
                    StartAt = new DateTime(reader.GetInt64(2), DateTimeKind.Utc),
                    Period = TimeSpan.FromTicks(reader.GetInt64(3)),
                    ETag = reader.GetInt64(4).ToString(System.Globalization.CultureInfo.InvariantCulture),
                });
            }
            return new ReminderTableData(entries);
        });
}
