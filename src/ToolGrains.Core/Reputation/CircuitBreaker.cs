namespace ToolGrains.Core.Reputation;

/// <summary>The states of a <see cref="CircuitBreaker"/>.</summary>
public enum BreakerState
{
    /// <summary>Calls go through; the tool ranks by its estimate times its health.</summary>
    Closed = 0,
    /// <summary>Skipped during the cool-down, unless no other candidate carries the request's tags.</summary>
    Open = 1,
    /// <summary>The cool-down is over: the next call probes the tool at its place in the ranking; a success
    /// closes the breaker, a transient fault opens it again with a longer cool-down.</summary>
    HalfOpen = 2,
}

/// <summary>
/// One tool's circuit breaker (issue 15), fed by transient faults only (<see cref="FaultKind.Transient"/>): a
/// permanent failure means the tool answered, so it counts as a working call here. It opens on
/// <see cref="BreakerPolicy.ConsecutiveFailures"/> faults in a row, or on a failure rate of at least
/// <see cref="BreakerPolicy.FailureRateThreshold"/> over the last <see cref="BreakerPolicy.WindowSize"/> calls once
/// there are <see cref="BreakerPolicy.MinimumCalls"/>. Open, it is skipped for a cool-down that grows with each
/// opening in a row (<see cref="BreakerPolicy.CooldownFor"/>); then it is half-open until a call tells. A
/// <c>Retry-After</c> the tool gave is honoured the same way: the tool is skipped until then.
/// <para>
/// A plain model with public setters, held in a grain's persistent state; not thread-safe. Every method takes
/// the time, so tests drive it with a fake clock.
/// </para>
/// </summary>
public sealed class CircuitBreaker
{
    /// <summary>The state as last changed; <see cref="StateAt"/> also turns an expired <see cref="BreakerState.Open"/> half-open.</summary>
    public BreakerState State { get; set; }

    /// <summary>The last calls, oldest first: true for a transient fault.</summary>
    public List<bool> Window { get; set; } = [];

    public int ConsecutiveFailures { get; set; }

    /// <summary>Openings since the breaker was last closed by a success: what the cool-down grows with.</summary>
    public int OpensInARow { get; set; }

    public long TotalOpens { get; set; }

    /// <summary>End of the current cool-down.</summary>
    public DateTimeOffset? OpenUntil { get; set; }

    public DateTimeOffset? LastTransitionAt { get; set; }

    /// <summary>Why the breaker is in its state (for <c>tool_status</c> and analytics).</summary>
    public string? Reason { get; set; }

    public DateTimeOffset? LastFailureAt { get; set; }

    /// <summary>The tool asked not to be called before this (<c>Retry-After</c>).</summary>
    public DateTimeOffset? RetryAfterUntil { get; set; }

    /// <summary>The state at <paramref name="now"/>: <see cref="BreakerState.HalfOpen"/> once an open breaker's cool-down is over.</summary>
    public BreakerState StateAt(DateTimeOffset now) =>
        State == BreakerState.Open && (OpenUntil is null || now >= OpenUntil) ? BreakerState.HalfOpen : State;

    /// <summary>Whether the tool should be skipped at <paramref name="now"/> when another candidate remains:
    /// open, or inside a <c>Retry-After</c>.</summary>
    public bool IsExcludedAt(DateTimeOffset now) =>
        StateAt(now) == BreakerState.Open || (RetryAfterUntil is { } until && now < until);

    /// <summary>
    /// The factor a closed breaker puts on the tool's success estimate: 1 / (1 + c·w), c the consecutive
    /// transient faults and w the decay weight of the last one (<see cref="BreakerPolicy.HealthHalfLife"/>). One
    /// fresh fault halves it, so a timing-out tool drops behind a working one at once, and time alone brings it
    /// back. Half-open gives 1 so that the probe keeps its place in the ranking. An open breaker has the same
    /// formula: it is skipped by <see cref="IsExcludedAt"/>, and when every candidate is skipped the health still
    /// orders them.
    /// </summary>
    public double HealthAt(DateTimeOffset now, BreakerPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (StateAt(now) == BreakerState.HalfOpen)
            return 1;
        if (ConsecutiveFailures == 0 || LastFailureAt is not { } last)
            return 1;
        var weight = Decay(last, now, policy.HealthHalfLife);
        return Math.Round(1 / (1 + ConsecutiveFailures * weight), 6, MidpointRounding.AwayFromZero);
    }

    /// <summary>A call that worked (or failed permanently: the tool answered). Closes a half-open or open breaker.</summary>
    /// <returns>Whether the state changed.</returns>
    public bool RecordSuccess(DateTimeOffset now, BreakerPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ConsecutiveFailures = 0;
        RetryAfterUntil = null;
        var changed = false;
        if (State != BreakerState.Closed)
        {
            // A probe (or a call forced while open, because nothing else was left) answered: the outage is over.
            Window.Clear();
            OpensInARow = 0;
            OpenUntil = null;
            Transition(BreakerState.Closed, now, "a call succeeded after the breaker opened");
            changed = true;
        }
        Push(false, policy);
        return changed;
    }

    /// <summary>A transient fault. Opens a closed breaker past its thresholds, reopens a half-open one with a
    /// longer cool-down; <paramref name="retryAfter"/> (capped by <see cref="BreakerPolicy.MaxRetryAfter"/>) keeps
    /// the tool skipped at least that long.</summary>
    /// <returns>Whether the breaker opened.</returns>
    public bool RecordFailure(DateTimeOffset now, BreakerPolicy policy, string? error = null, TimeSpan? retryAfter = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var state = StateAt(now);
        ConsecutiveFailures++;
        LastFailureAt = now;
        Push(true, policy);
        if (retryAfter is { } delay && delay > TimeSpan.Zero)
        {
            var until = now + (delay > policy.MaxRetryAfter ? policy.MaxRetryAfter : delay);
            if (RetryAfterUntil is null || until > RetryAfterUntil) RetryAfterUntil = until;
        }
        var detail = string.IsNullOrWhiteSpace(error) ? "" : ": " + Shorten(error);
        switch (state)
        {
            case BreakerState.HalfOpen:
                Open(now, policy, "the half-open probe failed" + detail);
                return true;
            case BreakerState.Closed when ConsecutiveFailures >= policy.ConsecutiveFailures:
                Open(now, policy, $"{ConsecutiveFailures} transient faults in a row{detail}");
                return true;
            case BreakerState.Closed when Window.Count >= policy.MinimumCalls && FailureRate >= policy.FailureRateThreshold:
                Open(now, policy, $"transient faults on {Math.Round(FailureRate * 100)}% of the last {Window.Count} calls{detail}");
                return true;
            default:
                return false; // Already open: a call forced through it failed too; the cool-down stands.
        }
    }

    /// <summary>Share of transient faults in the window; 0 when empty.</summary>
    public double FailureRate => Window.Count == 0 ? 0 : Window.Count(f => f) / (double)Window.Count;

    private void Open(DateTimeOffset now, BreakerPolicy policy, string reason)
    {
        OpensInARow++;
        TotalOpens++;
        var until = now + policy.CooldownFor(OpensInARow);
        if (RetryAfterUntil is { } retry && retry > until) until = retry;
        OpenUntil = until;
        Transition(BreakerState.Open, now, reason);
    }

    private void Transition(BreakerState state, DateTimeOffset now, string reason)
    {
        State = state;
        LastTransitionAt = now;
        Reason = reason;
    }

    private void Push(bool failure, BreakerPolicy policy)
    {
        Window.Add(failure);
        var excess = Window.Count - Math.Max(1, policy.WindowSize);
        if (excess > 0) Window.RemoveRange(0, excess);
    }

    private static double Decay(DateTimeOffset at, DateTimeOffset now, TimeSpan halfLife)
    {
        if (halfLife <= TimeSpan.Zero) return 1;
        var age = now - at;
        return age <= TimeSpan.Zero ? 1 : Math.Pow(2, -(age / halfLife));
    }

    private static string Shorten(string s) => s.Length <= 160 ? s : s[..160] + "…";

    /// <summary>The protocol's name of a state: <c>closed</c>, <c>open</c>, <c>half_open</c>.</summary>
    public static string NameOf(BreakerState state) => state switch
    {
        BreakerState.Open => "open",
        BreakerState.HalfOpen => "half_open",
        _ => "closed",
    };
}
