using System.Text.Json;
using ToolGrains.Tests.Infrastructure;

namespace ToolGrains.Tests.Processes;

/// <summary>
/// The README's first command as a newcomer runs it: <c>dotnet run --project silo</c>, started from another folder,
/// on its relative defaults (only the ports and a relative data folder are set, so it runs beside other tests). The
/// example tools are registered at start, and the four payloads of the replaced system work unchanged from the CLI.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class FirstRunTests
{
    [Fact]
    public async Task Dotnet_run_uses_the_repository_folders_and_the_replaced_systems_payloads_work()
    {
        var caller = Repo.NewTempDir("firstrun");
        var dataDir = $"TestResults/first-run-{Guid.NewGuid():N}/data";
        try
        {
            await using var silo = await SiloProcess.StartAsync(caller, new() { ["DataDir"] = dataDir }, viaDotnetRun: true);

            // Relative folders resolve against the repository root, wherever `dotnet run` was typed, and the silo says so.
            Assert.Contains($"Working directory {Repo.Root};", silo.Log);
            Assert.Contains($"tools from {Repo.PathOf("tools")}", silo.Log);
            Assert.True(File.Exists(Path.Combine(Repo.Root, dataDir, "toolgrains.db")), silo.Log);

            async Task<JsonElement> Cli(string[] args, string? stdin = null)
            {
                var result = await ProcessRunner.CliAsync(["--gateway", silo.Gateway, "--json", .. args], stdin, workingDirectory: caller,
                    timeout: TimeSpan.FromMinutes(2));
                Assert.True(result.ExitCode == 0, $"{string.Join(' ', args)}: {result}");
                return JsonDocument.Parse(result.Stdout).RootElement.Clone();
            }

            var tools = (await Cli(["tools", "list"])).EnumerateArray().Select(t => t.GetProperty("tool_id").GetString()).ToHashSet();
            foreach (var example in Directory.EnumerateFiles(Repo.PathOf("tools"), "*.yaml").Select(Path.GetFileNameWithoutExtension))
                Assert.Contains(example, tools);
            Assert.Contains("qdrant_batch_update", tools);

            // 1. The buffer payload, verbatim, and one more whose tool exists: its usage lands on the tool's record.
            await Cli(["call", "buffer"], """{"operation": "write", "buffer_id": "usage_tracking", "data": {"tool_id": "translator", "increment": 1}, "max_size": 50, "flush_interval_seconds": 5.0, "pass_through_tool": "qdrant_batch_update"}""");
            await Cli(["call", "buffer"], """{"operation": "write", "buffer_id": "usage_tracking", "data": {"tool_id": "offline_translator", "increment": 7}, "max_size": 50, "flush_interval_seconds": 5.0, "pass_through_tool": "qdrant_batch_update"}""");
            await Cli(["call", "buffer"], """{"operation": "flush", "buffer_id": "usage_tracking"}""");
            Assert.True(await Repo.WaitUntilAsync(async () =>
                (await Cli(["call", "tool_status"], """{"tool_id": "offline_translator"}""")).GetProperty("usage_count").GetInt64() >= 7,
                TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(500)), "the usage item did not reach offline_translator's record");

            // 2. mark_tool_failure.
            var marked = await Cli(["call", "mark_tool_failure"], """{"tool_id": "python_code_analyzer", "scenario": "parse JSON data", "error_message": "JSONDecodeError", "severity": "high"}""");
            Assert.True(marked.GetProperty("quality_after").GetDouble() < marked.GetProperty("quality_before").GetDouble());

            // 3. resilient_tool_call with the example translators.
            var call = await Cli(["call", "resilient_tool_call"], """{"scenario": "translate english to french", "input_data": {"text": "Hello", "target": "fr"}, "tags": ["translation"], "max_attempts": 5}""");
            Assert.True(call.GetProperty("success").GetBoolean(), call.ToString());

            // 4. extract_spec_from_file with a path relative to the caller's folder, not the silo's.
            File.WriteAllText(Path.Combine(caller, "spec.md"), "# Spec\n\nThe service MUST answer within 2 s.\n\n## Limits\n\n- at most 10 MB per file\n");
            var spec = await Cli(["call", "extract_spec_from_file"], """{"file_path": "spec.md", "summarize": true, "max_length": 10000}""");
            Assert.Contains("MUST answer within 2 s", spec.GetProperty("sections").GetProperty("requirements")[0].GetString());

            // A path with a NUL is a bad request naming the field (found by the protocol fuzzer), on the CLI and on the cluster.
            var nul = await ProcessRunner.CliAsync(["--gateway", silo.Gateway, "call", "extract_spec_from_file"], """{"file_path": "spec\u0000.md"}""", workingDirectory: caller);
            Assert.True(nul.ExitCode == 2, nul.ToString());
            Assert.Contains("\"field\":\"file_path\"", nul.Stdout);
        }
        finally
        {
            Directory.Delete(Path.Combine(Repo.Root, Path.GetDirectoryName(dataDir)!), recursive: true);
        }
    }
}
