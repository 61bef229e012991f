using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ToolGrains.Grains.Running;
using ToolGrains.Tests.Infrastructure;

namespace ToolGrains.Tests.Tools;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
/// <summary>The executable contract (docs/architecture.md, "A tool kind") against real processes: every misbehaviour is an outcome, never an exception.</summary>
public sealed class ToolRunnerTests
{
    private readonly string _dir;
    private readonly ToolRunner _runner;

    public ToolRunnerTests()
    {
        _dir = Repo.NewTempDir("runner");
        var options = Options.Create(new ToolRunnerOptions { MaxOutputBytes = 1024 * 1024, MaxErrorChars = 200, SinkDirectory = _dir });
        _runner = new([new JsonlFileWriterTool(options), new LogBatchWriterTool(NullLogger<LogBatchWriterTool>.Instance)], options, TimeProvider.System);
    }

    private ToolDescriptor Script(string body, double timeoutSeconds = 10)
    {
        var path = Path.Combine(_dir, $"tool-{Guid.NewGuid():N}.sh");
        Repo.WriteScript(path, "#!/bin/bash\n" + body + "\n");
        return new ToolDescriptor("script", "1", "a script", [], 0.8, ToolKind.Executable, path, [], timeoutSeconds, _dir, "{}");
    }

    [Fact]
    public async Task Stdin_JSON_in_stdout_JSON_out_in_the_tools_folder()
    {
        var result = await _runner.RunAsync(Script("""read -r line; printf '{"got":%s,"cwd":"%s"}' "$line" "$(pwd)" """), """{"x":"ünïcode ✓"}""");
        Assert.Equal(ToolOutcome.Success, result.Outcome);
        Assert.Contains("\"got\":{\"x\":\"ünïcode ✓\"}", result.ResultJson);
        Assert.Contains($"\"cwd\":\"{_dir}\"", result.ResultJson);
    }

    [Fact]
    public async Task A_non_zero_exit_is_a_failure_with_the_end_of_stderr()
    {
        var result = await _runner.RunAsync(Script("""for i in $(seq 200); do echo "noise $i" >&2; done; echo "UnsupportedLanguageError: javascript" >&2; exit 3"""), "{}");
        Assert.Equal(ToolOutcome.Failure, result.Outcome);
        Assert.Contains("Exit code 3", result.Error);
        Assert.Contains("UnsupportedLanguageError: javascript", result.Error);
        Assert.True(result.Error!.Length < 300, "only the end of stderr is kept");
    }

    [Fact]
    public async Task A_tool_past_its_timeout_is_killed_with_its_children()
    {
        var marker = Path.Combine(_dir, "child.pid");
        var tool = Script($"sleep 60 & echo $! > {marker}; wait", timeoutSeconds: 1);
        var started = Stopwatch.StartNew();
        var result = await _runner.RunAsync(tool, "{}");
        Assert.Equal(ToolOutcome.Timeout, result.Outcome);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10));
        var childPid = int.Parse(File.ReadAllText(marker).Trim());
        Assert.True(await Repo.WaitUntilAsync(() => Task.FromResult(!Directory.Exists($"/proc/{childPid}") || File.ReadAllText($"/proc/{childPid}/stat").Contains(") Z ")),
            TimeSpan.FromSeconds(5)), "the child process outlived the timeout");
    }

    [Theory]
    [InlineData("echo 'this is not json'", "not JSON")]
    [InlineData("exit 0", "no output")]
    [InlineData("head -c 5000000 /dev/zero | tr '\\0' 'x'", "more than")]
    public async Task Bad_output_is_a_clean_failure(string body, string expected)
    {
        var result = await _runner.RunAsync(Script(body), "{}");
        Assert.Equal(ToolOutcome.Failure, result.Outcome);
        Assert.Contains(expected, result.Error);
    }

    [Fact]
    public async Task Processes_beyond_the_limit_wait_for_a_slot_outside_their_timeout()
    {
        var runner = new ToolRunner([], Options.Create(new ToolRunnerOptions { MaxConcurrentProcesses = 1 }), TimeProvider.System);
        // mkdir is atomic: a second process running at the same time finds the lock taken and says so.
        // Each run takes 1.5 s and has 4 s (margin for a loaded machine); the fourth waits ~4.5 s for its slot.
        var tool = Script($"if mkdir '{_dir}/lock' 2>/dev/null; then sleep 1.5; rmdir '{_dir}/lock'; echo '{{\"overlap\":false}}'; " +
                          "else echo '{\"overlap\":true}'; fi", timeoutSeconds: 4);
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => runner.RunAsync(tool, "{}")));
        // Four runs of 1.5 s one after another: the last waited ~4.5 s, past the 4 s timeout, and still succeeded.
        Assert.All(results, r => Assert.Equal((ToolOutcome.Success, """{"overlap":false}"""), (r.Outcome, r.ResultJson?.Trim())));
    }

    [Fact]
    public async Task A_command_that_cannot_start_is_a_failure()
    {
        var path = Path.Combine(_dir, "not-executable.sh");
        File.WriteAllText(path, "echo {}");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var result = await _runner.RunAsync(new ToolDescriptor("x", "1", "x", [], 1, ToolKind.Executable, path, [], 5, _dir, "{}"), "{}");
        Assert.Equal(ToolOutcome.Failure, result.Outcome);
        Assert.Contains("Could not start", result.Error);
    }

    [Fact]
    public async Task Arguments_are_passed_without_a_shell()
    {
        var path = Path.Combine(_dir, "args.sh");
        Repo.WriteScript(path, "#!/bin/bash\nprintf '{\"first\":\"%s\",\"count\":%d}' \"$1\" \"$#\"\n");
        var tool = new ToolDescriptor("a", "1", "a", [], 1, ToolKind.Executable, path, ImmutableArray.Create("$(touch pwned); *", "two"), 5, _dir, "{}");
        var result = await _runner.RunAsync(tool, "{}");
        Assert.Equal(ToolOutcome.Success, result.Outcome);
        Assert.Contains("\"first\":\"$(touch pwned); *\"", result.ResultJson);
        Assert.Contains("\"count\":2", result.ResultJson);
        Assert.False(File.Exists(Path.Combine(_dir, "pwned")));
    }

    [Fact]
    public async Task The_jsonl_writer_appends_one_line_per_item_with_the_batch_id()
    {
        var file = Path.Combine(_dir, "out", "items.jsonl");
        var tool = new ToolDescriptor("sink", "1", "sink", [], 1, ToolKind.Builtin, "jsonl_file_writer", [], 5, _dir, """{"path":"out/items.jsonl"}""");
        var result = await _runner.RunAsync(tool, """{"buffer_id":"b","batch_id":"b:7","items":[{"n":1},"two",3]}""");
        Assert.Equal(ToolOutcome.Success, result.Outcome);
        Assert.Equal(["""{"batch_id":"b:7","item":{"n":1}}""", """{"batch_id":"b:7","item":"two"}""", """{"batch_id":"b:7","item":3}"""], File.ReadAllLines(file));
    }

    [Fact]
    public async Task The_jsonl_writer_waits_for_another_writer_and_appends_at_the_true_end()
    {
        // Another silo process appending to the same file: it holds the file while it writes.
        var file = Path.Combine(_dir, "shared.jsonl");
        var tool = new ToolDescriptor("sink", "1", "sink", [], 1, ToolKind.Builtin, "jsonl_file_writer", [], 10, _dir, """{"path":"shared.jsonl"}""");
        Task<ToolCallResult> call;
        using (var other = new FileStream(file, FileMode.Append, FileAccess.Write, FileShare.None))
        {
            other.Write("""{"batch_id":"other:1","item":1}"""u8);
            call = _runner.RunAsync(tool, """{"batch_id":"mine:1","items":[2]}""");
            await Task.Delay(200);
            Assert.False(call.IsCompleted, "the writer did not wait for the file");
            other.Write("\n"u8);
        }
        Assert.Equal(ToolOutcome.Success, (await call).Outcome);
        Assert.Equal(["""{"batch_id":"other:1","item":1}""", """{"batch_id":"mine:1","item":2}"""], File.ReadAllLines(file));
    }

    [Fact]
    public async Task A_tool_inherits_only_the_passed_environment()
    {
        Environment.SetEnvironmentVariable("TOOLGRAINS_TEST_SECRET", "s3cret-value");
        Environment.SetEnvironmentVariable("ToolGrains__ConnectionString", "Host=db;Password=hunter2");
        try
        {
            var result = await _runner.RunAsync(Script("""printf '{"env":"%s"}' "$(env | tr '\n' ' ' | tr -d '"\\')" """), "{}");
            Assert.Equal(ToolOutcome.Success, result.Outcome);
            Assert.DoesNotContain("s3cret-value", result.ResultJson);
            Assert.DoesNotContain("hunter2", result.ResultJson);
            Assert.Contains("PATH=", result.ResultJson);
        }
        finally
        {
            Environment.SetEnvironmentVariable("TOOLGRAINS_TEST_SECRET", null);
            Environment.SetEnvironmentVariable("ToolGrains__ConnectionString", null);
        }
    }

    [Fact]
    public async Task An_executable_outside_the_allowed_folders_is_refused()
    {
        var allowedDir = Repo.NewTempDir("allowed");
        var restricted = new ToolRunner([], Options.Create(new ToolRunnerOptions { AllowedExecutableDirectories = [allowedDir] }), TimeProvider.System);
        var outside = Script("echo '{}'");
        Assert.Contains("outside the folders", restricted.WhyNotAllowed(outside)?.Message);
        var result = await restricted.RunAsync(outside, "{}");
        Assert.Equal(ToolOutcome.Failure, result.Outcome);
        Assert.Contains("outside the folders", result.Error);

        // A sibling folder whose name starts like the allowed one is still outside.
        var lookalike = outside with { Target = allowedDir + "-evil/tool.sh" };
        Assert.NotNull(restricted.WhyNotAllowed(lookalike));
        Assert.Null(restricted.WhyNotAllowed(outside with { Target = Path.Combine(allowedDir, "sub", "tool.sh") }));

        // A symbolic link inside the allowed folder that leads out of it is judged by where it leads.
        var link = Path.Combine(allowedDir, "escape.sh");
        File.CreateSymbolicLink(link, outside.Target);
        Assert.Equal("executable.command", restricted.WhyNotAllowed(outside with { Target = link })?.Field);
        Directory.CreateSymbolicLink(Path.Combine(allowedDir, "bin"), "/usr/bin");
        Assert.NotNull(restricted.WhyNotAllowed(outside with { Target = Path.Combine(allowedDir, "bin", "env") }));
    }

    [Fact]
    public async Task A_tool_writing_gigabytes_fails_quickly_at_the_output_limit()
    {
        // Endless output: the limit (1 MiB here, 16 MiB by default) ends it, not the 30 s timeout.
        var started = Stopwatch.StartNew();
        var result = await _runner.RunAsync(Script("cat /dev/zero", timeoutSeconds: 30), "{}");
        Assert.Equal(ToolOutcome.Failure, result.Outcome);
        Assert.Contains("more than", result.Error);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10), $"took {started.Elapsed}");
    }

    [Fact]
    public async Task A_tool_flooding_stderr_keeps_only_its_end()
    {
        var result = await _runner.RunAsync(Script("head -c 50000000 /dev/zero | tr '\\0' 'e' >&2; echo ' LAST WORDS' >&2; exit 4", timeoutSeconds: 30), "{}");
        Assert.Equal(ToolOutcome.Failure, result.Outcome);
        Assert.Contains("LAST WORDS", result.Error);
        Assert.True(result.Error!.Length < 300);
    }

    [Fact]
    public async Task A_tool_that_never_exits_nor_reads_its_input_times_out()
    {
        var started = Stopwatch.StartNew();
        var result = await _runner.RunAsync(Script("exec 0<&-; while true; do :; done", timeoutSeconds: 1), """{"big":"input"}""");
        Assert.Equal(ToolOutcome.Timeout, result.Outcome);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10), $"took {started.Elapsed}");
    }

    [Fact]
    public async Task Http_tools_2xx_is_success_4xx_bad_request_5xx_failure_slow_timeout()
    {
        await using var server = new LocalHttpServer()
            .Route("ok", 200, """{"translated":"bonjour"}""")
            .Route("bad", 422, """{"error":"text is required"}""")
            .Route("broken", 503, "upstream down")
            .Route("notjson", 200, "<html>")
            .Route("slow", 200, "{}", TimeSpan.FromSeconds(20));
        ToolDescriptor Http(string path, double timeout = 5) =>
            new(path, "1", path, [], 1, ToolKind.Http, server.Url(path), [], timeout, null, "{}");

        var ok = await _runner.RunAsync(Http("ok"), """{"text":"hello"}""");
        Assert.Equal(ToolOutcome.Success, ok.Outcome);
        Assert.Equal("""{"translated":"bonjour"}""", ok.ResultJson);
        Assert.Contains(("/ok", """{"text":"hello"}"""), server.Received);

        var bad = await _runner.RunAsync(Http("bad"), "{}");
        Assert.Equal(ToolOutcome.BadRequest, bad.Outcome);
        Assert.Contains("HTTP 422", bad.Error);
        Assert.Contains("text is required", bad.Error);

        var broken = await _runner.RunAsync(Http("broken"), "{}");
        Assert.Equal(ToolOutcome.Failure, broken.Outcome);
        Assert.Contains("HTTP 503", broken.Error);

        Assert.Equal(ToolOutcome.Failure, (await _runner.RunAsync(Http("notjson"), "{}")).Outcome);

        var started = Stopwatch.StartNew();
        var slow = await _runner.RunAsync(Http("slow", timeout: 1), "{}");
        Assert.Equal(ToolOutcome.Timeout, slow.Outcome);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10), $"took {started.Elapsed}");

        var refused = await _runner.RunAsync(new ToolDescriptor("gone", "1", "gone", [], 1, ToolKind.Http, $"http://127.0.0.1:{Repo.FreePort()}/x", [], 5, null, "{}"), "{}");
        Assert.Equal(ToolOutcome.Failure, refused.Outcome);
        Assert.Equal("transient", refused.ErrorKind);
        Assert.Equal(("invalid_request", "transient", "permanent", "transient"), (bad.ErrorKind, broken.ErrorKind, (await _runner.RunAsync(Http("notjson"), "{}")).ErrorKind, slow.ErrorKind));
    }

    [Fact]
    public async Task Http_error_kinds_follow_the_status_and_retry_after_is_read()
    {
        await using var server = new LocalHttpServer()
            .Route("limited", 429, """{"error":"slow down"}""")
            .Headers("limited", new() { ["Retry-After"] = "3" })
            .Route("unsupported", 415, """{"error":"webp is not supported"}""")
            .Route("unimplemented", 501, "no")
            .Route("said", 500, """{"error":{"kind":"permanent","message":"cannot convert BTC"}}""");
        ToolDescriptor Http(string path) => new(path, "1", path, [], 1, ToolKind.Http, server.Url(path), [], 5, null, "{}");

        var limited = await _runner.RunAsync(Http("limited"), "{}");
        Assert.Equal((ToolOutcome.Failure, "transient", (double?)3), (limited.Outcome, limited.ErrorKind, limited.RetryAfterSeconds));
        Assert.Equal((ToolOutcome.Failure, "permanent"), ((await _runner.RunAsync(Http("unsupported"), "{}")).Outcome, (await _runner.RunAsync(Http("unsupported"), "{}")).ErrorKind));
        Assert.Equal("permanent", (await _runner.RunAsync(Http("unimplemented"), "{}")).ErrorKind);
        Assert.Equal("permanent", (await _runner.RunAsync(Http("said"), "{}")).ErrorKind); // the JSON error field overrides the status
    }

    [Theory]
    [InlineData("exit 1", "permanent", null)]
    [InlineData("echo busy >&2; exit 75", "transient", null)]
    [InlineData("exit 69", "transient", null)]
    [InlineData("exit 64", "invalid_request", null)]
    [InlineData("echo '{\"error\":{\"kind\":\"transient\",\"message\":\"quota\",\"retry_after_seconds\":2}}'; exit 1", "transient", 2.0)]
    [InlineData("echo '{\"error\":{\"kind\":\"permanent\",\"message\":\"webp is not supported\"}}'; exit 3", "permanent", null)]
    public async Task Executables_say_the_error_kind_by_exit_code_or_a_json_error(string body, string kind, double? retryAfter)
    {
        var result = await _runner.RunAsync(Script(body), "{}");
        Assert.NotEqual(ToolOutcome.Success, result.Outcome);
        Assert.Equal((kind, retryAfter), (result.ErrorKind, result.RetryAfterSeconds));
        if (kind == "invalid_request") Assert.Equal(ToolOutcome.BadRequest, result.Outcome);
    }

    [Fact]
    public void A_jsonl_sink_path_must_stay_in_the_sink_folder()
    {
        ToolDescriptor Sink(string path) => new("sink", "1", "sink", [], 1, ToolKind.Builtin, "jsonl_file_writer", [], 5, _dir,
            System.Text.Json.JsonSerializer.Serialize(new { path }));
        Assert.Null(_runner.WhyNotAllowed(Sink("out/items.jsonl")));
        foreach (var escaping in new[] { "/etc/passwd", "../x.jsonl", "a/../../x.jsonl", "/root/.bashrc", "~/.bashrc/../../../x" })
            Assert.True(_runner.WhyNotAllowed(Sink(escaping)) is { Field: "settings.path" }, escaping);
        // A link inside the sink folder that leads out of it.
        Directory.CreateSymbolicLink(Path.Combine(_dir, "etc"), "/etc");
        Assert.NotNull(_runner.WhyNotAllowed(Sink("etc/hostname")));
    }

    [Fact]
    public void HTTP_tools_may_not_target_link_local_or_metadata_addresses_or_hosts_outside_the_list()
    {
        ToolDescriptor Http(string url) => new("h", "1", "h", [], 1, ToolKind.Http, url, [], 5, null, "{}");
        Assert.Null(_runner.WhyNotAllowed(Http("http://127.0.0.1:9000/analyze")));
        foreach (var url in new[] { "http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/", "http://metadata.google.internal/computeMetadata/v1/",
                     "http://[::ffff:169.254.169.254]/", "http://100.100.100.200/", "file:///etc/passwd", "http://user:pw@127.0.0.1/" })
            Assert.True(_runner.WhyNotAllowed(Http(url)) is { Field: "http.url" }, url);
        var listed = new ToolRunner([], Options.Create(new ToolRunnerOptions { HttpTools = new() { AllowedHosts = ["127.0.0.1"] } }), TimeProvider.System);
        Assert.Null(listed.WhyNotAllowed(Http("http://127.0.0.1:9000/")));
        Assert.Contains("AllowedHosts", listed.WhyNotAllowed(Http("http://localhost:9000/"))?.Message);
    }
}
