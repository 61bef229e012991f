using System.Buffers;
using System.Text;
using System.Text.Json;

namespace ToolGrains.Core.Protocol;

public static class JsonText
{
    // Throws on an unpaired surrogate instead of writing U+FFFD: such text cannot be stored or sent as UTF-8
    // unchanged (SQLite's own conversion even merged it with the next character), so it is not valid JSON text.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// True when <paramref name="json"/> is exactly one well-formed JSON value and valid UTF-16 (no unpaired
    /// surrogate), checked without building a DOM.
    /// </summary>
    public static bool IsValid(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return false;
        var rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(json.Length));
        try
        {
            var reader = new Utf8JsonReader(rented.AsSpan(0, StrictUtf8.GetBytes(json, rented)), new JsonReaderOptions { MaxDepth = 128 });
            while (reader.Read()) { }
            return reader.BytesConsumed > 0;
        }
        catch (Exception ex) when (ex is JsonException or EncoderFallbackException)
        {
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// A tool's input (<c>input_data</c>, a plain or a resilient call's): refused with <c>invalid_request</c> unless it is
    /// one JSON document (<see cref="IsValid"/>), so a caller's null or fragment is its own error, not the tool's.
    /// </summary>
    public static void RequireToolInput(string? json)
    {
        if (!IsValid(json))
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, "'input_data' must be a JSON document.", "input_data");
    }
}
