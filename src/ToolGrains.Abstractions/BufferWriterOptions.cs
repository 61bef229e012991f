namespace ToolGrains;

/// <summary>How much one call of a <see cref="BufferWriter"/> may carry (<see cref="ToolGrainsClientOptions.BufferWriter"/>).</summary>
public sealed class BufferWriterOptions
{
    /// <summary>Most items in one grain call. Default: 1,000. At least 1 (1 sends every write on its own).</summary>
    public int MaxItemsPerCall { get; set; } = 1_000;

    /// <summary>Most characters of items in one grain call; a single larger item still goes, alone. Default: 1,048,576.</summary>
    public int MaxCharsPerCall { get; set; } = 1 << 20;
}
