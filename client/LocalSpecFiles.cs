using System.Text.Json.Nodes;
using ToolGrains.Core.Specs;

namespace ToolGrains.Cli;

/// <summary>
/// <c>extract_spec_from_file</c> from the CLI reads the caller's file on the caller's side (a relative path is
/// relative to the caller's working directory) and sends its text, so the silo reads no file a caller names.
/// </summary>
internal static class LocalSpecFiles
{
    public const string Operation = "extract_spec_from_file";

    /// <summary>
    /// Replaces <c>file_path</c> by the file's <c>text</c> in a request body; a body that is not a JSON object
    /// with a string <c>file_path</c>, or that already has <c>text</c>, is returned as it is for the protocol
    /// to answer.
    /// </summary>
    public static string Inline(string body)
    {
        JsonObject? request;
        try { request = JsonNode.Parse(body) as JsonObject; }
        catch (System.Text.Json.JsonException) { return body; }
        if (request is null || request.ContainsKey("text")
            || request["file_path"] is not JsonValue path || !path.TryGetValue<string>(out var filePath))
            return body;
        string text;
        try
        {
            text = SpecFileReader.ReadAllText(Path.GetFullPath(filePath));
        }
        catch (ToolGrainsException ex)
        {
            throw new ToolGrainsException(ex.Code, ex.Message.Replace(Path.GetFullPath(filePath), filePath), "file_path");
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, $"file_path is not a usable path: {ex.Message}", "file_path");
        }
        request.Remove("file_path");
        request["text"] = text;
        return request.ToJsonString();
    }
}
