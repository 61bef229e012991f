namespace ToolGrains.Qdrant;

/// <summary>The <c>ToolGrains:Qdrant</c> settings the tool needs.</summary>
public sealed class QdrantFailureOptions
{
    /// <summary>Qdrant's gRPC endpoint; unset makes the tool fail each call with a message saying so. Default: unset.</summary>
    public string? Url { get; set; }

    /// <summary>The collection (created on first use, cosine distance). Default: <c>tool_failures</c>.</summary>
    public string Collection { get; set; } = "tool_failures";

    /// <summary>API key, if the server requires one. Default: none.</summary>
    public string? ApiKey { get; set; }
}
