using System.Text;
using System.Text.Json;

namespace ToolGrains.Core.Protocol;

public static class JsonText
{
    /// <summary>True when <paramref name="json"/> is exactly one well-formed JSON value (checked without building a DOM).</summary>
    public static bool IsValid(string json)
    {
        if (string.IsNullOrWhiteSpace(json)) return false;
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json), new JsonReaderOptions { MaxDepth = 128 });
        try
        {
            while (reader.Read()) { }
            return reader.BytesConsumed > 0;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
