namespace ToolGrains;

/// <summary>A request the cluster refused, with the protocol's error code and the field at fault.</summary>
[GenerateSerializer, Alias("ToolGrains.ToolGrainsException")]
public sealed class ToolGrainsException : Exception
{
    public ToolGrainsException(string code, string message, string? field = null) : base(message)
    {
        Code = code;
        Field = field;
    }

    [Id(0)] public string Code { get; }
    [Id(1)] public string? Field { get; }

    public ToolGrainsError ToError() => new(Code, Message, Field);
}
