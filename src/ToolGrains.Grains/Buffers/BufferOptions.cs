namespace ToolGrains.Grains.Buffers;

/// <summary>Silo-wide limits and defaults of buffers (configuration section <c>ToolGrains:Buffers</c>).</summary>
public sealed class BufferOptions
{
    /// <summary>Pending plus in-flight items at which writes are refused with <c>buffer_full</c>. Default: 10,000.</summary>
    public int MaxBufferedItems { get; set; } = 10_000;

    /// <summary>Largest item, in UTF-8 bytes; a larger one is refused with <c>item_too_large</c>. Default: 1 MiB.</summary>
    public int MaxItemBytes { get; set; } = 1024 * 1024;

    /// <summary>Default <c>max_size</c> of a new buffer. Default: 100.</summary>
    public int DefaultMaxSize { get; set; } = 100;

    /// <summary>Default <c>flush_interval_seconds</c> of a new buffer. Default: 5.</summary>
    public double DefaultFlushIntervalSeconds { get; set; } = 5.0;

    /// <summary>
    /// Period of the reminder kept while items are pending, which brings a buffer back after its silo died.
    /// Default: 1 minute (the Orleans minimum unless <c>ReminderOptions.MinimumReminderPeriod</c> is lowered).
    /// </summary>
    public TimeSpan RecoveryReminderPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>First retry delay of a failed batch; doubles per attempt. Default: 0.5 s.</summary>
    public TimeSpan RetryInitialDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest retry delay of a failed batch. Default: 60 s.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a deactivating buffer tries to deliver its last batch. Default: 5 s.</summary>
    public TimeSpan DeactivationFlushTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public IEnumerable<string> Validate()
    {
        if (MaxBufferedItems < 1) yield return "ToolGrains:Buffers:MaxBufferedItems must be at least 1.";
        if (MaxItemBytes < 16) yield return "ToolGrains:Buffers:MaxItemBytes must be at least 16.";
        if (DefaultMaxSize is < 1 or > BufferRules.MaxMaxSize) yield return $"ToolGrains:Buffers:DefaultMaxSize must be 1..{BufferRules.MaxMaxSize}.";
        if (!(DefaultFlushIntervalSeconds > 0) || !double.IsFinite(DefaultFlushIntervalSeconds)) yield return "ToolGrains:Buffers:DefaultFlushIntervalSeconds must be a positive number.";
        if (RecoveryReminderPeriod <= TimeSpan.Zero) yield return "ToolGrains:Buffers:RecoveryReminderPeriod must be positive.";
        if (RetryInitialDelay <= TimeSpan.Zero || RetryMaxDelay < RetryInitialDelay) yield return "ToolGrains:Buffers:RetryInitialDelay must be positive and at most RetryMaxDelay.";
    }
}

/// <summary>Validation rules shared by the typed grain API and the JSON protocol.</summary>
public static class BufferRules
{
    public const int MaxMaxSize = 100_000;
    public const double MaxFlushIntervalSeconds = 86_400;
    public const int MaxBufferIdLength = 256;

    public static void ValidateBufferId([System.Diagnostics.CodeAnalysis.NotNull] string? bufferId)
    {
        if (string.IsNullOrWhiteSpace(bufferId))
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, "'buffer_id' is required and must be a non-empty string.", "buffer_id");
        if (bufferId.Length > MaxBufferIdLength || bufferId.Any(char.IsControl))
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, $"'buffer_id' must be at most {MaxBufferIdLength} characters without control characters.", "buffer_id");
    }

    public static void Validate(BufferSettingsUpdate settings)
    {
        if (settings.MaxSize is { } m && (m < 1 || m > MaxMaxSize))
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, $"'max_size' must be from 1 to {MaxMaxSize}, not {m}.", "max_size");
        if (settings.FlushIntervalSeconds is { } f && (!double.IsFinite(f) || f <= 0 || f > MaxFlushIntervalSeconds))
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, $"'flush_interval_seconds' must be greater than 0 and at most {MaxFlushIntervalSeconds}.", "flush_interval_seconds");
        if (settings.Strategy is { } s && !Enum.IsDefined(s))
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, $"'strategy' {(int)s} is not batched, immediate or manual.", "strategy");
        if (settings.PassThroughTool is { } t && string.IsNullOrWhiteSpace(t))
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, "'pass_through_tool' must be a non-empty tool id.", "pass_through_tool");
    }
}
