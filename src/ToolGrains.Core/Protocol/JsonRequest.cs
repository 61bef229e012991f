using System.Text;
using System.Text.Json;

namespace ToolGrains.Core.Protocol;

/// <summary>
/// Reads the fields of one JSON protocol request with errors that name the field, so every
/// operation validates its input the same way.
/// </summary>
public sealed class JsonRequest
{
    private readonly JsonElement _root;

    private JsonRequest(JsonElement root) => _root = root;

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

    public JsonElement Root => _root;

    public bool Has(string field) => _root.TryGetProperty(field, out var v) && v.ValueKind != JsonValueKind.Null;

    public bool TryGet(string field, out JsonElement value)
    {
        if (_root.TryGetProperty(field, out value) && value.ValueKind != JsonValueKind.Null) return true;
        value = default;
        return false;
    }

    public string RequiredString(string field) =>
        OptionalString(field) is { Length: > 0 } s && !string.IsNullOrWhiteSpace(s)
            ? s
            : throw new ToolGrainsException(ErrorCodes.InvalidRequest, $"'{field}' is required and must be a non-empty string.", field);

    public string? OptionalString(string field)
    {
        if (!TryGet(field, out var v)) return null;
        return v.ValueKind == JsonValueKind.String
            ? v.GetString()
            : throw new ToolGrainsException(ErrorCodes.InvalidRequest, $"'{field}' must be a string, not {Describe(v.ValueKind)}.", field);
    }

    public int? OptionalInt(string field, int min, int max)
    {
        if (!TryGet(field, out var v)) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out var n))
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, $"'{field}' must be an integer from {min} to {max}, not {Render(v)}.", field);
        if (n < min || n > max)
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, $"'{field}' must be from {min} to {max}, not {n}.", field);
        return (int)n;
    }

    public double? OptionalPositiveDouble(string field, double max)
    {
        if (!TryGet(field, out var v)) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out var d) || !double.IsFinite(d))
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, $"'{field}' must be a positive number, not {Render(v)}.", field);
        if (d <= 0 || d > max)
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, $"'{field}' must be greater than 0 and at most {max}, not {d}.", field);
        return d;
    }

    public bool? OptionalBool(string field)
    {
        if (!TryGet(field, out var v)) return null;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new ToolGrainsException(ErrorCodes.InvalidRequest, $"'{field}' must be true or false, not {Render(v)}.", field),
        };
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
