using Microsoft.Extensions.Options;
using ToolGrains.Core.Reputation;

namespace ToolGrains.Hosting.Validation;

/// <summary>Checks <see cref="BreakerPolicy"/> (<c>ToolGrains:Reputation:Breaker</c>); each error names its configuration key.</summary>
public sealed class BreakerPolicyValidator : IValidateOptions<BreakerPolicy>
{
    public ValidateOptionsResult Validate(string? name, BreakerPolicy o)
    {
        var errors = new ValidateOptionsResultBuilder();
        if (o.WindowSize < 1) errors.AddError($"ToolGrains:Reputation:Breaker:WindowSize must be at least 1, not {o.WindowSize}.");
        if (o.MinimumCalls < 1) errors.AddError($"ToolGrains:Reputation:Breaker:MinimumCalls must be at least 1, not {o.MinimumCalls}.");
        if (!(o.FailureRateThreshold is > 0 and <= 1)) errors.AddError($"ToolGrains:Reputation:Breaker:FailureRateThreshold must be in (0, 1], not {o.FailureRateThreshold}.");
        if (o.ConsecutiveFailures < 1) errors.AddError($"ToolGrains:Reputation:Breaker:ConsecutiveFailures must be at least 1, not {o.ConsecutiveFailures}.");
        if (o.BaseCooldown < TimeSpan.Zero) errors.AddError($"ToolGrains:Reputation:Breaker:BaseCooldown must not be negative, not {o.BaseCooldown}.");
        if (!(o.CooldownMultiplier >= 1)) errors.AddError($"ToolGrains:Reputation:Breaker:CooldownMultiplier must be at least 1, not {o.CooldownMultiplier}.");
        if (o.MaxCooldown < o.BaseCooldown) errors.AddError($"ToolGrains:Reputation:Breaker:MaxCooldown must be at least BaseCooldown, not {o.MaxCooldown}.");
        if (o.MaxRetryAfter < TimeSpan.Zero) errors.AddError($"ToolGrains:Reputation:Breaker:MaxRetryAfter must not be negative, not {o.MaxRetryAfter}.");
        return errors.Build();
    }
}
