using Microsoft.Extensions.Options;
using ToolGrains.Core.Reputation;

namespace ToolGrains.Hosting.Validation;

/// <summary>Checks <see cref="QualityPolicy"/> (<c>ToolGrains:Reputation</c>); each error names its configuration key.</summary>
public sealed class QualityPolicyValidator : IValidateOptions<QualityPolicy>
{
    private const string Section = "ToolGrains:Reputation";

    public ValidateOptionsResult Validate(string? name, QualityPolicy o)
    {
        var errors = new ValidateOptionsResultBuilder();
        foreach (var (key, value, min, max) in new (string, double, double, double)[]
        {
            (nameof(o.LowDemotion), o.LowDemotion, 0, 1),
            (nameof(o.MediumDemotion), o.MediumDemotion, 0, 1),
            (nameof(o.HighDemotion), o.HighDemotion, 0, 1),
            (nameof(o.QualityFloor), o.QualityFloor, 0, 1),
            (nameof(o.RecoveryGain), o.RecoveryGain, 0, 1),
            (nameof(o.DeprecationQuality), o.DeprecationQuality, 0, 1),
            (nameof(o.SimilarityThreshold), o.SimilarityThreshold, -1, 1),
            (nameof(o.PatternJoinThreshold), o.PatternJoinThreshold, -1, 1),
            (nameof(o.SimilarFailureDemotion), o.SimilarFailureDemotion, 0, 2),
            (nameof(o.RepeatedFailureDemotion), o.RepeatedFailureDemotion, 0, 2),
            (nameof(o.MaxRepeatedFailureDemotion), o.MaxRepeatedFailureDemotion, 0, 2),
        })
        {
            if (!(value >= min && value <= max)) errors.AddError($"{Section}:{key} must be in {min}..{max}, not {value}.");
        }
        if (o.DeprecationFailureCount < 0) errors.AddError($"{Section}:DeprecationFailureCount must not be negative, not {o.DeprecationFailureCount}.");
        if (o.FailureHalfLife < TimeSpan.Zero) errors.AddError($"{Section}:FailureHalfLife must not be negative, not {o.FailureHalfLife}.");
        if (o.MaxFailurePatterns < 1) errors.AddError($"{Section}:MaxFailurePatterns must be at least 1, not {o.MaxFailurePatterns}.");
        if (o.MaxRecentFailures < 0) errors.AddError($"{Section}:MaxRecentFailures must not be negative, not {o.MaxRecentFailures}.");
        return errors.Build();
    }
}
