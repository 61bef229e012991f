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
                await using var command = new NpgsqlCommand("SELECT 1", connection);
                await command.ExecuteScalarAsync(cancellationToken);
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
