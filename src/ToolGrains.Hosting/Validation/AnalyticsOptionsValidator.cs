using Microsoft.Extensions.Options;
using ToolGrains.Grains.Analytics;

namespace ToolGrains.Hosting.Validation;

/// <summary>Checks <see cref="AnalyticsOptions"/> (<c>ToolGrains:Analytics</c>); each error names its configuration key.</summary>
public sealed class AnalyticsOptionsValidator : IValidateOptions<AnalyticsOptions>
{
    public ValidateOptionsResult Validate(string? name, AnalyticsOptions o)
    {
        var errors = new ValidateOptionsResultBuilder();
        if (!(o.GroupSimilarity is > 0 and <= 1)) errors.AddError($"ToolGrains:Analytics:GroupSimilarity must be in (0, 1], not {o.GroupSimilarity}.");
        if (o.MaxScenarioGroups < 1) errors.AddError($"ToolGrains:Analytics:MaxScenarioGroups must be at least 1, not {o.MaxScenarioGroups}.");
        if (o.MaxConcurrentToolReads < 1) errors.AddError($"ToolGrains:Analytics:MaxConcurrentToolReads must be at least 1, not {o.MaxConcurrentToolReads}.");
        return errors.Build();
    }
}
