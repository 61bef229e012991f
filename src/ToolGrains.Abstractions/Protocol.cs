namespace ToolGrains;

/// <summary>The answer of a JSON protocol call: a JSON document, or an error.</summary>
[GenerateSerializer, Immutable, Alias("ToolGrains.ProtocolResponse")]
public sealed record ProtocolResponse(
    [property: Id(0)] string Json,
    [property: Id(1)] ToolGrainsError? Error);

/// <summary>An error of the JSON protocol (docs/architecture.md): a stable code, a message and the field at fault.</summary>
[GenerateSerializer, Immutable, Alias("ToolGrains.ToolGrainsError")]
public sealed record ToolGrainsError(
    [property: Id(0)] string Code,
    [property: Id(1)] string Message,
    [property: Id(2), System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? Field = null);

/// <summary>
/// Serves the JSON tool protocol (<c>toolgrains call TOOL</c>) on the cluster, so every client and the
/// HTTP API share one parser and one set of error codes.
/// </summary>
[Alias("ToolGrains.IProtocolGrain")]
public interface IProtocolGrain : IGrainWithIntegerKey
{
    [Alias("Call")] Task<ProtocolResponse> CallAsync(string tool, string requestJson);
}
