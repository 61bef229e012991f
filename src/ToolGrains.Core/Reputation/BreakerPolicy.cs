namespace ToolGrains.Core.Reputation;

/// <summary>
/// When a tool's <see cref="CircuitBreaker"/> opens and for how long (bound from <c>ToolGrains:Reputation:Breaker</c>).
/// Only transient faults count as failures here; a permanent failure is an answer, so it counts as a call that worked.
/// </summary>
public sealed class BreakerPolicy
{
    /// <summary>The policy every caller gets unless it configures another.</summary>
    public static BreakerPolicy Default { get; } = new();

    /// <summary>Calls remembered for the failure rate (the newest). Default 20.</summary>
    public int WindowSize { get; set; } = 20;

    /// <summary>Calls in the window before the failure rate may open the breaker. Default 5.</summary>
    public int MinimumCalls { get; set; } = 5;

    /// <summary>Share of transient faults in the window that opens the breaker (with <see cref="MinimumCalls"/>). Default 0.5.</summary>
    public double FailureRateThreshold { get; set; } = 0.5;

    /// <summary>Consecutive transient faults that open the breaker whatever the window. Default 3.</summary>
    public int ConsecutiveFailures { get; set; } = 3;

    /// <summary>Cool-down after the first transient fault in a row; each further fault in a row multiplies it by
    /// <see cref="CooldownMultiplier"/>, up to <see cref="MaxCooldown"/> (so with the defaults the breaker opens at the
    /// third fault for 20 s, then 40 s, 80 s, 2 min). Default 5 s.</summary>
    public TimeSpan BaseCooldown { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Growth of the cool-down per further fault in a row. Default 2.</summary>
    public double CooldownMultiplier { get; set; } = 2;

    /// <summary>Longest cool-down. Default 2 min.</summary>
    public TimeSpan MaxCooldown { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Longest <c>Retry-After</c> honoured; a longer one is cut to this. Default 5 min.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The cool-down after the <paramref name="faultsInARow"/>-th transient fault in a row (1-based).</summary>
    public TimeSpan CooldownFor(int faultsInARow)
    {
        var factor = Math.Pow(Math.Max(1, CooldownMultiplier), Math.Max(0, faultsInARow - 1));
        var ticks = BaseCooldown.Ticks * factor;
        return ticks >= MaxCooldown.Ticks ? MaxCooldown : TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>What is wrong with the values, for start-up validation; empty when none.</summary>
}
