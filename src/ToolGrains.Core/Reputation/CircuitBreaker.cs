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
/// permanent failure means the tool answered, so it counts as a working call here.
/// <para>Every transient fault in a row starts a cool-down of <see cref="BreakerPolicy.CooldownFor"/>(c), c the faults
/// in a row (the base, doubled per further fault, capped), so the cool-down grows with repeated opens:</para>
/// <list type="bullet">
/// <item>Below the thresholds the breaker stays closed, but during the cool-down the tool's health is 1/(1 + c): one
/// fresh fault halves its estimate, so the traffic moves to a working tool at once.</item>
/// <item>On <see cref="BreakerPolicy.ConsecutiveFailures"/> faults in a row, or a failure rate of at least
/// <see cref="BreakerPolicy.FailureRateThreshold"/> over the last <see cref="BreakerPolicy.WindowSize"/> calls (once
/// there are <see cref="BreakerPolicy.MinimumCalls"/>), it opens: skipped during the cool-down unless no other
/// candidate remains.</item>
/// <item>After either cool-down it is half-open: health 1, so the next call probes the tool at its natural place in
/// the ranking. A success closes it (faults in a row back to 0); a fault opens it (or keeps it degraded) for a longer
/// cool-down.</item>
/// </list>
/// <para>A <c>Retry-After</c> the tool gave is honoured too: the tool is skipped until then. A plain model with public
/// setters, held in a grain's persistent state; not thread-safe. Every method takes the time, so tests drive it with a
/// fake clock.</para>
/// </summary>
public sealed class CircuitBreaker
{
    /// <summary>Closed or open as last changed; <see cref="StateAt"/> tells when a cool-down made it half-open.</summary>
    public BreakerState State { get; set; }

    /// <summary>The last calls, oldest first: true for a transient fault.</summary>
    public List<bool> Window { get; set; } = [];

    /// <summary>Transient faults since the last working call.</summary>
    public int ConsecutiveFailures { get; set; }

    /// <summary>Openings since the breaker was last closed by a working call.</summary>
    public int OpensInARow { get; set; }

    public long TotalOpens { get; set; }

    /// <summary>End of the cool-down: of the opening while open, of the degraded health while closed.</summary>
    public DateTimeOffset? OpenUntil { get; set; }

    public DateTimeOffset? LastTransitionAt { get; set; }

    /// <summary>Why the breaker is in its state (for <c>tool_status</c> and analytics).</summary>
    public string? Reason { get; set; }

    public DateTimeOffset? LastFailureAt { get; set; }

    /// <summary>The tool asked not to be called before this (<c>Retry-After</c>).</summary>
    public DateTimeOffset? RetryAfterUntil { get; set; }

    /// <summary>The state at <paramref name="now"/>: <see cref="BreakerState.HalfOpen"/> once a cool-down after a
    /// transient fault is over and no working call has answered since.</summary>
    public BreakerState StateAt(DateTimeOffset now)
    {
        if (State == BreakerState.Open)
            return OpenUntil is { } until && now < until ? BreakerState.Open : BreakerState.HalfOpen;
        return ConsecutiveFailures > 0 && (OpenUntil is null || now >= OpenUntil) ? BreakerState.HalfOpen : BreakerState.Closed;
    }

    /// <summary>Whether the tool should be skipped at <paramref name="now"/> when another candidate remains:
    /// open, or inside a <c>Retry-After</c>.</summary>
    public bool IsExcludedAt(DateTimeOffset now) =>
        StateAt(now) == BreakerState.Open || (RetryAfterUntil is { } until && now < until);

    /// <summary>
    /// The factor the breaker puts on the tool's success estimate: 1/(1 + c) during a cool-down (c the transient
    /// faults in a row), else 1. Half-open gives 1 so that the probe keeps its place in the ranking; an open breaker
    /// is skipped by <see cref="IsExcludedAt"/>, and when every candidate is skipped the health still orders them.
    /// </summary>
    public double HealthAt(DateTimeOffset now, BreakerPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (ConsecutiveFailures == 0 || StateAt(now) == BreakerState.HalfOpen)
            return 1;
        return Math.Round(1.0 / (1 + ConsecutiveFailures), 6, MidpointRounding.AwayFromZero);
    }

    /// <summary>A call that worked (or failed permanently: the tool answered). Closes the breaker.</summary>
    /// <returns>Whether it was open or half-open.</returns>
    public bool RecordSuccess(DateTimeOffset now, BreakerPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var wasOpen = State != BreakerState.Closed;
        var hadFaults = ConsecutiveFailures > 0;
        ConsecutiveFailures = 0;
        RetryAfterUntil = null;
        OpenUntil = null;
        if (wasOpen)
        {
            // A probe (or a call forced while open, because nothing else was left) answered: the outage is over.
            Window.Clear();
            OpensInARow = 0;
            Transition(BreakerState.Closed, now, "a call worked after the breaker opened");
        }
        Push(false, policy);
        return wasOpen || hadFaults;
    }

    /// <summary>A transient fault: starts a longer cool-down, and opens the breaker past its thresholds or when a probe
    /// of an open one failed. <paramref name="retryAfter"/> (capped by <see cref="BreakerPolicy.MaxRetryAfter"/>) keeps
    /// the tool skipped at least that long.</summary>
    /// <returns>Whether the breaker opened (or reopened).</returns>
    public bool RecordFailure(DateTimeOffset now, BreakerPolicy policy, string? error = null, TimeSpan? retryAfter = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var wasOpen = State == BreakerState.Open;
        // Tried while still open (nothing else carried the tags): the outage goes on, the opening stands, longer.
        var forcedWhileOpen = StateAt(now) == BreakerState.Open;
        ConsecutiveFailures++;
        LastFailureAt = now;
        Push(true, policy);
        if (retryAfter is { } delay && delay > TimeSpan.Zero)
        {
            var retryUntil = now + (delay > policy.MaxRetryAfter ? policy.MaxRetryAfter : delay);
            if (RetryAfterUntil is null || retryUntil > RetryAfterUntil) RetryAfterUntil = retryUntil;
        }
        var until = now + policy.CooldownFor(ConsecutiveFailures);
        if (RetryAfterUntil is { } retry && retry > until) until = retry;
        OpenUntil = until;
        var detail = string.IsNullOrWhiteSpace(error) ? "" : ": " + Shorten(error);
        if (forcedWhileOpen)
            return false;
        if (wasOpen)
            return Open(now, "the half-open probe failed" + detail);
        if (ConsecutiveFailures >= policy.ConsecutiveFailures)
            return Open(now, $"{ConsecutiveFailures} transient faults in a row{detail}");
        if (Window.Count >= policy.MinimumCalls && FailureRate >= policy.FailureRateThreshold)
            return Open(now, $"transient faults on {Math.Round(FailureRate * 100)}% of the last {Window.Count} calls{detail}");
        return false;
    }

    /// <summary>Share of transient faults in the window; 0 when empty.</summary>
    public double FailureRate => Window.Count == 0 ? 0 : Window.Count(f => f) / (double)Window.Count;

    private bool Open(DateTimeOffset now, string reason)
    {
        OpensInARow++;
        TotalOpens++;
        Transition(BreakerState.Open, now, reason);
        return true;
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

    private static string Shorten(string s) => s.Length <= 160 ? s : s[..160] + "…";

    /// <summary>The protocol's name of a state: <c>closed</c>, <c>open</c>, <c>half_open</c>.</summary>
    public static string NameOf(BreakerState state) => state switch
    {
        BreakerState.Open => "open",
        BreakerState.HalfOpen => "half_open",
        _ => "closed",
    };
}
