namespace ToolGrains;

/// <summary>The client's side of ToolGrains security.</summary>
public sealed class ToolGrainsClientOptions
{
    /// <summary>The API key sent with every call (<c>ToolGrains:ApiKeys</c> on the silos). Default: none, for a
    /// cluster without keys.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Limits of the client's <see cref="ToolGrains.BufferWriter"/>. Default: see <see cref="BufferWriterOptions"/>.</summary>
    public BufferWriterOptions BufferWriter { get; } = new();
}
