using System.Text;
using System.Text.Json;
using ToolGrains.Tests.Infrastructure;

namespace ToolGrains.Tests.Specs;

/// <summary>extract_spec_from_file on the cluster and `toolgrains spec` on the command line.</summary>
[Collection(ClusterCollection.Name)]
public sealed class SpecProtocolTests(ClusterFixture fixture)
{
    private static string LargeSpec()
    {
        var text = new StringBuilder("# Orders API\n\n## Overview\n\nThe Orders API lets shops create and track orders.\n\n## Requirements\n\n");
        for (var i = 1; i <= 80; i++) text.Append($"- REQ-{i}: The service MUST accept order number {i} with a customer reference.\n");
        text.Append("\n## Constraints\n\n");
        for (var i = 1; i <= 30; i++) text.Append($"- Latency for call {i} MUST stay under {i * 10} ms at the 99th percentile.\n");
        text.Append("\n## Examples\n\n");
        for (var i = 1; i <= 12; i++) text.Append($"### Example {i}\n\n```json\n{{\"order\": {i}}}\n```\n\n");
        return text.ToString();
    }

    private string WriteFile(string name, string text)
    {
        var path = Path.Combine(fixture.DataDir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task A_large_spec_is_summarized_within_max_length_on_the_cluster()
    {
        var path = WriteFile($"spec-{Guid.NewGuid():N}.md", LargeSpec());
        var result = await fixture.CallOkAsync("extract_spec_from_file", JsonSerializer.Serialize(new { file_path = path, max_length = 3000 }));
        var overseer = result.GetProperty("overseer_spec").GetString()!;
        Assert.True(overseer.Length <= 3000, $"{overseer.Length} chars");
        Assert.Contains("The Orders API lets shops create and track orders.", overseer);
        Assert.Contains("REQ-1:", overseer);
        Assert.Contains("*Full specification:", overseer);
        Assert.True(result.GetProperty("stats").GetProperty("summarized").GetBoolean());
        Assert.Equal(80, result.GetProperty("sections").GetProperty("requirements").GetArrayLength());
        Assert.Equal(12, result.GetProperty("sections").GetProperty("code_blocks").GetArrayLength());
    }

    [Fact]
    public async Task Without_summarizing_the_overseer_spec_is_the_full_text()
    {
        var text = LargeSpec();
        var path = WriteFile($"full-{Guid.NewGuid():N}.md", text);
        var result = await fixture.CallOkAsync("extract_spec_from_file", JsonSerializer.Serialize(new { file_path = path, summarize = false }));
        Assert.Equal(text, result.GetProperty("overseer_spec").GetString());
        Assert.False(result.GetProperty("stats").GetProperty("summarized").GetBoolean());
    }

    [Theory]
    [InlineData("missing", "file_not_found", 3)]
    [InlineData("latin1", "not_utf8", 2)]
    [InlineData("empty", "empty_file", 2)]
    [InlineData("dir", "invalid_request", 2)]
    public async Task File_errors_have_their_codes(string kind, string code, int exitCode)
    {
        var path = kind switch
        {
            "missing" => Path.Combine(fixture.DataDir, "no-such-spec.md"),
            "latin1" => WriteBytes("latin1.md", [0x23, 0x20, 0x43, 0x61, 0x66, 0xE9, 0x0A]),
            "empty" => WriteFile("empty.md", ""),
            _ => fixture.DataDir,
        };
        var result = await fixture.CallAsync("extract_spec_from_file", JsonSerializer.Serialize(new { file_path = path }));
        Assert.Equal(code, result.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(exitCode, ErrorCodes.ExitCode(code));

        var cli = await ProcessRunner.CliAsync(["spec", path, "--json"]);
        Assert.Equal(exitCode, cli.ExitCode);
        Assert.Equal(code, JsonDocument.Parse(cli.Stdout).RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Bad_protocol_fields_are_named()
    {
        var missing = await fixture.CallAsync("extract_spec_from_file", "{}");
        Assert.Equal("file_path", missing.GetProperty("error").GetProperty("field").GetString());
        var badLength = await fixture.CallAsync("extract_spec_from_file", JsonSerializer.Serialize(new { file_path = "/x.md", max_length = 0 }));
        Assert.Equal("max_length", badLength.GetProperty("error").GetProperty("field").GetString());
        var badFlag = await fixture.CallAsync("extract_spec_from_file", JsonSerializer.Serialize(new { file_path = "/x.md", summarize = "yes" }));
        Assert.Equal("summarize", badFlag.GetProperty("error").GetProperty("field").GetString());
        // Found by the protocol fuzzer: a NUL in the path threw ArgumentException instead of a clean answer.
        var nul = await fixture.CallAsync("extract_spec_from_file", JsonSerializer.Serialize(new { file_path = "/tmp/a\0b.md" }));
        Assert.Equal("invalid_request", nul.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("file_path", nul.GetProperty("error").GetProperty("field").GetString());
        // The text itself, as the CLI sends it after reading the caller's file.
        var text = await fixture.CallOkAsync("extract_spec_from_file", JsonSerializer.Serialize(new { text = "# T\n\nIt MUST work.\n" }));
        Assert.Contains("It MUST work.", text.GetProperty("sections").GetProperty("requirements")[0].GetString());
        var badTokens = await fixture.CallAsync("extract_spec_from_file", JsonSerializer.Serialize(new { file_path = "/x.md", max_tokens = "many" }));
        Assert.Equal("max_tokens", badTokens.GetProperty("error").GetProperty("field").GetString());
    }

    [Fact]
    public async Task Max_tokens_bounds_the_summary_in_tokens_on_the_cluster()
    {
        var path = WriteFile($"tokens-{Guid.NewGuid():N}.md", LargeSpec());
        var result = await fixture.CallOkAsync("extract_spec_from_file", JsonSerializer.Serialize(new { file_path = path, max_length = 100_000, max_tokens = 300 }));
        var tokens = result.GetProperty("stats").GetProperty("summary_tokens").GetInt32();
        Assert.InRange(tokens, 200, 300);
        Assert.Contains(result.GetProperty("warnings").EnumerateArray(), w => w.GetProperty("code").GetString() == "summary_truncated");
    }

    [Fact]
    public async Task A_yaml_alias_bomb_is_a_clean_invalid_request_on_the_cluster()
    {
        var lol = "[\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]";
        var bomb = new StringBuilder($"openapi: 3.0.0\na: &a {lol}\n");
        for (var c = 'b'; c <= 'i'; c++)
            bomb.Append($"{c}: &{c} [{string.Join(",", Enumerable.Repeat($"*{(char)(c - 1)}", 9))}]\n");
        var path = WriteFile($"bomb-{Guid.NewGuid():N}.yaml", bomb.ToString());
        var started = System.Diagnostics.Stopwatch.StartNew();
        var error = await fixture.CallAsync("extract_spec_from_file", JsonSerializer.Serialize(new { file_path = path }));
        Assert.Equal("invalid_request", error.GetProperty("error").GetProperty("code").GetString());
        Assert.True(started.ElapsedMilliseconds < 1_000, $"{started.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task The_CLI_extracts_locally_without_a_cluster()
    {
        var path = WriteFile($"cli-{Guid.NewGuid():N}.md", LargeSpec());
        var json = await ProcessRunner.CliAsync(["--gateway", "127.0.0.1:1", "spec", path, "--json", "--max-length", "2500"]);
        Assert.True(json.ExitCode == 0, json.ToString());
        var root = JsonDocument.Parse(json.Stdout).RootElement;
        Assert.True(root.GetProperty("overseer_spec").GetString()!.Length <= 2500);

        var section = await ProcessRunner.CliAsync(["spec", path, "--section", "constraints", "--json"]);
        Assert.Equal(30, JsonDocument.Parse(section.Stdout).RootElement.GetArrayLength());

        var tokens = await ProcessRunner.CliAsync(["spec", path, "--json", "--max-tokens", "400"]);
        Assert.True(tokens.ExitCode == 0, tokens.ToString());
        Assert.InRange(JsonDocument.Parse(tokens.Stdout).RootElement.GetProperty("stats").GetProperty("summary_tokens").GetInt32(), 1, 400);

        var bad = await ProcessRunner.CliAsync(["spec", path, "--json", "--max-length", "abc"]);
        Assert.Equal(2, bad.ExitCode);
        var badError = JsonDocument.Parse(bad.Stdout).RootElement.GetProperty("error");
        Assert.Equal(("invalid_request", "max_length"), (badError.GetProperty("code").GetString(), badError.GetProperty("field").GetString()));

        var human = await ProcessRunner.CliAsync(["spec", path]);
        Assert.Equal(0, human.ExitCode);
        Assert.Contains("requirements", human.Stdout);
        Assert.Contains("80", human.Stdout);
    }

    private string WriteBytes(string name, byte[] bytes)
    {
        var path = Path.Combine(fixture.DataDir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
