using System.Text.Json;
using ToolGrains.Tests.Infrastructure;

namespace ToolGrains.Tests.Processes;

/// <summary>The real silo process on the embedded default, driven through the real CLI.</summary>
[Collection(ProcessCollection.Name)]
public sealed class EmbeddedSiloProcessTests
{
    [Fact]
    public async Task State_written_through_the_CLI_survives_kill_minus_9()
    {
        var dir = Repo.NewTempDir("embedded");
        var settings = new Dictionary<string, string> { ["DataDir"] = Path.Combine(dir, "data") };
        var silo = await SiloProcess.StartAsync(dir, settings);
        try
        {
            var write = await ProcessRunner.CliAsync(["--gateway", silo.Gateway, "--json", "buffer", "write", "survivor", """{"n":"ünïcode ✓"}""", "--strategy", "manual"]);
            Assert.True(write.ExitCode == 0, write.ToString());
            Assert.Equal(1, JsonDocument.Parse(write.Stdout).RootElement.GetProperty("buffered").GetInt32());

            var status = await ProcessRunner.CliAsync(["--gateway", silo.Gateway, "--json", "cluster", "status"]);
            Assert.True(status.ExitCode == 0, status.ToString());
            Assert.Equal(1, JsonDocument.Parse(status.Stdout).RootElement.GetProperty("active").GetInt32());

            await silo.KillAsync();
            await silo.DisposeAsync();
            silo = await SiloProcess.StartAsync(dir, settings, silo.SiloPort, silo.GatewayPort, silo.HttpPort);

            var flush = await ProcessRunner.CliAsync(["--gateway", silo.Gateway, "--json", "buffer", "flush", "survivor"]);
            Assert.True(flush.ExitCode == 0, flush.ToString());
            var items = JsonDocument.Parse(flush.Stdout).RootElement.GetProperty("items");
            Assert.Equal("ünïcode ✓", Assert.Single(items.EnumerateArray()).GetProperty("n").GetString());
        }
        finally
        {
            await silo.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_CLI_follows_the_error_contract()
    {
        var dir = Repo.NewTempDir("cli");
        await using var silo = await SiloProcess.StartAsync(dir, new() { ["DataDir"] = Path.Combine(dir, "data") });

        var unknown = await ProcessRunner.CliAsync(["--gateway", silo.Gateway, "--json", "call", "no_such_tool"], stdin: "{}");
        Assert.Equal(3, unknown.ExitCode);
        Assert.Equal("tool_not_found", JsonDocument.Parse(unknown.Stdout).RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Single(unknown.Stderr.Split('\n'));

        var notJson = await ProcessRunner.CliAsync(["--gateway", silo.Gateway, "call", "buffer"], stdin: "{not json");
        Assert.Equal(2, notJson.ExitCode);
        Assert.Equal("invalid_request", JsonDocument.Parse(notJson.Stdout).RootElement.GetProperty("error").GetProperty("code").GetString());

        var lines = await ProcessRunner.CliAsync(["--gateway", silo.Gateway, "call", "buffer", "--lines"], stdin:
            """
            {"operation":"write","buffer_id":"lines","data":1,"strategy":"manual"}
            {"operation":"write","buffer_id":"lines","data":2,"max_size":0}
            {"operation":"status","buffer_id":"lines"}
            """);
        Assert.Equal(2, lines.ExitCode);
        var answers = lines.Stdout.Split('\n').Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(3, answers.Count);
        Assert.Equal(1, answers[0].GetProperty("buffered").GetInt32());
        Assert.Equal("max_size", answers[1].GetProperty("error").GetProperty("field").GetString());
        Assert.Equal(1, answers[2].GetProperty("buffered").GetInt32());
    }

    [Fact]
    public async Task Health_dashboard_metrics_and_the_HTTP_call_endpoint_answer()
    {
        var dir = Repo.NewTempDir("http");
        await using var silo = await SiloProcess.StartAsync(dir, new() { ["DataDir"] = Path.Combine(dir, "data") });
        Assert.Contains("live", await silo.GetAsync("/health/live"));
        var ready = JsonDocument.Parse(await silo.GetAsync("/health/ready")).RootElement;
        Assert.True(ready.GetProperty("silo_active").GetBoolean());
        Assert.Equal("ok", ready.GetProperty("storage").GetString());
        Assert.Contains("<html", await silo.GetAsync("/dashboard/"), StringComparison.OrdinalIgnoreCase);

        using var http = new HttpClient();
        using var call = await http.PostAsync($"http://127.0.0.1:{silo.HttpPort}/api/call/buffer",
            new StringContent("""{"operation":"write","buffer_id":"http","data":{"a":1},"strategy":"manual"}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.True(call.IsSuccessStatusCode);
        // Not JSON by its Content-Type (what a web page could send without a CORS preflight): refused before any operation.
        using var plain = await http.PostAsync($"http://127.0.0.1:{silo.HttpPort}/api/call/buffer",
            new StringContent("""{"operation":"clear","buffer_id":"http"}"""));
        Assert.Equal(System.Net.HttpStatusCode.UnsupportedMediaType, plain.StatusCode);
        using var bad = await http.PostAsync($"http://127.0.0.1:{silo.HttpPort}/api/call/buffer", new StringContent("""{"operation":"write"}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
        using var missing = await http.PostAsync($"http://127.0.0.1:{silo.HttpPort}/api/call/nope", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);

        Assert.True(await Repo.WaitUntilAsync(async () =>
        {
            var metrics = await silo.GetAsync("/metrics");
            return metrics.Contains("toolgrains_buffer_items_written") && metrics.Contains("orleans_");
        }, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1)), "the ToolGrains and Orleans meters are not exported");
    }

    [Fact]
    public async Task An_unreachable_cluster_is_exit_4_within_10_seconds()
    {
        var started = DateTime.UtcNow;
        var result = await ProcessRunner.CliAsync(["--gateway", $"127.0.0.1:{Repo.FreePort()}", "--json", "cluster", "status"]);
        Assert.Equal(4, result.ExitCode);
        Assert.Equal("cluster_unreachable", JsonDocument.Parse(result.Stdout).RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10), $"took {DateTime.UtcNow - started}");
    }
}
