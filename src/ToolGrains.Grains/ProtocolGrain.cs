using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using Orleans.Concurrency;
using ToolGrains.Core.Protocol;
using ToolGrains.Grains.Buffers;
using ToolGrains.Grains.Tools;

namespace ToolGrains.Grains;

/// <summary>
/// The JSON tool protocol (docs/architecture.md) on the cluster: parses a request, calls the typed grains,
/// and writes the answer, or an error naming the field. A registered tool's id calls that tool.
/// </summary>
// Reentrant: no state; an operation is mostly awaiting other grains and tools.
[StatelessWorker, Reentrant]
public sealed class ProtocolGrain(ToolRunner runner) : Grain, IProtocolGrain
{
    /// <summary>The operations of the protocol; any other name calls the registered tool of that id, so no tool may take one of these.</summary>
    public static readonly IReadOnlySet<string> OperationNames = new HashSet<string>(StringComparer.Ordinal)
    {
        "buffer", "register_tool", "tool_status", "mark_tool_failure", "extract_spec_from_file", "resilient_tool_call",
    };

    public async Task<ProtocolResponse> CallAsync(string tool, string requestJson)
    {
        try
        {
            if (string.IsNullOrWhiteSpace(tool))
                throw new ToolGrainsException(ErrorCodes.InvalidRequest, "A tool name is required.", "tool");
            var request = JsonRequest.Parse(requestJson);
            CallerContext.Demand(RequiredRole(tool, request), $"'{tool}'{(tool == "buffer" ? $" {request.OptionalString("operation")}" : "")}");
            var json = tool switch
            {
                "buffer" => await BufferAsync(request),
                "register_tool" => await RegisterToolAsync(request),
                "tool_status" => await ToolStatusAsync(request),
                "mark_tool_failure" => await MarkToolFailureAsync(request),
                "extract_spec_from_file" => await ExtractSpecAsync(request),
                "resilient_tool_call" => await ResilientToolCallAsync(request),
                _ => await CallRegisteredToolAsync(tool, request, requestJson),
            };
            return new ProtocolResponse(json, null);
        }
        catch (ToolGrainsException ex)
        {
            return Error(ex.Code, ex.Message, ex.Field);
        }
    }

    /// <summary>The least role each operation needs (docs/architecture.md, "Security"); a registered tool's id needs a caller.</summary>
    private static ToolGrainsRole RequiredRole(string tool, JsonRequest request) => tool switch
    {
        "buffer" => request.OptionalString("operation") switch
        {
            "status" => ToolGrainsRole.Reader,
            "clear" => ToolGrainsRole.Admin,
            _ => ToolGrainsRole.Caller,
        },
        "register_tool" => ToolGrainsRole.Admin,
        "tool_status" => ToolGrainsRole.Reader,
        _ => ToolGrainsRole.Caller,
    };

    private static ProtocolResponse Error(string code, string message, string? field) =>
        new(ErrorJson.Write(code, message, field), new ToolGrainsError(code, message, field));

    private async Task<string> BufferAsync(JsonRequest request)
    {
        var operation = request.RequiredString("operation");
        var bufferId = request.OptionalString("buffer_id");
        BufferRules.ValidateBufferId(bufferId);
        var buffer = GrainFactory.GetGrain<IBufferGrain>(bufferId);
        switch (operation)
        {
            case "write":
                var result = await buffer.WriteAsync(new BufferWriteRequest(ReadItems(request), ReadSettings(request)));
                return Write(w =>
                {
                    w.WriteString("buffer_id", result.BufferId);
                    w.WriteNumber("buffered", result.Buffered);
                    w.WriteBoolean("flushed", result.Flushed);
                    w.WriteNumber("flushed_count", result.FlushedCount);
                });
            case "flush":
                var flush = await buffer.FlushAsync();
                return Write(w =>
                {
                    w.WriteString("buffer_id", flush.BufferId);
                    w.WriteNumber("flushed_count", flush.FlushedCount);
                    WriteNullable(w, "batch_id", flush.BatchId);
                    if (flush.Items is { } items)
                    {
                        w.WriteStartArray("items");
                        foreach (var item in items) w.WriteRawValue(item, skipInputValidation: true);
                        w.WriteEndArray();
                    }
                });
            case "status":
                var s = await buffer.GetStatusAsync();
                return Write(w =>
                {
                    w.WriteString("buffer_id", s.BufferId);
                    w.WriteString("strategy", s.Strategy.ToString().ToLowerInvariant());
                    w.WriteNumber("max_size", s.MaxSize);
                    w.WriteNumber("flush_interval_seconds", s.FlushIntervalSeconds);
                    WriteNullable(w, "pass_through_tool", s.PassThroughTool);
                    w.WriteNumber("buffered", s.Buffered);
                    w.WriteNumber("in_flight", s.InFlight);
                    w.WriteNumber("total_written", s.TotalWritten);
                    w.WriteNumber("total_flushed", s.TotalFlushed);
                    w.WriteNumber("batches_flushed", s.BatchesFlushed);
                    if (s.LastFlushAt is { } at) w.WriteString("last_flush_at", at); else w.WriteNull("last_flush_at");
                    WriteNullable(w, "last_flush_reason", s.LastFlushReason);
                    WriteNullable(w, "last_error", s.LastError);
                    if (s.OldestItemAgeSeconds is { } age) w.WriteNumber("oldest_item_age_seconds", Math.Round(age, 3)); else w.WriteNull("oldest_item_age_seconds");
                    w.WriteNumber("failed_attempts", s.FailedAttempts);
                });
            case "clear":
                var clear = await buffer.ClearAsync();
                return Write(w =>
                {
                    w.WriteString("buffer_id", clear.BufferId);
                    w.WriteNumber("cleared_count", clear.ClearedCount);
                });
            default:
                throw new ToolGrainsException(ErrorCodes.UnknownOperation,
                    $"Unknown buffer operation '{operation}'; expected write, flush, status or clear.", "operation");
        }
    }

    /// <summary><c>data</c> is one item; an array under <c>items</c> writes many in one call.</summary>
    private static ImmutableArray<string> ReadItems(JsonRequest request)
    {
        if (request.TryGet("items", out var items))
        {
            if (items.ValueKind != JsonValueKind.Array || items.GetArrayLength() == 0)
                throw new ToolGrainsException(ErrorCodes.InvalidRequest, "'items' must be a non-empty array of JSON values.", "items");
            return [.. items.EnumerateArray().Select(i => i.GetRawText())];
        }
        if (!request.Root.TryGetProperty("data", out var data))
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, "A write needs 'data' (one item) or 'items' (an array).", "data");
        return [data.GetRawText()];
    }

    private static BufferSettingsUpdate ReadSettings(JsonRequest request)
    {
        BufferStrategy? strategy = request.OptionalString("strategy") switch
        {
            null => null,
            "batched" => BufferStrategy.Batched,
            "immediate" => BufferStrategy.Immediate,
            "manual" => BufferStrategy.Manual,
            var other => throw new ToolGrainsException(ErrorCodes.InvalidRequest,
                $"Unknown strategy '{other}'; expected batched, immediate or manual.", "strategy"),
        };
        return new BufferSettingsUpdate(
            strategy,
            request.OptionalInt("max_size", 1, BufferRules.MaxMaxSize),
            request.OptionalPositiveDouble("flush_interval_seconds", BufferRules.MaxFlushIntervalSeconds),
            request.OptionalString("pass_through_tool"));
    }

    private async Task<string> RegisterToolAsync(JsonRequest request)
    {
        var baseDir = request.OptionalString("base_directory");
        var descriptor = ToolDescriptorParser.Parse(request.Root, baseDir, runner.BuiltinNames);
        var version = await GrainFactory.GetGrain<IToolCatalogGrain>("default").RegisterAsync(descriptor);
        return Write(w =>
        {
            w.WriteString("tool_id", descriptor.Id);
            w.WriteString("version", descriptor.Version);
            w.WriteNumber("catalog_version", version);
        });
    }

    private async Task<string> ToolStatusAsync(JsonRequest request)
    {
        var toolId = request.RequiredString("tool_id");
        var status = await GrainFactory.GetGrain<IToolReputationGrain>(toolId).GetStatusAsync();
        return Write(w => WriteToolStatus(w, status));
    }

    /// <summary>The <c>tool_status</c> answer: descriptor fields, reputation, counts, recent failures and common failure patterns.</summary>
    internal static void WriteToolStatus(Utf8JsonWriter w, ToolStatus status)
    {
        var descriptor = status.Descriptor;
        w.WriteString("tool_id", descriptor.Id);
        w.WriteString("version", descriptor.Version);
        w.WriteString("description", descriptor.Description);
        w.WriteString("kind", descriptor.Kind.ToString().ToLowerInvariant());
        w.WriteNumber("quality", status.Quality);
        w.WriteNumber("registered_quality", status.RegisteredQuality);
        WriteStrings(w, "tags", descriptor.Tags);
        WriteStrings(w, "negative_tags", status.NegativeTags.Select(t => t.Tag));
        w.WriteNumber("usage_count", status.UsageCount);
        WriteTime(w, "last_used_at", status.LastUsedAt);
        w.WriteNumber("failure_count", status.FailureCount);
        WriteTime(w, "last_failure_at", status.LastFailureAt);
        w.WriteNumber("success_count", status.SuccessCount);
        w.WriteBoolean("deprecated", status.Deprecated);
        WriteTime(w, "deprecated_at", status.DeprecatedAt);
        WriteTime(w, "registered_at", status.RegisteredAt);
        w.WriteStartArray("recent_failures");
        foreach (var f in status.RecentFailures)
        {
            w.WriteStartObject();
            w.WriteString("scenario", f.Scenario);
            WriteNullable(w, "error_message", f.ErrorMessage);
            w.WriteString("severity", f.Severity);
            w.WriteString("at", f.At);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("common_failures");
        foreach (var p in status.CommonFailures)
        {
            w.WriteStartObject();
            w.WriteString("scenario", p.RepresentativeScenario);
            w.WriteString("latest_scenario", p.LatestScenario);
            WriteNullable(w, "latest_error", p.LatestError);
            w.WriteNumber("count", p.Count);
            w.WriteString("first_seen", p.FirstSeen);
            w.WriteString("last_seen", p.LastSeen);
            WriteStrings(w, "domains", p.Domains);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("negative_tag_history");
        foreach (var t in status.NegativeTags)
        {
            w.WriteStartObject();
            w.WriteString("tag", t.Tag);
            w.WriteString("added_at", t.AddedAt);
            w.WriteString("scenario", t.Scenario);
            WriteNullable(w, "error_message", t.ErrorMessage);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("quality_history");
        foreach (var q in status.QualityHistory)
        {
            w.WriteStartObject();
            w.WriteString("at", q.At);
            w.WriteNumber("quality", q.Quality);
            w.WriteString("reason", q.Reason);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteNumber("transient_failure_count", status.TransientFailureCount);
        w.WriteNumber("competence", status.Competence);
        if (status.Breaker is { } b)
        {
            w.WriteStartObject("breaker");
            w.WriteString("state", b.State);
            WriteNullable(w, "reason", b.Reason);
            WriteTime(w, "last_transition_at", b.LastTransitionAt);
            WriteTime(w, "open_until", b.OpenUntil);
            w.WriteNumber("consecutive_failures", b.ConsecutiveFailures);
            w.WriteNumber("failure_rate", b.FailureRate);
            w.WriteNumber("total_opens", b.TotalOpens);
            WriteTime(w, "retry_after_until", b.RetryAfterUntil);
            w.WriteNumber("health", b.Health);
            w.WriteEndObject();
        }
        w.WriteStartArray("competence_kinds");
        foreach (var k in status.CompetenceKinds.IsDefault ? [] : status.CompetenceKinds)
        {
            w.WriteStartObject();
            w.WriteString("scenario", k.Scenario);
            WriteStrings(w, "terms", k.Terms);
            w.WriteNumber("successes", k.Successes);
            w.WriteNumber("failures", k.Failures);
            w.WriteNumber("calls", k.Calls);
            w.WriteString("last_seen", k.LastSeen);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private async Task<string> MarkToolFailureAsync(JsonRequest request)
    {
        var toolId = request.RequiredString("tool_id");
        // Blank and unknown values are refused by the grain, so every client gets the same errors.
        var report = new ToolFailureReport(
            request.OptionalString("scenario") ?? "",
            request.OptionalString("error_message"),
            request.OptionalString("severity"));
        var result = await GrainFactory.GetGrain<IToolReputationGrain>(toolId).MarkFailureAsync(report);
        return Write(w =>
        {
            w.WriteString("tool_id", result.ToolId);
            w.WriteNumber("quality_before", result.QualityBefore);
            w.WriteNumber("quality_after", result.QualityAfter);
            WriteStrings(w, "negative_tags_added", result.NegativeTagsAdded);
            WriteStrings(w, "negative_tags", result.NegativeTags);
            w.WriteNumber("failure_count", result.FailureCount);
            w.WriteBoolean("deprecated", result.Deprecated);
        });
    }

    /// <summary>
    /// <c>extract_spec_from_file</c>: the document is <c>text</c> (what the CLI sends, having read the caller's
    /// file on the caller's side) or <c>file_path</c> (read by the silo).
    /// </summary>
    private Task<string> ExtractSpecAsync(JsonRequest request)
    {
        var extractor = GrainFactory.GetGrain<ISpecExtractorGrain>(0);
        var summarize = request.OptionalBool("summarize") ?? true;
        var maxLength = request.OptionalInt("max_length", 1, int.MaxValue) ?? 10_000;
        var maxTokens = request.OptionalInt("max_tokens", 1, int.MaxValue);
        return request.OptionalString("text") is { } text
            ? extractor.ExtractTextAsync(text, summarize, maxLength, maxTokens)
            : extractor.ExtractFileAsync(request.RequiredString("file_path"), summarize, maxLength, maxTokens);
    }

    /// <summary><c>resilient_tool_call</c> (docs/architecture.md): <c>scenario</c>, <c>input_data</c> (any JSON value) and
    /// <c>tags</c> (an array of strings, empty for any tool) are required; <c>max_attempts</c> (default 5),
    /// <c>deadline_seconds</c> and <c>disable_tracking</c> are optional. The result is the tool's raw JSON.</summary>
    private async Task<string> ResilientToolCallAsync(JsonRequest request)
    {
        var scenario = request.RequiredString("scenario");
        if (!request.TryGet("input_data", out var input))
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, "'input_data' is required: the JSON value every tried tool receives.", "input_data");
        if (!request.TryGet("tags", out var tagsElement))
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, "'tags' is required: an array of tags every candidate must carry ([] for any tool).", "tags");
        if (tagsElement.ValueKind != JsonValueKind.Array || tagsElement.EnumerateArray().Any(t => t.ValueKind != JsonValueKind.String))
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, "'tags' must be an array of strings.", "tags");
        var options = new ResilientCallOptions(
            request.OptionalPositiveDouble("deadline_seconds", 24 * 3600),
            request.OptionalBool("disable_tracking") ?? false);
        var result = await GrainFactory.GetGrain<IResilientInvokerGrain>(0).InvokeAsync(new ResilientCallRequest(
            scenario, input.GetRawText(), [.. tagsElement.EnumerateArray().Select(t => t.GetString()!)],
            request.OptionalInt("max_attempts", 1, int.MaxValue) ?? 5, options));
        return Write(w =>
        {
            w.WriteBoolean("success", result.Success);
            WriteNullable(w, "tool_id", result.ToolId);
            w.WritePropertyName("result");
            if (result.ResultJson is null) w.WriteNullValue(); else w.WriteRawValue(result.ResultJson, skipInputValidation: true);
            w.WriteNumber("candidates", result.Candidates);
            // Every tool carrying the tags was deprecated or had its breaker open: they were tried anyway.
            w.WriteBoolean("forced", result.Forced);
            w.WriteStartArray("attempts");
            foreach (var a in result.Attempts)
            {
                w.WriteStartObject();
                w.WriteString("tool_id", a.ToolId);
                w.WriteNumber("score", a.Score);
                w.WriteNumber("similarity", a.Similarity);
                w.WriteNumber("failure_demotion", a.FailureDemotion);
                w.WriteNumber("quality", a.Quality);
                w.WriteString("outcome", a.Outcome);
                WriteNullable(w, "error", a.Error);
                w.WriteNumber("duration_ms", a.DurationMs);
                WriteNullable(w, "severity", a.Severity);
                w.WriteBoolean("negative_tag_hit", a.NegativeTagHit);
                WriteNullable(w, "error_kind", a.ErrorKind);
                w.WriteString("breaker", a.Breaker);
                if (a.Forced) w.WriteBoolean("forced", true);
                if (a.RetryAfterSeconds is { } retry) w.WriteNumber("retry_after_seconds", retry);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });
    }

    private async Task<string> CallRegisteredToolAsync(string tool, JsonRequest request, string requestJson)
    {
        if (await GrainFactory.GetGrain<IToolReputationGrain>(tool).GetDescriptorAsync() is null)
            throw new ToolGrainsException(ErrorCodes.ToolNotFound,
                $"Unknown tool '{tool}': not an operation (buffer, register_tool, tool_status, mark_tool_failure, extract_spec_from_file, resilient_tool_call) and not a registered tool.", "tool");
        var options = new ToolCallOptions(DisableTracking: request.OptionalBool("disable_tracking") ?? false);
        var result = await GrainFactory.GetGrain<IToolCallGrain>(0).CallToolAsync(tool, requestJson, options);
        if (!result.Succeeded)
            throw new ToolGrainsException(result.Outcome == ToolOutcome.BadRequest ? ErrorCodes.InvalidRequest : ErrorCodes.ToolFailed,
                $"Tool '{tool}' {result.Outcome.ToString().ToLowerInvariant()}: {result.Error}", "tool");
        return result.ResultJson!;
    }

    private static void WriteStrings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var value in values) w.WriteStringValue(value);
        w.WriteEndArray();
    }

    private static void WriteNullable(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null) w.WriteNull(name); else w.WriteString(name, value);
    }

    private static void WriteTime(Utf8JsonWriter w, string name, DateTimeOffset? value)
    {
        if (value is { } at) w.WriteString(name, at); else w.WriteNull(name);
    }

    private static string Write(Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, JsonWriting.Options))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
