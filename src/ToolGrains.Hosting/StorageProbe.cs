using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using ToolGrains.Storage.Sqlite;

namespace ToolGrains.Hosting;

/// <summary>Answers whether the profile's database answers a trivial query: the storage half of readiness.</summary>
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
                // The buffer functions and tables this version uses: a database set up by an earlier version answers
                // queries but would refuse every buffer commit until 005-buffers.sql is applied again.
                foreach (var (kind, name) in PostgresBufferStore.RequiredObjects)
                {
                    await using var command = new NpgsqlCommand(
                        kind == "function" ? "SELECT to_regprocedure($1) IS NOT NULL" : "SELECT to_regclass($1) IS NOT NULL", connection);
                    command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
                    if (await command.ExecuteScalarAsync(cancellationToken) is not true)
                        return (false, $"postgres: {kind} {name} is missing; apply deploy/sql/postgresql/005-buffers.sql of this version");
                }
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
