using Microsoft.Extensions.Time.Testing;
using ToolGrains.Core.Reputation;

namespace ToolGrains.Core.Tests.Reputation;

public sealed class CircuitBreakerTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 5, 1, 8, 0, 0, TimeSpan.Zero));
    private static readonly BreakerPolicy Policy = new() { ConsecutiveFailures = 3, MinimumCalls = 5, WindowSize = 10, BaseCooldown = TimeSpan.FromSeconds(10), MaxCooldown = TimeSpan.FromSeconds(60) };

    private DateTimeOffset Now => _clock.GetUtcNow();

    [Fact]
    public void Consecutive_transient_faults_open_it_and_it_is_skipped_during_the_cooldown()
    {
        var breaker = new CircuitBreaker();
        Assert.False(breaker.RecordFailure(Now, Policy, "HTTP 503"));
        Assert.False(breaker.RecordFailure(Now, Policy, "HTTP 503"));
        Assert.Equal(BreakerState.Closed, breaker.StateAt(Now));
        Assert.True(breaker.RecordFailure(Now, Policy, "HTTP 503"));
        Assert.Equal(BreakerState.Open, breaker.StateAt(Now));
        Assert.True(breaker.IsExcludedAt(Now));
        Assert.Contains("3 transient faults in a row: HTTP 503", breaker.Reason);
        Assert.Equal(Now, breaker.LastTransitionAt);

        _clock.Advance(TimeSpan.FromSeconds(9.9));
        Assert.True(breaker.IsExcludedAt(Now));
        _clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal(BreakerState.HalfOpen, breaker.StateAt(Now));
        Assert.False(breaker.IsExcludedAt(Now));
        Assert.Equal(1, breaker.HealthAt(Now, Policy)); // the probe keeps its place in the ranking
    }

    [Fact]
    public void A_failed_probe_reopens_with_a_growing_cooldown_capped_and_a_success_closes()
    {
        var breaker = new CircuitBreaker();
        for (var i = 0; i < 3; i++) breaker.RecordFailure(Now, Policy);
        var expected = new[] { 20, 40, 60, 60 };
        foreach (var seconds in expected)
        {
            _clock.Advance(breaker.OpenUntil!.Value - Now);
            Assert.Equal(BreakerState.HalfOpen, breaker.StateAt(Now));
            Assert.True(breaker.RecordFailure(Now, Policy, "refused"));
            Assert.Equal(TimeSpan.FromSeconds(seconds), breaker.OpenUntil - Now);
            Assert.Contains("probe failed", breaker.Reason);
        }
        Assert.Equal(5, breaker.TotalOpens);

        _clock.Advance(TimeSpan.FromSeconds(60));
        Assert.True(breaker.RecordSuccess(Now, Policy));
        Assert.Equal(BreakerState.Closed, breaker.StateAt(Now));
        Assert.Equal(1, breaker.HealthAt(Now, Policy));
        // Closed again, the next opening starts from the base cool-down.
        for (var i = 0; i < 3; i++) breaker.RecordFailure(Now, Policy);
        Assert.Equal(TimeSpan.FromSeconds(10), breaker.OpenUntil - Now);
    }

    [Fact]
    public void The_failure_rate_over_the_window_opens_it_only_past_the_minimum_calls()
    {
        var breaker = new CircuitBreaker();
        // Alternating: never 3 in a row; the rate reaches 50 % at the 4th call but 5 calls are needed.
        Assert.False(breaker.RecordFailure(Now, Policy));
        breaker.RecordSuccess(Now, Policy);
        Assert.False(breaker.RecordFailure(Now, Policy));
        breaker.RecordSuccess(Now, Policy);
        Assert.Equal(BreakerState.Closed, breaker.StateAt(Now));
        Assert.True(breaker.RecordFailure(Now, Policy)); // 3 of 5
        Assert.Contains("60% of the last 5 calls", breaker.Reason);
    }

    [Fact]
    public void Health_halves_with_a_fresh_fault_and_recovers_with_time()
    {
        var breaker = new CircuitBreaker();
        breaker.RecordFailure(Now, Policy);
        Assert.Equal(0.5, breaker.HealthAt(Now, Policy));
        _clock.Advance(Policy.HealthHalfLife);
        Assert.Equal(1 / 1.5, breaker.HealthAt(Now, Policy), 5);
        _clock.Advance(TimeSpan.FromHours(1));
        Assert.True(breaker.HealthAt(Now, Policy) > 0.99);
        breaker.RecordSuccess(Now, Policy);
        Assert.Equal(1, breaker.HealthAt(Now, Policy));
    }

    [Fact]
    public void Retry_after_keeps_the_tool_skipped_until_then_even_if_closed()
    {
        var breaker = new CircuitBreaker();
        breaker.RecordFailure(Now, Policy, "HTTP 429", TimeSpan.FromSeconds(1));
        Assert.Equal(BreakerState.Closed, breaker.StateAt(Now));
        Assert.True(breaker.IsExcludedAt(Now));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(breaker.IsExcludedAt(Now));

        // An opening never ends before the Retry-After, and a huge Retry-After is capped.
        var capped = new CircuitBreaker();
        capped.RecordFailure(Now, Policy, null, TimeSpan.FromDays(3));
        Assert.Equal(Policy.MaxRetryAfter, capped.RetryAfterUntil - Now);
        capped.RecordFailure(Now, Policy);
        capped.RecordFailure(Now, Policy);
        Assert.Equal(Policy.MaxRetryAfter, capped.OpenUntil - Now);
    }

    [Fact]
    public void Cooldown_growth_and_policy_validation()
    {
        Assert.Equal(TimeSpan.FromSeconds(5), BreakerPolicy.Default.CooldownFor(1));
        Assert.Equal(TimeSpan.FromSeconds(20), BreakerPolicy.Default.CooldownFor(3));
        Assert.Equal(TimeSpan.FromMinutes(2), BreakerPolicy.Default.CooldownFor(50));
        Assert.Empty(BreakerPolicy.Default.Validate());
        Assert.Contains(new BreakerPolicy { FailureRateThreshold = 0 }.Validate(), e => e.Contains("FailureRateThreshold"));
        Assert.Contains(new BreakerPolicy { MaxCooldown = TimeSpan.FromSeconds(1) }.Validate(), e => e.Contains("MaxCooldown"));
    }
}
