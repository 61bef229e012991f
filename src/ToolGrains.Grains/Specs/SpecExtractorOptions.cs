namespace ToolGrains.Grains.Specs;

/// <summary>What spec extraction on the cluster may read (<c>ToolGrains:SpecDirs</c>).</summary>
public sealed class SpecExtractorOptions
{
    /// <summary>
    /// The only folders whose files <c>extract_spec_from_file</c> reads by <c>file_path</c>, symbolic links followed.
    /// Default: none, so a silo reads no file a caller names; callers send the text (the CLI does).
    /// </summary>
    public List<string> AllowedDirectories { get; set; } = [];
}
