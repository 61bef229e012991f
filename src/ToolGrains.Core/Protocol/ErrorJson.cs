using System.Text.Json;

namespace ToolGrains.Core.Protocol;

/// <summary>Writes the protocol's error document: <c>{"error": {"code", "message", "field"?}}</c>.</summary>
public static class ErrorJson
{
    public static string Write(string code, string message, string? field)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, JsonWriting.Options))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("error");
            writer.WriteString("code", code);
            writer.WriteString("message", message);
            if (field is not null) writer.WriteString("field", field);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
