using Microsoft.Extensions.Options;
using ToolGrains.Grains.Invocation;

namespace ToolGrains.Hosting.Validation;

/// <summary>Checks <see cref="ResilientInvokerOptions"/> (<c>ToolGrains:Invoker</c>); each error names its configuration key.</summary>
public sealed class ResilientInvokerOptionsValidator : IValidateOptions<ResilientInvokerOptions>
{
    public ValidateOptionsResult Validate(string? name, ResilientInvokerOptions o)
    {
        var errors = new ValidateOptionsResultBuilder();
        if (o.ShortlistSize < 1) errors.AddError($"ToolGrains:Invoker:ShortlistSize must be at least 1, not {o.ShortlistSize}.");
        if (o.CatalogRefreshInterval < TimeSpan.Zero) errors.AddError($"ToolGrains:Invoker:CatalogRefreshInterval must not be negative, not {o.CatalogRefreshInterval}.");
        if (o.DefaultDeadline <= TimeSpan.Zero) errors.AddError($"ToolGrains:Invoker:DefaultDeadline must be positive, not {o.DefaultDeadline}.");
        if (o.MaxRetryAfterWait < TimeSpan.Zero) errors.AddError($"ToolGrains:Invoker:MaxRetryAfterWait must not be negative, not {o.MaxRetryAfterWait}.");
        if (o.MaxAttemptsLimit < 1) errors.AddError($"ToolGrains:Invoker:MaxAttemptsLimit must be at least 1, not {o.MaxAttemptsLimit}.");
        return errors.Build();
    }
}
