using Microsoft.Data.Sqlite;
using Orleans.Runtime;
using Orleans.Storage;

namespace ToolGrains.Storage.Sqlite;

/// <summary>
/// Orleans grain storage in a SQLite file. The ETag is a row version: a write or clear with a stale
/// ETag is refused with <see cref="InconsistentStateException"/>, so two activations of one grain cannot
/// overwrite each other.
/// </summary>
public sealed class SqliteGrainStorage(string name, SqliteDatabase database, IGrainStorageSerializer serializer) : IGrainStorage
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var key = grainId.ToString();
        return database.ReadAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT etag, payload FROM grain_state WHERE provider = $p AND state_name = $s AND grain_id = $g";
            AddKey(command, stateName, key);
            using var reader = command.ExecuteReader();
            if (!reader.Read())
            {
                grainState.State = Activator.CreateInstance<T>();
                grainState.ETag = null;
                grainState.RecordExists = false;
                return true;
            }
            var etag = reader.GetInt64(0);
            var payload = (byte[])reader.GetValue(1);
            grainState.State = serializer.Deserialize<T>(new BinaryData(payload));
            grainState.ETag = etag.ToString(System.Globalization.CultureInfo.InvariantCulture);
            grainState.RecordExists = true;
            return true;
        });
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var key = grainId.ToString();
        var payload = serializer.Serialize(grainState.State).ToArray();
        var expected = ParseETag(grainState.ETag);
        var now = DateTime.UtcNow.ToString("O");
        var newETag = await database.WriteAsync(connection =>
        {
            using var command = connection.CreateCommand();
            if (expected is null)
            {
                command.CommandText = """
                    INSERT INTO grain_state (provider, state_name, grain_id, etag, payload, updated_at)
                    VALUES ($p, $s, $g, 1, $payload, $now) ON CONFLICT DO NOTHING
                    """;
            }
            else
            {
                command.CommandText = """
                    UPDATE grain_state SET etag = etag + 1, payload = $payload, updated_at = $now
                    WHERE provider = $p AND state_name = $s AND grain_id = $g AND etag = $etag
                    """;
                command.Parameters.AddWithValue("$etag", expected.Value);
            }
            AddKey(command, stateName, key);
            command.Parameters.AddWithValue("$payload", payload);
            command.Parameters.AddWithValue("$now", now);
            if (command.ExecuteNonQuery() == 0)
                throw Conflict("write", stateName, key, grainState.ETag, CurrentETag(connection, stateName, key));
            return (expected ?? 0) + 1;
        });
        grainState.ETag = newETag.ToString(System.Globalization.CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var key = grainId.ToString();
        var expected = ParseETag(grainState.ETag);
        await database.WriteAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM grain_state WHERE provider = $p AND state_name = $s AND grain_id = $g AND etag = $etag";
            AddKey(command, stateName, key);
            command.Parameters.AddWithValue("$etag", expected ?? -1);
            if (command.ExecuteNonQuery() == 0)
            {
                var current = CurrentETag(connection, stateName, key);
                if (current is not null || expected is not null)
                    throw Conflict("clear", stateName, key, grainState.ETag, current);
            }
            return true;
        });
        grainState.State = Activator.CreateInstance<T>();
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    private void AddKey(SqliteCommand command, string stateName, string grainId)
    {
        command.Parameters.AddWithValue("$p", name);
        command.Parameters.AddWithValue("$s", stateName);
        command.Parameters.AddWithValue("$g", grainId);
    }

    private long? CurrentETag(SqliteConnection connection, string stateName, string grainId)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT etag FROM grain_state WHERE provider = $p AND state_name = $s AND grain_id = $g";
        AddKey(command, stateName, grainId);
        return command.ExecuteScalar() is long etag ? etag : null;
    }

    private static long? ParseETag(string? etag) =>
        etag is null ? null : long.Parse(etag, System.Globalization.CultureInfo.InvariantCulture);

    private InconsistentStateException Conflict(string what, string stateName, string grainId, string? expected, long? current) =>
        new($"SQLite storage '{name}': {what} of state '{stateName}' for {grainId} refused: ETag {expected ?? "(none)"} is stale.",
            storedEtag: current?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(none)",
            currentEtag: expected ?? "(none)");
}
