using Microsoft.Extensions.Time.Testing;
using ToolGrains.Core.Reputation;

namespace ToolGrains.Core.Tests.Reputation;

public sealed class CircuitBreakerTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 5, 1, 8, 0, 0, TimeSpan.Zero));
    private static readonly BreakerPolicy Policy = new() { ConsecutiveFailures = 3, MinimumCalls = 5, WindowSize = 10, BaseCooldown = TimeSpan.FromSeconds(10), MaxCooldown = TimeSpan.FromSeconds(60) };

    private DateTimeOffset Now => _clock.GetUtcNow();

    [Fact]
    public void One_fault_halves_the_health_for_a_cooldown_then_the_tool_is_probed()
    {
        var breaker = new CircuitBreaker();
        Assert.False(breaker.RecordFailure(Now, Policy, "HTTP 503"));
        Assert.Equal(BreakerState.Closed, breaker.StateAt(Now));
        Assert.False(breaker.IsExcludedAt(Now));
        Assert.Equal(0.5, breaker.HealthAt(Now, Policy));
        _clock.Advance(TimeSpan.FromSeconds(9.9));
        Assert.Equal(0.5, breaker.HealthAt(Now, Policy));
        _clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal(BreakerState.HalfOpen, breaker.StateAt(Now));
        Assert.Equal(1, breaker.HealthAt(Now, Policy)); // the probe keeps its place in the ranking
        Assert.True(breaker.RecordSuccess(Now, Policy));
        Assert.Equal((BreakerState.Closed, 1.0, 0), (breaker.StateAt(Now), breaker.HealthAt(Now, Policy), breaker.ConsecutiveFailures));
    }

    [Fact]
    public void Consecutive_faults_open_it_it_is_skipped_during_a_cooldown_that_grows_and_a_success_closes_it()
    {
        var breaker = new CircuitBreaker();
        breaker.RecordFailure(Now, Policy, "HTTP 503");
        _clock.Advance(TimeSpan.FromSeconds(10));
        Assert.False(breaker.RecordFailure(Now, Policy, "HTTP 503"));
        Assert.Equal(1 / 3.0, breaker.HealthAt(Now, Policy), 5);
        _clock.Advance(TimeSpan.FromSeconds(20));
        Assert.True(breaker.RecordFailure(Now, Policy, "HTTP 503"));
        Assert.Equal(BreakerState.Open, breaker.StateAt(Now));
        Assert.True(breaker.IsExcludedAt(Now));
        Assert.Contains("3 transient faults in a row: HTTP 503", breaker.Reason);
        Assert.Equal(Now, breaker.LastTransitionAt);
        Assert.Equal(TimeSpan.FromSeconds(40), breaker.OpenUntil - Now);

        foreach (var seconds in new[] { 60, 60 })
        {
            _clock.Advance(breaker.OpenUntil!.Value - Now - TimeSpan.FromTicks(1));
            Assert.True(breaker.IsExcludedAt(Now));
            _clock.Advance(TimeSpan.FromTicks(1));
            Assert.Equal(BreakerState.HalfOpen, breaker.StateAt(Now));
            Assert.True(breaker.RecordFailure(Now, Policy, "refused"));
            Assert.Equal(TimeSpan.FromSeconds(seconds), breaker.OpenUntil - Now);
            Assert.Contains("probe failed", breaker.Reason);
        }
        Assert.Equal((3L, 3), (breaker.TotalOpens, breaker.OpensInARow));

        _clock.Advance(TimeSpan.FromSeconds(60));
        Assert.True(breaker.RecordSuccess(Now, Policy));
        Assert.Equal(BreakerState.Closed, breaker.StateAt(Now));
        Assert.Equal(1, breaker.HealthAt(Now, Policy));
        Assert.Contains("worked", breaker.Reason);
        // Closed again, the cool-down starts from the base.
        breaker.RecordFailure(Now, Policy);
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
        Assert.True(breaker.IsExcludedAt(Now));
    }

    [Fact]
    public void A_permanent_failure_is_an_answer_and_closes_an_open_breaker()
    {
        var breaker = new CircuitBreaker();
        for (var i = 0; i < 3; i++) breaker.RecordFailure(Now, Policy);
        Assert.True(breaker.IsExcludedAt(Now));
        breaker.RecordSuccess(Now, Policy); // what the reputation grain records for a permanent failure
        Assert.False(breaker.IsExcludedAt(Now));
    }

    [Fact]
    public void Retry_after_keeps_the_tool_skipped_until_then_even_if_closed()
    {
        var breaker = new CircuitBreaker();
        breaker.RecordFailure(Now, Policy, "HTTP 429", TimeSpan.FromSeconds(1));
        Assert.True(breaker.IsExcludedAt(Now));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(breaker.IsExcludedAt(Now));

        // A cool-down never ends before the Retry-After, and a huge Retry-After is capped.
        var capped = new CircuitBreaker();
        capped.RecordFailure(Now, Policy, null, TimeSpan.FromDays(3));
        Assert.Equal(Policy.MaxRetryAfter, capped.RetryAfterUntil - Now);
        Assert.Equal(Policy.MaxRetryAfter, capped.OpenUntil - Now);
    }

    [Fact]
    public void Cooldown_grows_per_opening_up_to_the_maximum()
    {
        Assert.Equal(TimeSpan.FromSeconds(5), BreakerPolicy.Default.CooldownFor(1));
        Assert.Equal(TimeSpan.FromSeconds(20), BreakerPolicy.Default.CooldownFor(3));
        Assert.Equal(TimeSpan.FromMinutes(2), BreakerPolicy.Default.CooldownFor(50));
    }
}

public sealed class CircuitBreakerForcedCallTests
{
    [Fact]
    public void A_call_forced_through_an_open_breaker_that_fails_extends_the_opening_without_a_new_one()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 5, 1, 8, 0, 0, TimeSpan.Zero));
        var policy = new BreakerPolicy { ConsecutiveFailures = 2, BaseCooldown = TimeSpan.FromSeconds(10), MaxCooldown = TimeSpan.FromMinutes(10) };
        var breaker = new CircuitBreaker();
        breaker.RecordFailure(clock.GetUtcNow(), policy);
        Assert.True(breaker.RecordFailure(clock.GetUtcNow(), policy, "down"));
        var reason = breaker.Reason;
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.False(breaker.RecordFailure(clock.GetUtcNow(), policy, "still down"));
        Assert.Equal((reason, 1L), (breaker.Reason, breaker.TotalOpens));
        Assert.Equal(TimeSpan.FromSeconds(40), breaker.OpenUntil - clock.GetUtcNow());
    }
}
