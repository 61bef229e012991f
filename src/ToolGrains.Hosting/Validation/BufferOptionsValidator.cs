using Microsoft.Extensions.Options;
using ToolGrains.Grains.Buffers;

namespace ToolGrains.Hosting.Validation;

/// <summary>Checks <see cref="BufferOptions"/> (<c>ToolGrains:Buffers</c>); each error names its configuration key.</summary>
public sealed class BufferOptionsValidator : IValidateOptions<BufferOptions>
{
    public ValidateOptionsResult Validate(string? name, BufferOptions o)
    {
        var errors = new ValidateOptionsResultBuilder();
        if (o.MaxBufferedItems < 1) errors.AddError("ToolGrains:Buffers:MaxBufferedItems must be at least 1.");
        if (o.MaxItemBytes < 16) errors.AddError("ToolGrains:Buffers:MaxItemBytes must be at least 16.");
        if (o.DefaultMaxSize is < 1 or > BufferRules.MaxMaxSize) errors.AddError($"ToolGrains:Buffers:DefaultMaxSize must be 1..{BufferRules.MaxMaxSize}.");
        if (!(o.DefaultFlushIntervalSeconds > 0) || !double.IsFinite(o.DefaultFlushIntervalSeconds)) errors.AddError("ToolGrains:Buffers:DefaultFlushIntervalSeconds must be a positive number.");
        if (o.RecoveryReminderPeriod <= TimeSpan.Zero) errors.AddError("ToolGrains:Buffers:RecoveryReminderPeriod must be positive.");
        if (o.RetryInitialDelay <= TimeSpan.Zero || o.RetryMaxDelay < o.RetryInitialDelay) errors.AddError("ToolGrains:Buffers:RetryInitialDelay must be positive and at most RetryMaxDelay.");
        return errors.Build();
    }
}
