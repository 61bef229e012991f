using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ToolGrains.Core.Specs;

/// <summary>
/// A request spec extraction refuses, with the error code of the JSON protocol (docs/architecture.md):
/// <see cref="InvalidRequest"/>, <see cref="FileNotFound"/>, <see cref="NotUtf8"/>, <see cref="NotText"/>,
/// <see cref="FileTooLarge"/>, <see cref="EmptyFile"/>, <see cref="FileNotReadable"/>.
/// </summary>
public sealed class SpecExtractionException(string code, string message, string? field = null) : Exception(message)
{
    public const string InvalidRequest = "invalid_request";
    public const string FileNotFound = "file_not_found";
    public const string NotUtf8 = "not_utf8";
    /// <summary>Binary content (NUL bytes): UTF-8 in form perhaps, but not a text document.</summary>
    public const string NotText = "not_text";
    public const string FileTooLarge = "file_too_large";
    public const string EmptyFile = "empty_file";
    /// <summary>The file exists but the OS refused to read it (permissions, locks, I/O errors).</summary>
    public const string FileNotReadable = "file_not_readable";

    /// <summary>The machine-readable code, e.g. <c>file_not_found</c>.</summary>
    public string Code { get; } = code;

    /// <summary>The request field at fault (<c>file_path</c>, <c>max_length</c>), or null.</summary>
    public string? Field { get; } = field;

    /// <summary>The protocol's error document: <c>{"error": {"code", "message", "field"?}}</c>.</summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("error");
            writer.WriteString("code", Code);
            writer.WriteString("message", Message);
            if (Field is not null)
            {
                writer.WriteString("field", Field);
            }
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
    }
}
