using Microsoft.Extensions.Options;
using ToolGrains.Core.Reputation;

namespace ToolGrains.Hosting.Validation;

/// <summary>Checks <see cref="CompetencePolicy"/> (<c>ToolGrains:Reputation:Competence</c>); each error names its configuration key.</summary>
public sealed class CompetencePolicyValidator : IValidateOptions<CompetencePolicy>
{
    public ValidateOptionsResult Validate(string? name, CompetencePolicy o)
    {
        var errors = new ValidateOptionsResultBuilder();
        if (!(o.ToolPriorStrength > 0)) errors.AddError($"ToolGrains:Reputation:Competence:ToolPriorStrength must be positive, not {o.ToolPriorStrength}.");
        if (!(o.KindPriorStrength > 0)) errors.AddError($"ToolGrains:Reputation:Competence:KindPriorStrength must be positive, not {o.KindPriorStrength}.");
        if (!(o.JoinThreshold is >= -1 and <= 1)) errors.AddError($"ToolGrains:Reputation:Competence:JoinThreshold must be a cosine in -1..1, not {o.JoinThreshold}.");
        if (!(o.SimilarityThreshold >= -1 && o.SimilarityThreshold <= o.JoinThreshold)) errors.AddError($"ToolGrains:Reputation:Competence:SimilarityThreshold must be a cosine no higher than JoinThreshold, not {o.SimilarityThreshold}.");
        if (o.HalfLife < TimeSpan.Zero) errors.AddError($"ToolGrains:Reputation:Competence:HalfLife must not be negative, not {o.HalfLife}.");
        if (o.MaxKinds < 1) errors.AddError($"ToolGrains:Reputation:Competence:MaxKinds must be at least 1, not {o.MaxKinds}.");
        return errors.Build();
    }
}
