using Microsoft.Extensions.Options;
using ToolGrains.Grains.Buffers;
using ToolGrains.Grains.Usage;

namespace ToolGrains.Hosting.Validation;

/// <summary>Checks <see cref="UsageTrackingOptions"/> (<c>ToolGrains:Reputation:UsageTracking</c>); each error names its configuration key.</summary>
public sealed class UsageTrackingOptionsValidator : IValidateOptions<UsageTrackingOptions>
{
    public ValidateOptionsResult Validate(string? name, UsageTrackingOptions o)
    {
        var errors = new ValidateOptionsResultBuilder();
        if (string.IsNullOrWhiteSpace(o.BufferId)) errors.AddError("ToolGrains:Reputation:UsageTracking:BufferId must not be empty.");
        if (string.IsNullOrWhiteSpace(o.PassThroughTool)) errors.AddError("ToolGrains:Reputation:UsageTracking:PassThroughTool must not be empty.");
        if (o.MaxSize is < 1 or > BufferRules.MaxMaxSize) errors.AddError($"ToolGrains:Reputation:UsageTracking:MaxSize must be 1..{BufferRules.MaxMaxSize}, not {o.MaxSize}.");
        if (!(o.AggregationSeconds > 0) || o.AggregationSeconds > 3600) errors.AddError($"ToolGrains:Reputation:UsageTracking:AggregationSeconds must be in (0, 3600], not {o.AggregationSeconds}.");
        if (!(o.FlushIntervalSeconds > 0)) errors.AddError($"ToolGrains:Reputation:UsageTracking:FlushIntervalSeconds must be positive, not {o.FlushIntervalSeconds}.");
        return errors.Build();
    }
}
