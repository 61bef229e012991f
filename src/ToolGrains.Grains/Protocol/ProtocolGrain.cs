using System.Text.Json;
using Orleans.Concurrency;
using ToolGrains.Core.Protocol;
using ToolGrains.Grains.Catalog;
using ToolGrains.Grains.Running;

namespace ToolGrains.Grains.Protocol;

/// <summary>
/// The JSON tool protocol (docs/architecture.md) on the cluster: reads a request as its operation's record, calls the
/// typed grain, and writes the grain's answer, or an error naming the field. A registered tool's id calls that tool.
/// The grains validate what they are given, so the protocol and typed clients get the same errors.
/// </summary>
// Reentrant: no state; an operation is mostly awaiting other grains and tools.
[StatelessWorker, Reentrant]
public sealed class ProtocolGrain : Grain, IProtocolGrain
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
            CallerContext.Demand(RequiredRole(tool, request.Operation), $"'{tool}'{(tool == "buffer" ? $" {request.Operation}" : "")}");
            var json = tool switch
            {
                "buffer" => await BufferAsync(request.Read<BufferRequest>()),
                "register_tool" => await RegisterToolAsync(request),
                "tool_status" => await ToolStatusAsync(request.Read<ToolStatusRequest>()),
                "mark_tool_failure" => await MarkToolFailureAsync(request.Read<MarkToolFailureRequest>()),
                "extract_spec_from_file" => await ExtractSpecAsync(request.Read<ExtractSpecRequest>()),
                "resilient_tool_call" => await ResilientToolCallAsync(request.Read<ResilientToolCallRequest>()),
                _ => await CallRegisteredToolAsync(tool, request.Read<ToolCallRequest>(), requestJson),
            };
            return new ProtocolResponse(json, null);
        }
        catch (ToolGrainsException ex)
        {
            var error = ex.ToError();
            return new ProtocolResponse(ProtocolJson.Error(error), error);
        }
    }

    /// <summary>The least role each operation needs (docs/architecture.md, "Security"); a registered tool's id needs a caller.</summary>
    private static ToolGrainsRole RequiredRole(string tool, string? operation) => tool switch
    {
        "buffer" => operation switch
        {
            "status" => ToolGrainsRole.Reader,
            "clear" => ToolGrainsRole.Admin,
            _ => ToolGrainsRole.Caller,
        },
        "register_tool" => ToolGrainsRole.Admin,
        "tool_status" => ToolGrainsRole.Reader,
        _ => ToolGrainsRole.Caller,
    };

    private async Task<string> BufferAsync(BufferRequest request)
    {
        var operation = JsonRequest.Required(request.Operation, "operation");
        var buffer = GrainFactory.GetGrain<IBufferGrain>(JsonRequest.Required(request.BufferId, "buffer_id"));
        return operation switch
        {
            "write" => ProtocolJson.Serialize(await buffer.WriteAsync(request.ToWriteRequest())),
            "flush" => ProtocolJson.Serialize(BufferFlushResponse.From(await buffer.FlushAsync())),
            "status" => ProtocolJson.Serialize(BufferStatusResponse.From(await buffer.GetStatusAsync())),
            "clear" => ProtocolJson.Serialize(await buffer.ClearAsync()),
            _ => throw new ToolGrainsException(ErrorCodes.UnknownOperation,
                $"Unknown buffer operation '{operation}'; expected write, flush, status or clear.", "operation"),
        };
    }

    private async Task<string> RegisterToolAsync(JsonRequest request)
    {
        var descriptor = ToolDescriptorParser.Parse(request.Root, request.Read<RegisterToolRequest>().BaseDirectory);
        var version = await GrainFactory.GetGrain<IToolCatalogGrain>("default").RegisterAsync(descriptor);
        return ProtocolJson.Serialize(new RegisterToolResponse(descriptor.Id, descriptor.Version, version));
    }

    private async Task<string> ToolStatusAsync(ToolStatusRequest request)
    {
        var status = await GrainFactory.GetGrain<IToolReputationGrain>(JsonRequest.Required(request.ToolId, "tool_id")).GetStatusAsync();
        return ProtocolJson.Serialize(ToolStatusResponse.From(status));
    }

    private async Task<string> MarkToolFailureAsync(MarkToolFailureRequest request)
    {
        var reputation = GrainFactory.GetGrain<IToolReputationGrain>(JsonRequest.Required(request.ToolId, "tool_id"));
        return ProtocolJson.Serialize(await reputation.MarkFailureAsync(request.ToReport()));
    }

    /// <summary>The extractor refuses a missing file path, an empty text and budgets below 1, naming the field.</summary>
    private Task<string> ExtractSpecAsync(ExtractSpecRequest request)
    {
        var extractor = GrainFactory.GetGrain<ISpecExtractorGrain>(0);
        var summarize = request.Summarize ?? true;
        var maxLength = request.MaxLength ?? 10_000;
        return request.Text is { } text
            ? extractor.ExtractTextAsync(text, summarize, maxLength, request.MaxTokens)
            : extractor.ExtractFileAsync(request.FilePath ?? "", summarize, maxLength, request.MaxTokens);
    }

    private async Task<string> ResilientToolCallAsync(ResilientToolCallRequest request) =>
        ProtocolJson.Serialize(ResilientCallResponse.From(
            await GrainFactory.GetGrain<IResilientInvokerGrain>(0).InvokeAsync(request.ToInvokerRequest())));

    private async Task<string> CallRegisteredToolAsync(string tool, ToolCallRequest request, string requestJson)
    {
        if (await GrainFactory.GetGrain<IToolReputationGrain>(tool).GetDescriptorAsync() is null)
            throw new ToolGrainsException(ErrorCodes.ToolNotFound,
                $"Unknown tool '{tool}': not an operation ({string.Join(", ", OperationNames)}) and not a registered tool.", "tool");
        var options = new ToolCallOptions(DisableTracking: request.DisableTracking ?? false);
        var result = await GrainFactory.GetGrain<IToolCallGrain>(0).CallToolAsync(tool, requestJson, options);
        if (!result.Succeeded)
            throw new ToolGrainsException(result.Outcome == ToolOutcome.BadRequest ? ErrorCodes.InvalidRequest : ErrorCodes.ToolFailed,
                $"Tool '{tool}' {result.Outcome.ToString().ToLowerInvariant()}: {result.Error}", "tool");
        return result.ResultJson!;
    }
}
