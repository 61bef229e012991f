namespace ToolGrains.Grains.Running;

/// <summary>Limits on what a tool may send back.</summary>
public sealed class ToolRunnerOptions
{
    /// <summary>Most bytes read from a tool's stdout (or HTTP body); more is a failure. Default: 16 MiB.</summary>
    public int MaxOutputBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>How much of the end of stderr becomes the failure message. Default: 4 KiB.</summary>
    public int MaxErrorChars { get; set; } = 4096;

    /// <summary>
    /// Folders an executable tool's command must be inside. The silo sets it to <c>ToolsDir</c> plus
    /// <c>ToolGrains:AllowedToolDirs</c>. Default: empty, which (a host that sets nothing) allows any folder.
    /// </summary>
    public List<string> AllowedExecutableDirectories { get; set; } = [];

    /// <summary>
    /// The only environment variables an executable tool inherits; the silo's own (connection strings,
    /// keys) never reach a tool. Default: PATH, HOME, LANG, LC_ALL, TZ, TMPDIR.
    /// </summary>
    public List<string> PassedEnvironment { get; set; } = ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR"];

    /// <summary>
    /// The folder <c>jsonl_file_writer</c> paths resolve in; a path that leaves it is refused. The silo sets it to
    /// <c>ToolGrains:SinkDir</c> (default <c>DataDir/sinks</c>). Default here: <c>./data/sinks</c>.
    /// </summary>
    public string SinkDirectory { get; set; } = Path.Combine("data", "sinks");

    /// <summary>Where HTTP tools may send requests. Default: any host but link-local and metadata addresses.</summary>
    public HttpToolOptions HttpTools { get; set; } = new();

    /// <summary>Executable tools running at once on this silo; more calls wait for a slot. The invoker and
    /// the tool-call grain are reentrant, so without it a burst of calls would start a process each.
    /// Default: 4 per core, at least 8 (the silo sets <c>ToolGrains:MaxToolProcesses</c>).</summary>
    public int MaxConcurrentProcesses { get; set; } = Math.Max(8, 4 * Environment.ProcessorCount);
}
