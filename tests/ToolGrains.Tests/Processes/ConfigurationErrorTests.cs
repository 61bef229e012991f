using System.Net;
using System.Net.Sockets;
using ToolGrains.Tests.Infrastructure;

namespace ToolGrains.Tests.Processes;

/// <summary>A bad configuration stops the real silo at start-up with one line naming the key, and a non-zero exit.</summary>
[Collection(ProcessCollection.Name)]
public sealed class ConfigurationErrorTests
{
    private static async Task<(int Exit, string Log)> StartWithAsync(Dictionary<string, string> settings, int? gatewayPort = null)
    {
        var dir = Repo.NewTempDir("cfg");
        settings.TryAdd("DataDir", Path.Combine(dir, "data"));
        await using var silo = await SiloProcess.StartAsync(dir, settings, gatewayPort: gatewayPort, waitReady: false);
        var exit = await silo.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return (exit, silo.Log);
    }

    [Fact]
    public async Task Unknown_storage_profile()
    {
        var (exit, log) = await StartWithAsync(new() { ["Storage"] = "mongodb" });
        Assert.NotEqual(0, exit);
        Assert.Contains("ToolGrains:Storage", log);
        Assert.Contains("mongodb", log);
    }

    [Fact]
    public async Task Postgres_without_a_connection_string()
    {
        var (exit, log) = await StartWithAsync(new() { ["Storage"] = "postgres" });
        Assert.NotEqual(0, exit);
        Assert.Contains("ToolGrains:ConnectionString", log);
    }

    [Fact]
    public async Task A_port_in_use()
    {
        using var squatter = new TcpListener(IPAddress.Any, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var (exit, log) = await StartWithAsync(new(), gatewayPort: port);
        Assert.NotEqual(0, exit);
        Assert.Contains($"ToolGrains:GatewayPort: port {port} is already in use", log);
    }

    [Fact]
    public async Task A_data_dir_that_cannot_be_written()
    {
        var dir = Repo.NewTempDir("cfg-file");
        var file = Path.Combine(dir, "not-a-folder");
        await File.WriteAllTextAsync(file, "a file where a folder should be");
        var (exit, log) = await StartWithAsync(new() { ["DataDir"] = Path.Combine(file, "data") });
        Assert.NotEqual(0, exit);
        Assert.Contains("ToolGrains:DataDir", log);
        Assert.DoesNotContain("   at ", log); // one line, not a stack trace
    }

    [Fact]
    public async Task An_unknown_embedder()
    {
        var (exit, log) = await StartWithAsync(new() { ["Embeddings"] = "word2vec" });
        Assert.NotEqual(0, exit);
        Assert.Contains("ToolGrains:Embeddings", log);
        Assert.Contains("word2vec", log);
    }

    [Fact]
    public async Task A_reputation_policy_out_of_range()
    {
        var (exit, log) = await StartWithAsync(new() { ["Reputation:HighDemotion"] = "1.5" });
        Assert.NotEqual(0, exit);
        Assert.Contains("ToolGrains:Reputation", log);
        Assert.Contains("HighDemotion", log);
        Assert.DoesNotContain("   at ", log);
    }
}
