namespace ToolGrains.Grains.Security;

/// <summary>One <c>ToolGrains:ApiKeys:N</c> entry: a key and the role it grants.</summary>
public sealed class ApiKeyEntry
{
    /// <summary>The secret, at least 16 characters, no whitespace. Never logged. Default: none (required).</summary>
    public string Key { get; set; } = "";

    /// <summary><c>reader</c>, <c>caller</c> or <c>admin</c>. Default: none (required).</summary>
    public string Role { get; set; } = "";
}
