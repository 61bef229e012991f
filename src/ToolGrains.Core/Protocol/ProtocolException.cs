namespace ToolGrains.Core.Protocol;

/// <summary>A request refused by the JSON protocol, with its error code and the field at fault.</summary>
public sealed class ProtocolException(string code, string message, string? field = null) : Exception(message)
{
    public string Code { get; } = code;
    public string? Field { get; } = field;
}
