using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace ToolGrains.Core.Protocol;

/// <summary>
/// One JSON protocol request: the body checked to be one JSON object, then read as the operation's request
/// record, with errors that name the field.
/// </summary>
public sealed class JsonRequest
{
    private JsonRequest(JsonElement root) => Root = root;

    /// <summary>Largest request body accepted. Default 16 MiB: a batch of large items still fits; a runaway body does not.</summary>
    public const int MaxRequestBytes = 16 * 1024 * 1024;

    public static JsonRequest Parse(string json)
    {
        if (string.IsNullOrWhiteSpace(json))
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, "The request body is empty; expected a JSON object.");
        if (Encoding.UTF8.GetByteCount(json) > MaxRequestBytes)
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, $"The request body is larger than {MaxRequestBytes} bytes.");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 128 });
        }
        catch (JsonException ex)
        {
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, $"The request body is not valid JSON: {ex.Message}");
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, $"The request body must be a JSON object, not {Describe(document.RootElement.ValueKind)}.");
        return new JsonRequest(document.RootElement);
    }

    /// <summary>The whole request, for a tool descriptor's free-form fields.</summary>
    public JsonElement Root { get; }

    /// <summary>The <c>operation</c> field when it is a string, for choosing the role before the request is read.</summary>
    public string? Operation =>
        Root.TryGetProperty("operation", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>The request as <typeparamref name="T"/>; a field of the wrong type is <c>invalid_request</c> naming it.</summary>
    public T Read<T>() where T : class
    {
        var info = ProtocolJson.Info<T>();
        try
        {
            return Root.Deserialize(info)!;
        }
        catch (JsonException ex)
        {
            var field = FieldOf(ex.Path);
            if (field is null || !Root.TryGetProperty(field, out var value))
                throw new ToolGrainsException(ErrorCodes.InvalidRequest, $"The request is not valid: {ex.Message}", field);
            var type = info.Properties.FirstOrDefault(p => p.Name == field)?.PropertyType;
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, $"'{field}' must be {Expected(type)}, not {Render(value)}.", field);
        }
    }

    /// <summary><paramref name="value"/> when it is not blank; else <c>invalid_request</c> naming <paramref name="field"/>.</summary>
    public static string Required(string? value, string field) =>
        !string.IsNullOrWhiteSpace(value)
            ? value
            : throw new ToolGrainsException(ErrorCodes.InvalidRequest, $"'{field}' is required and must be a non-empty string.", field);

    // "$.max_size" and "$.tags[1]" name max_size and tags.
    private static string? FieldOf(string? path)
    {
        if (path is null || !path.StartsWith("$.", StringComparison.Ordinal)) return null;
        var name = path[2..];
        var end = name.IndexOfAny(['.', '[']);
        return end < 0 ? name : name[..end];
    }

    private static string Expected(Type? type)
    {
        var t = type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
        if (t == typeof(int) || t == typeof(long)) return "an integer";
        if (t == typeof(double)) return "a number";
        if (t == typeof(bool)) return "true or false";
        if (t == typeof(string)) return "a string";
        if (t == typeof(ImmutableArray<string>)) return "an array of strings";
        if (t == typeof(ImmutableArray<JsonElement>)) return "an array of JSON values";
        return "a valid value";
    }

    private static string Render(JsonElement v)
    {
        var raw = v.GetRawText();
        return raw.Length > 40 ? raw[..40] + "…" : raw;
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "an object",
    };
}
