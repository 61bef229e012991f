using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using ToolGrains.Hosting;
using ToolGrains.Tests.Infrastructure;

namespace ToolGrains.Tests.Storage;

/// <summary>The storage half of readiness on PostgreSQL: the database answers and holds the buffer functions this version calls.</summary>
[Collection(PostgresCollection.Name)]
public sealed class StorageProbeTests(PostgresServer server)
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task A_database_without_what_this_version_uses_is_not_ready_and_the_probe_says_what_to_apply(int missing)
    {
        var connectionString = await server.CreateDatabaseAsync("probe");
        var probe = new StorageProbe(new ServiceCollection().BuildServiceProvider(),
            Options.Create(new ToolGrainsOptions { Storage = "postgres", ConnectionString = connectionString }));
        Assert.Equal((true, "postgres"), await probe.CheckAsync(CancellationToken.None));

        // As a database set up by an earlier version is: without one of this version's functions or its chunk table.
        var (kind, name) = PostgresBufferStore.RequiredObjects[missing];
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP {kind.ToUpperInvariant()} {name}", connection);
            await drop.ExecuteNonQueryAsync();
        }
        var (ok, detail) = await probe.CheckAsync(CancellationToken.None);
        Assert.False(ok);
        Assert.Contains("005-buffers.sql", detail);
        Assert.Contains($"{kind} {name} is missing", detail);
    }

    [Fact]
    public async Task A_database_that_still_holds_the_row_per_item_table_is_not_ready()
    {
        // As after applying 005-buffers.sql without --single-transaction, when its migration step failed: the new
        // chunk table beside the old item table (and perhaps the old functions, which write there).
        var connectionString = await server.CreateDatabaseAsync("probe_item_table");
        var probe = new StorageProbe(new ServiceCollection().BuildServiceProvider(),
            Options.Create(new ToolGrainsOptions { Storage = "postgres", ConnectionString = connectionString }));
        Assert.Equal((true, "postgres"), await probe.CheckAsync(CancellationToken.None));
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand(
                $"CREATE TABLE {PostgresBufferStore.RetiredItemTable} (service_id text, buffer_id text, seq bigint, payload text)", connection);
            await create.ExecuteNonQueryAsync();
        }
        var (ok, detail) = await probe.CheckAsync(CancellationToken.None);
        Assert.False(ok);
        Assert.Contains($"table {PostgresBufferStore.RetiredItemTable} of an earlier version still exists", detail);
        Assert.Contains("--single-transaction", detail);
    }
}
