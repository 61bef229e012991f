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
}
