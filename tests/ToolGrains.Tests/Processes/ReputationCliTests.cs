using System.Text.Json;
using ToolGrains.Tests.Infrastructure;

namespace ToolGrains.Tests.Processes;

/// <summary>Tool reputation on the real silo process (default MiniLM embedder), driven through the real CLI.</summary>
[Collection(ProcessCollection.Name)]
public sealed class ReputationCliTests
{
    [Fact]
    public async Task Tools_are_registered_failed_shown_and_undeprecated_through_the_CLI()
    {
        var dir = Repo.NewTempDir("rep-cli");
        var tools = Directory.CreateDirectory(Path.Combine(dir, "mytools")).FullName;
        await File.WriteAllTextAsync(Path.Combine(tools, "analyzer.yaml"), """
            id: python_code_analyzer
            version: 1.0.0
            description: Analyzes code in any programming language
            tags: [code, analyzer]
            quality: 0.90
            builtin: log_batch_writer
            """);
        // Thresholds from configuration: one failure below 0.95 deprecates.
        await using var silo = await SiloProcess.StartAsync(dir, new()
        {
            ["DataDir"] = Path.Combine(dir, "data"),
            ["Reputation:DeprecationFailureCount"] = "0",
            ["Reputation:DeprecationQuality"] = "0.95",
        });
        string[] Cli(params string[] args) => ["--gateway", silo.Gateway, .. args];

        var register = await ProcessRunner.CliAsync(Cli("--json", "tools", "register", tools));
        Assert.True(register.ExitCode == 0, register.ToString());

        var list = await ProcessRunner.CliAsync(Cli("--json", "tools", "list"));
        Assert.True(list.ExitCode == 0, list.ToString());
        var ids = JsonDocument.Parse(list.Stdout).RootElement.EnumerateArray().Select(t => t.GetProperty("tool_id").GetString()).ToList();
        Assert.Contains("python_code_analyzer", ids);
        Assert.Contains("tool_usage_update", ids); // registered at start for the usage buffer

        var fail = await ProcessRunner.CliAsync(Cli("--json", "tools", "fail", "python_code_analyzer",
            "--scenario", "analyze javascript code", "--error", "UnsupportedLanguageError", "--severity", "high"));
        Assert.True(fail.ExitCode == 0, fail.ToString());
        var marked = JsonDocument.Parse(fail.Stdout).RootElement;
        Assert.Equal(0.8, marked.GetProperty("quality_after").GetDouble());
        Assert.Equal("not-for-javascript", Assert.Single(marked.GetProperty("negative_tags").EnumerateArray()).GetString());
        Assert.True(marked.GetProperty("deprecated").GetBoolean());

        var badSeverity = await ProcessRunner.CliAsync(Cli("--json", "tools", "fail", "python_code_analyzer", "--scenario", "x", "--severity", "fatal"));
        Assert.Equal(2, badSeverity.ExitCode);
        Assert.Equal("severity", JsonDocument.Parse(badSeverity.Stdout).RootElement.GetProperty("error").GetProperty("field").GetString());
        var unknown = await ProcessRunner.CliAsync(Cli("--json", "tools", "fail", "no_such_tool", "--scenario", "x"));
        Assert.Equal(3, unknown.ExitCode);

        var listed = await ProcessRunner.CliAsync(Cli("--json", "tools", "list"));
        var analyzer = JsonDocument.Parse(listed.Stdout).RootElement.EnumerateArray().Single(t => t.GetProperty("tool_id").GetString() == "python_code_analyzer");
        Assert.Equal(0.8, analyzer.GetProperty("quality").GetDouble());
        Assert.Equal(0.9, analyzer.GetProperty("registered_quality").GetDouble());
        Assert.True(analyzer.GetProperty("deprecated").GetBoolean());
        Assert.Equal(1, analyzer.GetProperty("failure_count").GetInt64());

        var show = await ProcessRunner.CliAsync(Cli("tools", "show", "python_code_analyzer"));
        Assert.True(show.ExitCode == 0, show.ToString());
        Assert.Contains("not-for-javascript", show.Stdout);
        Assert.Contains("recent failures", show.Stdout);
        Assert.True(show.Stdout.Contains("analyze javascript"), show.Stdout);

        var undeprecate = await ProcessRunner.CliAsync(Cli("--json", "tools", "undeprecate", "python_code_analyzer"));
        Assert.True(undeprecate.ExitCode == 0, undeprecate.ToString());
        var status = JsonDocument.Parse(undeprecate.Stdout).RootElement;
        Assert.False(status.GetProperty("deprecated").GetBoolean());
        Assert.Equal(1, status.GetProperty("failure_count").GetInt64());
        Assert.Equal("undeprecated", status.GetProperty("quality_history").EnumerateArray().Last().GetProperty("reason").GetString());
    }
}
