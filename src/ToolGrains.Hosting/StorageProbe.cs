using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using ToolGrains.Storage.Sqlite;

namespace ToolGrains.Hosting;

/// <summary>
/// The storage half of readiness: the profile's database answers, and on PostgreSQL holds the buffer schema this
/// version uses (and no longer the row-per-item table of an earlier one).
/// </summary>
public sealed class StorageProbe(IServiceProvider services, IOptions<ToolGrainsOptions> options)
{
    public async Task<(bool Ok, string Detail)> CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (options.Value.IsPostgres)
            {
                await using var connection = new NpgsqlConnection(options.Value.ConnectionString);
                await connection.OpenAsync(cancellationToken);
                // The buffer functions and tables this version uses, in one query: a database set up by an earlier
                // version answers queries but would refuse every buffer commit until 005-buffers.sql is applied again.
                var required = PostgresBufferStore.RequiredObjects;
                var checks = required.Select((o, i) => (o.Kind == "function" ? "to_regprocedure" : "to_regclass") + $"(${i + 1}) IS NOT NULL")
                    .Append($"to_regclass(${required.Length + 1}) IS NULL");
                await using var command = new NpgsqlCommand("SELECT ARRAY[" + string.Join(", ", checks) + "]", connection);
                foreach (var (_, name) in required) command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = PostgresBufferStore.RetiredItemTable });
                var present = (bool[])(await command.ExecuteScalarAsync(cancellationToken))!;
                for (var i = 0; i < required.Length; i++)
                    if (!present[i])
                        return (false, $"postgres: {required[i].Kind} {required[i].Name} is missing; apply deploy/sql/postgresql/005-buffers.sql of this version");
                if (!present[^1])
                    return (false, $"postgres: table {PostgresBufferStore.RetiredItemTable} of an earlier version still exists, so 005-buffers.sql "
                        + "did not complete; apply it again with psql --single-transaction");
                return (true, "postgres");
            }
            var database = services.GetRequiredService<SqliteDatabase>();
            await database.ReadAsync(c =>
            {
                using var command = c.CreateCommand();
                command.CommandText = "SELECT 1";
                return command.ExecuteScalar();
            });
            return (true, "sqlite");
        }
        catch (Exception ex)
        {
            return (false, ex.GetType().Name + ": " + ex.Message);
        }
    }
}
