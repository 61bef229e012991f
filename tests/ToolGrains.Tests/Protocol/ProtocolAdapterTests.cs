using System.Reflection;
using System.Text.Json;
using ToolGrains.Tests.Infrastructure;

namespace ToolGrains.Tests.Protocol;

/// <summary>
/// The JSON protocol once, at its adapter (<see cref="IProtocolGrain"/>, what <c>toolgrains call</c> and
/// <c>POST /api/call/{tool}</c> use): every operation answers with the protocol's fields in order, and every error
/// code the protocol answers is provoked, with its field, HTTP status and exit code.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ProtocolAdapterTests(ClusterFixture fixture)
{
    private static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..20];

    private static string[] Names(JsonElement e) => [.. e.EnumerateObject().Select(p => p.Name)];

    private static string Json(object value) => JsonSerializer.Serialize(value);

    [Fact]
    public async Task Every_operation_answers_with_the_protocol_fields_in_order()
    {
        var noop = NewId("pa-noop");
        var tag = NewId("tag");
        var registered = await fixture.RegisterAsync(new { id = noop, description = "answers ok for protocol tests", builtin = "noop", tags = new[] { tag } });
        Assert.Equal(["tool_id", "version", "catalog_version"], Names(registered));

        var buffer = NewId("pa-buf");
        var write = await fixture.CallOkAsync("buffer", Json(new { operation = "write", buffer_id = buffer, data = new { n = 1 }, strategy = "manual" }));
        Assert.Equal(["buffer_id", "buffered", "flushed", "flushed_count"], Names(write));
        var status = await fixture.CallOkAsync("buffer", Json(new { operation = "status", buffer_id = buffer }));
        Assert.Equal(["buffer_id", "strategy", "max_size", "flush_interval_seconds", "pass_through_tool", "buffered", "in_flight",
            "total_written", "total_flushed", "batches_flushed", "last_flush_at", "last_flush_reason", "last_error",
            "oldest_item_age_seconds", "failed_attempts"], Names(status));
        Assert.Equal("manual", status.GetProperty("strategy").GetString());
        Assert.Equal(JsonValueKind.Null, status.GetProperty("pass_through_tool").ValueKind);
        var flush = await fixture.CallOkAsync("buffer", Json(new { operation = "flush", buffer_id = buffer }));
        Assert.Equal(["buffer_id", "flushed_count", "batch_id", "items"], Names(flush));
        Assert.Equal("""{"n":1}""", flush.GetProperty("items")[0].GetRawText()); // the item as written, not a string
        var clear = await fixture.CallOkAsync("buffer", Json(new { operation = "clear", buffer_id = buffer }));
        Assert.Equal(["buffer_id", "cleared_count"], Names(clear));

        var marked = await fixture.CallOkAsync("mark_tool_failure", Json(new { tool_id = noop, scenario = "parse cobol copybooks", severity = "low" }));
        Assert.Equal(["tool_id", "quality_before", "quality_after", "negative_tags_added", "negative_tags", "failure_count", "deprecated"], Names(marked));

        var toolStatus = await fixture.CallOkAsync("tool_status", Json(new { tool_id = noop }));
        Assert.Equal(["tool_id", "version", "description", "kind", "quality", "registered_quality", "tags", "negative_tags", "usage_count",
            "last_used_at", "failure_count", "last_failure_at", "success_count", "deprecated", "deprecated_at", "registered_at",
            "recent_failures", "common_failures", "negative_tag_history", "quality_history", "transient_failure_count", "competence",
            .. toolStatus.TryGetProperty("breaker", out _) ? ["breaker"] : Array.Empty<string>(), "competence_kinds"], Names(toolStatus));
        Assert.Equal("builtin", toolStatus.GetProperty("kind").GetString());
        Assert.Equal(["scenario", "error_message", "severity", "at"], Names(toolStatus.GetProperty("recent_failures")[0]));
        Assert.Equal(["at", "quality", "reason"], Names(toolStatus.GetProperty("quality_history")[0]));

        var spec = await fixture.CallOkAsync("extract_spec_from_file", Json(new { text = "# T\n\nIt MUST work.\n", max_tokens = 50 }));
        Assert.Equal(["overseer_spec", "full_spec", "sections", "stats", "warnings"], Names(spec));
        // summary_tokens only when a token budget shaped a summary (SpecSummaryTests).
        Assert.Equal(["chars", "words", "lines", "summarized", "summary_chars"], Names(spec.GetProperty("stats")));

        var call = await fixture.CallOkAsync("resilient_tool_call", Json(new { scenario = "answer ok", input_data = new { x = 1 }, tags = new[] { tag } }));
        Assert.Equal(["success", "tool_id", "result", "candidates", "forced", "attempts"], Names(call));
        Assert.Equal("""{"ok":true}""", call.GetProperty("result").GetRawText());
        // forced and retry_after_seconds are written only when they apply.
        Assert.Equal(["tool_id", "score", "similarity", "failure_demotion", "quality", "outcome", "error", "duration_ms", "severity",
            "negative_tag_hit", "error_kind", "breaker"], Names(call.GetProperty("attempts")[0]));

        var direct = await fixture.CallOkAsync(noop, Json(new { anything = true, disable_tracking = true }));
        Assert.Equal("""{"ok":true}""", direct.GetRawText());
    }

    /// <summary>What the protocol can answer, with the field at fault; "BUF", "TOOL", "FAILING" and "DIR" are replaced per run.</summary>
    public static TheoryData<string, string, string, string?> Errors => new()
    {
        { " ", "{}", ErrorCodes.InvalidRequest, "tool" },
        { "buffer", "", ErrorCodes.InvalidRequest, null },
        { "buffer", "[1]", ErrorCodes.InvalidRequest, null },
        { "buffer", "{not json", ErrorCodes.InvalidRequest, null },
        { "buffer", """{"buffer_id":"BUF"}""", ErrorCodes.InvalidRequest, "operation" },
        { "buffer", """{"operation":7,"buffer_id":"BUF"}""", ErrorCodes.InvalidRequest, "operation" },
        { "buffer", """{"operation":"explode","buffer_id":"BUF"}""", ErrorCodes.UnknownOperation, "operation" },
        { "buffer", """{"operation":"status"}""", ErrorCodes.InvalidRequest, "buffer_id" },
        { "buffer", """{"operation":"write","buffer_id":42,"data":1}""", ErrorCodes.InvalidRequest, "buffer_id" },
        { "buffer", """{"operation":"status","buffer_id":"LONG"}""", ErrorCodes.InvalidRequest, "buffer_id" },
        { "buffer", """{"operation":"write","buffer_id":"BUF","data":1,"max_size":"5"}""", ErrorCodes.InvalidRequest, "max_size" },
        { "buffer", """{"operation":"write","buffer_id":"BUF","data":1,"max_size":0}""", ErrorCodes.InvalidRequest, "max_size" },
        { "buffer", """{"operation":"write","buffer_id":"BUF","items":{"a":1}}""", ErrorCodes.InvalidRequest, "items" },
        { "buffer", """{"operation":"write","buffer_id":"BUF","data":1,"strategy":"eventually"}""", ErrorCodes.InvalidRequest, "strategy" },
        { "buffer", """{"operation":"write","buffer_id":"BUF","data":"BIG"}""", ErrorCodes.ItemTooLarge, "data" },
        { "buffer", """{"operation":"write","buffer_id":"BUF","items":MANY,"strategy":"manual"}""", ErrorCodes.BufferFull, "buffer_id" },
        { "buffer", """{"operation":"write","buffer_id":"BUF","data":1,"pass_through_tool":"no_such_tool_xyz"}""", ErrorCodes.ToolNotFound, "pass_through_tool" },
        { "buffer", """{"operation":"flush","buffer_id":"FAILBUF"}""", ErrorCodes.FlushFailed, "pass_through_tool" },
        { "register_tool", """{"id":"buffer","description":"x","builtin":"noop"}""", ErrorCodes.InvalidRequest, "id" },
        { "tool_status", "{}", ErrorCodes.InvalidRequest, "tool_id" },
        { "tool_status", """{"tool_id":"no_such_tool_xyz"}""", ErrorCodes.ToolNotFound, "tool_id" },
        { "mark_tool_failure", """{"tool_id":"TOOL","scenario":"  "}""", ErrorCodes.InvalidRequest, "scenario" },
        { "mark_tool_failure", """{"tool_id":"TOOL","scenario":"x","severity":"extreme"}""", ErrorCodes.InvalidRequest, "severity" },
        { "extract_spec_from_file", "{}", ErrorCodes.InvalidRequest, "file_path" },
        { "extract_spec_from_file", """{"text":"# T","summarize":"yes"}""", ErrorCodes.InvalidRequest, "summarize" },
        { "extract_spec_from_file", """{"text":"# T","max_length":0}""", ErrorCodes.InvalidRequest, "max_length" },
        { "extract_spec_from_file", """{"text":" "}""", ErrorCodes.EmptyFile, "text" },
        { "extract_spec_from_file", """{"file_path":"DIR/missing.md"}""", ErrorCodes.FileNotFound, "file_path" },
        { "extract_spec_from_file", """{"file_path":"DIR/latin1.md"}""", ErrorCodes.NotUtf8, "file_path" },
        { "extract_spec_from_file", """{"file_path":"DIR/binary.md"}""", ErrorCodes.NotText, "file_path" },
        { "extract_spec_from_file", """{"file_path":"/etc/passwd"}""", ErrorCodes.Forbidden, "file_path" },
        { "resilient_tool_call", """{"scenario":"x","input_data":{}}""", ErrorCodes.InvalidRequest, "tags" },
        { "resilient_tool_call", """{"scenario":"x","tags":[]}""", ErrorCodes.InvalidRequest, "input_data" },
        { "resilient_tool_call", """{"scenario":"x","input_data":{},"tags":[1]}""", ErrorCodes.InvalidRequest, "tags" },
        { "resilient_tool_call", """{"scenario":" ","input_data":{},"tags":[]}""", ErrorCodes.InvalidRequest, "scenario" },
        { "resilient_tool_call", """{"scenario":"x","input_data":{},"tags":[],"max_attempts":0}""", ErrorCodes.InvalidRequest, "max_attempts" },
        { "resilient_tool_call", """{"scenario":"x","input_data":{},"tags":["no-such-tag-xyz"]}""", ErrorCodes.NoCandidates, "tags" },
        { "no_such_tool_xyz", "{}", ErrorCodes.ToolNotFound, "tool" },
        { "FAILING", "{}", ErrorCodes.ToolFailed, "tool" },
        { "TOOL", """{"disable_tracking":"yes"}""", ErrorCodes.InvalidRequest, "disable_tracking" },
    };

    /// <summary>The codes no request to a healthy, open cluster can provoke, and the tests that provoke them.</summary>
    private static readonly Dictionary<string, string> AnsweredElsewhere = new()
    {
        [ErrorCodes.Unauthorized] = "AttackTests (no key, wrong key)",
        [ErrorCodes.Forbidden] = "AttackTests (a role below the operation's); here only the spec folder confinement",
        [ErrorCodes.StorageUnavailable] = "PostgresOutageTests",
        [ErrorCodes.ClusterUnreachable] = "ClusterFailureTests (the CLI's own code)",
        [ErrorCodes.ModelUnavailable] = "SpecPlanTests (the CLI's spec plan)",
        [ErrorCodes.FileTooLarge] = "SpecFileReaderTests (50 MB is too much for a cluster test)",
        [ErrorCodes.FileNotReadable] = "SpecFileReaderTests (the tests run as root, who reads every file)",
        [ErrorCodes.Internal] = "none: a bug's answer",
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public async Task Every_error_code_is_answered_with_its_field_status_and_exit_code(string tool, string template, string code, string? field)
    {
        var (noop, failing) = (await ToolAsync("noop"), await ToolAsync("test_controllable"));
        ControllableTool.For(failing).FailuresLeft = int.MaxValue;
        var failBuffer = NewId("pa-fail");
        if (template.Contains("FAILBUF"))
            await fixture.CallOkAsync("buffer", Json(new { operation = "write", buffer_id = failBuffer, data = 1, strategy = "manual", pass_through_tool = failing }));
        var request = template
            .Replace("FAILBUF", failBuffer).Replace("BUF", NewId("pa-bad")).Replace("LONG", new string('b', 300))
            .Replace("\"BIG\"", Json(new string('x', 5000)))
            .Replace("MANY", Json(Enumerable.Range(0, ClusterFixture.MaxBufferedItems + 1)))
            .Replace("TOOL", noop).Replace("DIR", SpecFiles());
        var response = await fixture.Client.GetGrain<IProtocolGrain>(0).CallAsync(tool switch { "TOOL" => noop, "FAILING" => failing, _ => tool }, request);

        Assert.True(response.Error is not null, $"expected {code} for {tool} {template}, got {response.Json}");
        var error = JsonDocument.Parse(response.Json).RootElement.GetProperty("error");
        Assert.Equal(field is null ? ["code", "message"] : ["code", "message", "field"], Names(error));
        Assert.Equal((code, field), (error.GetProperty("code").GetString(), field is null ? null : error.GetProperty("field").GetString()));
        Assert.Equal((code, field), (response.Error.Code, response.Error.Field));
        Assert.False(string.IsNullOrWhiteSpace(response.Error.Message));
        Assert.Equal(ExpectedStatus(code), (ErrorCodes.HttpStatus(code), ErrorCodes.ExitCode(code)));
    }

    [Fact]
    public void Every_error_code_is_provoked_here_or_named_with_the_test_that_does()
    {
        var codes = typeof(ErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!);
        var here = Errors.Select(row => (string)row[2]).ToHashSet();
        var unprovoked = codes.Where(c => !here.Contains(c) && !AnsweredElsewhere.ContainsKey(c)).ToList();
        Assert.True(unprovoked.Count == 0, $"no row provokes {string.Join(", ", unprovoked)}");
    }

    /// <summary>The README's error table: HTTP status and exit code of each code.</summary>
    private static (int Http, int Exit) ExpectedStatus(string code) => code switch
    {
        ErrorCodes.ToolNotFound or ErrorCodes.FileNotFound => (404, 3),
        ErrorCodes.Unauthorized => (401, 5),
        ErrorCodes.Forbidden => (403, 5),
        ErrorCodes.ToolFailed or ErrorCodes.FlushFailed => (502, 1),
        ErrorCodes.StorageUnavailable => (503, 1),
        ErrorCodes.Internal or ErrorCodes.ModelUnavailable => (500, 1),
        _ => (400, 2),
    };

    private readonly Dictionary<string, string> _tools = [];

    private async Task<string> ToolAsync(string builtin)
    {
        if (_tools.TryGetValue(builtin, out var id)) return id;
        id = NewId("pa-" + builtin.Replace('_', '-'));
        await fixture.RegisterAsync(new { id, description = "protocol test tool " + builtin, builtin });
        return _tools[builtin] = id;
    }

    private string SpecFiles()
    {
        var dir = Path.Combine(fixture.DataDir, "protocol-specs");
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, "latin1.md"), [0x23, 0x20, 0x43, 0x61, 0x66, 0xE9, 0x0A]);
        File.WriteAllBytes(Path.Combine(dir, "binary.md"), [0x23, 0x20, 0x00, 0x01, 0x0A]);
        return dir;
    }
}
