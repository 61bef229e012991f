using Microsoft.Extensions.Options;
using ToolGrains.Grains.Running;

namespace ToolGrains.Hosting.Validation;

/// <summary>Checks <see cref="HttpToolOptions"/> (<c>ToolGrains:HttpTools</c>); each error names its configuration key.</summary>
public sealed class HttpToolOptionsValidator : IValidateOptions<HttpToolOptions>
{
    public ValidateOptionsResult Validate(string? name, HttpToolOptions o)
    {
        var errors = new ValidateOptionsResultBuilder();
        for (var i = 0; i < o.AllowedHosts.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(o.AllowedHosts[i]) || o.AllowedHosts[i].Contains('/') || o.AllowedHosts[i].Contains(':') && !System.Net.IPAddress.TryParse(o.AllowedHosts[i], out _))
            errors.AddError($"ToolGrains:HttpTools:AllowedHosts:{i}: '{o.AllowedHosts[i]}' is not a host name or IP address.");
        }
        return errors.Build();
    }
}
