using System.Collections.Immutable;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using ToolGrains.Core.Specs;

namespace ToolGrains.Core.Protocol;

/// <summary>
/// Every request and answer shape of the JSON protocol (docs/architecture.md), snake_case, generated at
/// compile time. Absent optional fields are written as null unless their record says otherwise.
/// </summary>
// MaxDepth as JsonRequest.Parse and JsonText.IsValid: an item the body may carry, the record may too.
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, MaxDepth = 128)]
[JsonSerializable(typeof(ErrorDocument))]
[JsonSerializable(typeof(BufferRequest))]
[JsonSerializable(typeof(BufferWriteResult))]
[JsonSerializable(typeof(BufferFlushResponse))]
[JsonSerializable(typeof(BufferStatusResponse))]
[JsonSerializable(typeof(BufferClearResult))]
[JsonSerializable(typeof(RegisterToolRequest))]
[JsonSerializable(typeof(RegisterToolResponse))]
[JsonSerializable(typeof(ToolStatusRequest))]
[JsonSerializable(typeof(ToolStatusResponse))]
[JsonSerializable(typeof(ImmutableArray<ToolStatusResponse>))]
[JsonSerializable(typeof(MarkToolFailureRequest))]
[JsonSerializable(typeof(MarkFailureResult))]
[JsonSerializable(typeof(ExtractSpecRequest))]
[JsonSerializable(typeof(SpecResponse))]
[JsonSerializable(typeof(ResilientToolCallRequest))]
[JsonSerializable(typeof(ResilientCallResponse))]
[JsonSerializable(typeof(ToolCallRequest))]
[JsonSerializable(typeof(UsageItem))]
public sealed partial class ProtocolJsonContext : JsonSerializerContext;

/// <summary>Writes and reads the protocol's documents through <see cref="ProtocolJsonContext"/>: the one serializer
/// of the adapter, the CLI's <c>--json</c> and the silo's HTTP errors.</summary>
public static class ProtocolJson
{
    // Readable text (no \u0027 for a quote, prose in any language as it is): answers are read by people and
    // scripts, never embedded in HTML.
    private static readonly JsonSerializerOptions Options = new(ProtocolJsonContext.Default.Options)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static JsonTypeInfo<T> Info<T>() => (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Info<T>());

    /// <summary>The error document: <c>{"error": {"code", "message", "field"?}}</c>.</summary>
    public static string Error(string code, string message, string? field) => Serialize(new ErrorDocument(new ToolGrainsError(code, message, field)));

    public static string Error(ToolGrainsError error) => Serialize(new ErrorDocument(error));
}

/// <summary>A JSON value kept as its text and written as it is (a buffered item, a tool's answer).</summary>
[JsonConverter(typeof(RawJsonConverter))]
public readonly record struct RawJson(string Text);

/// <summary>Writes a <see cref="RawJson"/> unchanged; the text was checked to be one JSON value when it was accepted.</summary>
public sealed class RawJsonConverter : JsonConverter<RawJson>
{
    public override RawJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return new RawJson(document.RootElement.GetRawText());
    }

    public override void Write(Utf8JsonWriter writer, RawJson value, JsonSerializerOptions options) =>
        writer.WriteRawValue(value.Text, skipInputValidation: true);
}
