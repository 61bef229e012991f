using Microsoft.Extensions.Options;
using ToolGrains.Qdrant;

namespace ToolGrains.Hosting.Validation;

/// <summary>Checks <see cref="QdrantFailureOptions"/> (<c>ToolGrains:Qdrant</c>); each error names its configuration key.</summary>
public sealed class QdrantFailureOptionsValidator : IValidateOptions<QdrantFailureOptions>
{
    public ValidateOptionsResult Validate(string? name, QdrantFailureOptions o)
    {
        var errors = new ValidateOptionsResultBuilder();
        if (o.Url is { Length: > 0 } url && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
            errors.AddError($"ToolGrains:Qdrant:Url: '{url}' is not an http(s) URL (the gRPC endpoint, e.g. http://127.0.0.1:6334).");
        if (string.IsNullOrWhiteSpace(o.Collection))
            errors.AddError("ToolGrains:Qdrant:Collection: must not be empty.");
        return errors.Build();
    }
}
