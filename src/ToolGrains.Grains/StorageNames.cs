namespace ToolGrains.Grains;

/// <summary>Names of the grain storage providers the grains persist to; the hosting profile binds them.</summary>
public static class StorageNames
{
    public const string Default = "toolgrains";
}
