using Microsoft.Extensions.Options;
using ToolGrains.Grains.Reputation;

namespace ToolGrains.Hosting.Validation;

/// <summary>Checks <see cref="ReputationStateOptions"/> (<c>ToolGrains:Reputation</c>); each error names its configuration key.</summary>
public sealed class ReputationStateOptionsValidator : IValidateOptions<ReputationStateOptions>
{
    public ValidateOptionsResult Validate(string? name, ReputationStateOptions o)
    {
        var errors = new ValidateOptionsResultBuilder();
        if (o.MaxQualityHistory < 1) errors.AddError($"ToolGrains:Reputation:MaxQualityHistory must be at least 1, not {o.MaxQualityHistory}.");
        if (o.CommonFailuresShown < 0) errors.AddError($"ToolGrains:Reputation:CommonFailuresShown must not be negative, not {o.CommonFailuresShown}.");
        if (o.LatenciesRemembered < 1) errors.AddError($"ToolGrains:Reputation:LatenciesRemembered must be at least 1, not {o.LatenciesRemembered}.");
        if (o.CompetenceKindsShown < 0) errors.AddError($"ToolGrains:Reputation:CompetenceKindsShown must not be negative, not {o.CompetenceKindsShown}.");
        if (o.UsageBatchesRemembered < 0) errors.AddError($"ToolGrains:Reputation:UsageBatchesRemembered must not be negative, not {o.UsageBatchesRemembered}.");
        return errors.Build();
    }
}
