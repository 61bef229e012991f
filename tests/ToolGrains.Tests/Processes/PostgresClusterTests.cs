using System.Text.Json;
using ToolGrains.Tests.Infrastructure;

namespace ToolGrains.Tests.Processes;

/// <summary>Two silo processes on the postgres profile form one cluster; either gateway reaches the same grain.</summary>
[Collection(ProcessCollection.Name)]
public sealed class PostgresClusterTests(PostgresServer server) : IClassFixture<PostgresServer>
{
    [Fact]
    public async Task Two_silos_cluster_and_either_gateway_reaches_the_same_grain()
    {
        var connection = await server.CreateDatabaseAsync("cluster");
        var settings = new Dictionary<string, string> { ["Storage"] = "postgres", ["ConnectionString"] = connection, ["AdvertisedIp"] = "127.0.0.1" };
        var dir = Repo.NewTempDir("pgcluster");
        await using var first = await SiloProcess.StartAsync(dir, settings);
        await using var second = await SiloProcess.StartAsync(dir, settings);

        Assert.True(await Repo.WaitUntilAsync(async () =>
        {
            var status = await ProcessRunner.CliAsync(["--gateway", first.Gateway, "--json", "cluster", "status"]);
            return status.ExitCode == 0 && JsonDocument.Parse(status.Stdout).RootElement.GetProperty("active").GetInt32() == 2;
        }, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(1)), "the two silos did not see each other");

        for (var i = 0; i < 5; i++)
        {
            var write = await ProcessRunner.CliAsync(["--gateway", first.Gateway, "--json", "buffer", "write", $"shared-{i}", $"{i}", "--strategy", "manual"]);
            Assert.True(write.ExitCode == 0, write.ToString());
        }
        for (var i = 0; i < 5; i++)
        {
            var status = await ProcessRunner.CliAsync(["--gateway", second.Gateway, "--json", "buffer", "status", $"shared-{i}"]);
            Assert.True(status.ExitCode == 0, status.ToString());
            Assert.Equal(1, JsonDocument.Parse(status.Stdout).RootElement.GetProperty("total_written").GetInt64());
        }

        // The CLI can also find the gateways in PostgreSQL instead of being told one.
        var discovered = await ProcessRunner.CliAsync(["--postgres", connection, "--json", "cluster", "status"]);
        Assert.True(discovered.ExitCode == 0, discovered.ToString());
        Assert.Equal(2, JsonDocument.Parse(discovered.Stdout).RootElement.GetProperty("active").GetInt32());
    }
}
