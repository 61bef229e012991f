using System.Text.Json;
using ToolGrains.Tests.Infrastructure;

namespace ToolGrains.Tests.Processes;

/// <summary><c>toolgrains invoke</c> against a real silo process that loaded the repository's tools/ at start.</summary>
[Collection(ProcessCollection.Name)]
public sealed class InvokeCliTests
{
    [Fact]
    public async Task Invoke_shows_the_attempts_and_the_silo_learns_across_calls()
    {
        var dir = Repo.NewTempDir("invoke-cli");
        await using var silo = await SiloProcess.StartAsync(dir, new()
        {
            ["DataDir"] = Path.Combine(dir, "data"),
            ["ToolsDir"] = Repo.PathOf("tools"),
        });
        string[] Cli(params string[] args) => ["--gateway", silo.Gateway, .. args];
        Assert.True(await Repo.WaitUntilAsync(async () =>
            (await ProcessRunner.CliAsync(Cli("--json", "tools", "list"))).Stdout.Contains("offline_translator"), TimeSpan.FromSeconds(30)),
            "the silo did not register tools/*.yaml at start:\n" + silo.Log);

        var table = await ProcessRunner.CliAsync(Cli("invoke", "--scenario", "translate english to french",
            "--input", """{"text":"Hello world","target":"fr"}""", "--tags", "translation", "--max-attempts", "5"));
        Assert.True(table.ExitCode == 0, table.ToString());
        foreach (var expected in new[] { "nmt_translator", "google_translate", "offline_translator", "failure", "timeout", "success", "API key missing", "Bonjour monde", "score", "similarity" })
            Assert.True(table.Stdout.Contains(expected, StringComparison.Ordinal), $"{expected} not in:\n{table.Stdout}");
        Assert.True(table.Stdout.IndexOf("│ nmt_translator", StringComparison.Ordinal) < table.Stdout.IndexOf("│ offline_translator", StringComparison.Ordinal), table.Stdout);

        var json = await ProcessRunner.CliAsync(Cli("--json", "invoke", "--scenario", "analyze javascript code",
            "--input", """{"code":"var x = 1 == 2;","language":"javascript"}""", "--tags", "code"));
        Assert.True(json.ExitCode == 0, json.ToString());
        var first = JsonDocument.Parse(json.Stdout).RootElement;
        Assert.Equal("javascript_analyzer", first.GetProperty("tool_id").GetString());
        Assert.Equal(["python_code_analyzer", "javascript_analyzer"], first.GetProperty("attempts").EnumerateArray().Select(a => a.GetProperty("tool_id").GetString()));
        Assert.Equal("no-var", first.GetProperty("result").GetProperty("warnings")[0].GetProperty("rule").GetString());

        var again = await ProcessRunner.CliAsync(Cli("--json", "invoke", "--scenario", "analyze javascript code",
            "--input", """{"code":"let y = 2;","language":"javascript"}""", "--tags", "code"));
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal("javascript_analyzer", Assert.Single(JsonDocument.Parse(again.Stdout).RootElement.GetProperty("attempts").EnumerateArray()).GetProperty("tool_id").GetString());

        var show = await ProcessRunner.CliAsync(Cli("--json", "tools", "show", "python_code_analyzer"));
        var status = JsonDocument.Parse(show.Stdout).RootElement;
        Assert.Equal(0.8, status.GetProperty("quality").GetDouble(), 6);
        Assert.Contains("not-for-javascript", status.GetProperty("negative_tags").EnumerateArray().Select(t => t.GetString()));

        // The JSON form through `call`, and the error contract.
        var call = await ProcessRunner.CliAsync(Cli("call", "resilient_tool_call"),
            stdin: """{"scenario":"translate english to french","input_data":{"text":"the cat"},"tags":["translation"],"max_attempts":1}""");
        Assert.True(call.ExitCode == 0, call.ToString());
        Assert.Equal(1, JsonDocument.Parse(call.Stdout).RootElement.GetProperty("attempts").GetArrayLength());

        var none = await ProcessRunner.CliAsync(Cli("invoke", "--scenario", "x", "--tags", "no-such-tag"));
        Assert.Equal(2, none.ExitCode);
        Assert.Equal("no_candidates", JsonDocument.Parse(none.Stdout).RootElement.GetProperty("error").GetProperty("code").GetString());
        var badInput = await ProcessRunner.CliAsync(Cli("invoke", "--scenario", "x", "--input", "{not json"));
        Assert.Equal(2, badInput.ExitCode);
        Assert.Equal("input_data", JsonDocument.Parse(badInput.Stdout).RootElement.GetProperty("error").GetProperty("field").GetString());
    }
}
