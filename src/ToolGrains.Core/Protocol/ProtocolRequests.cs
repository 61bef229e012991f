using System.Collections.Immutable;
using System.Text.Json;

namespace ToolGrains.Core.Protocol;

// The requests of the protocol's operations as they arrive (docs/architecture.md). Every field is optional here:
// what is required, and the ranges, are checked once by the grain the request is for, which typed clients call
// directly; the adapter only checks what it needs to pick that grain.

/// <summary><c>buffer</c>: <c>data</c> is one item; an array under <c>items</c> writes many in one call.</summary>
public sealed record BufferRequest(
    string? Operation = null,
    string? BufferId = null,
    JsonElement Data = default,
    ImmutableArray<JsonElement>? Items = null,
    string? Strategy = null,
    int? MaxSize = null,
    double? FlushIntervalSeconds = null,
    string? PassThroughTool = null)
{
    /// <summary>The typed write; the buffer grain checks the ids, ranges and items.</summary>
    public BufferWriteRequest ToWriteRequest() => new(WriteItems(), new BufferSettingsUpdate(
        Strategy switch
        {
            null => null,
            "batched" => BufferStrategy.Batched,
            "immediate" => BufferStrategy.Immediate,
            "manual" => BufferStrategy.Manual,
            var other => throw new ToolGrainsException(ErrorCodes.InvalidRequest,
                $"Unknown strategy '{other}'; expected batched, immediate or manual.", "strategy"),
        },
        MaxSize, FlushIntervalSeconds, PassThroughTool));

    private ImmutableArray<string> WriteItems()
    {
        if (Items is { } items)
            return items.IsEmpty
                ? throw new ToolGrainsException(ErrorCodes.InvalidRequest, "'items' must be a non-empty array of JSON values.", "items")
                : [.. items.Select(i => i.GetRawText())];
        return Data.ValueKind == JsonValueKind.Undefined
            ? throw new ToolGrainsException(ErrorCodes.InvalidRequest, "A write needs 'data' (one item) or 'items' (an array).", "data")
            : [Data.GetRawText()];
    }
}

/// <summary><c>register_tool</c>: the descriptor's fields (read from the request itself) and the folder a relative command is resolved against.</summary>
public sealed record RegisterToolRequest(string? BaseDirectory = null);

/// <summary><c>tool_status</c>.</summary>
public sealed record ToolStatusRequest(string? ToolId = null);

/// <summary><c>mark_tool_failure</c>.</summary>
public sealed record MarkToolFailureRequest(string? ToolId = null, string? Scenario = null, string? ErrorMessage = null, string? Severity = null)
{
    /// <summary>Blank and unknown values are refused by the reputation grain, so every client gets the same errors.</summary>
    public ToolFailureReport ToReport() => new(Scenario ?? "", ErrorMessage, Severity);
}

/// <summary><c>extract_spec_from_file</c>: the document is <c>text</c> (what the CLI sends, having read the caller's
/// file on the caller's side) or <c>file_path</c> (read by the silo).</summary>
public sealed record ExtractSpecRequest(string? Text = null, string? FilePath = null, bool? Summarize = null, int? MaxLength = null, int? MaxTokens = null);

/// <summary><c>resilient_tool_call</c>: <c>scenario</c>, <c>input_data</c> (any JSON value) and <c>tags</c> (empty for any tool).</summary>
public sealed record ResilientToolCallRequest(
    string? Scenario = null,
    JsonElement InputData = default,
    ImmutableArray<string>? Tags = null,
    int? MaxAttempts = null,
    double? DeadlineSeconds = null,
    bool? DisableTracking = null)
{
    /// <summary>The typed call. <c>input_data</c> and <c>tags</c> are required here (the typed request has no
    /// "absent"); the invoker refuses a blank scenario, max_attempts out of range and a deadline that is not positive.</summary>
    public ResilientCallRequest ToInvokerRequest()
    {
        if (InputData.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, "'input_data' is required: the JSON value every tried tool receives.", "input_data");
        if (Tags is not { } tags)
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, "'tags' is required: an array of tags every candidate must carry ([] for any tool).", "tags");
        return new(Scenario ?? "", InputData.GetRawText(), tags, MaxAttempts ?? 5, new ResilientCallOptions(DeadlineSeconds, DisableTracking ?? false));
    }
}

/// <summary>The one field the adapter reads from a call of a registered tool; the tool gets the whole request.</summary>
public sealed record ToolCallRequest(bool? DisableTracking = null);

/// <summary>An item of the usage buffer, <c>{"tool_id", "increment"}</c>: <paramref name="Increment"/> more calls of a tool.</summary>
public sealed record UsageItem(string? ToolId = null, long? Increment = null)
{
    /// <summary>The item with its tool and a positive increment (default 1), or null and why it is skipped.</summary>
    public static UsageItem? Read(JsonElement item, out string? skipped)
    {
        skipped = null;
        try
        {
            if (item.ValueKind == JsonValueKind.Object
                && item.Deserialize(ProtocolJson.Info<UsageItem>()) is { ToolId: { } id } usage && !string.IsNullOrWhiteSpace(id))
            {
                if (usage.Increment is null or >= 1) return usage with { Increment = usage.Increment ?? 1 };
                skipped = $"{id}: increment is not a positive integer";
                return null;
            }
        }
        catch (JsonException ex) when (ex.Path == "$.increment")
        {
            skipped = "an item whose increment is not a positive integer";
            return null;
        }
        catch (JsonException)
        {
        }
        skipped = "an item without a tool_id";
        return null;
    }
}
