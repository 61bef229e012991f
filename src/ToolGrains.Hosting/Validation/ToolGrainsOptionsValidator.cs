using System.Net;
using Microsoft.Extensions.Options;
using Npgsql;
using ToolGrains.Grains.Security;

namespace ToolGrains.Hosting.Validation;

/// <summary>
/// Checks <see cref="ToolGrainsOptions"/> (the <c>ToolGrains</c> section) and its <see cref="ToolGrainsOptions.HttpTools"/>;
/// the subsections bound on their own (<c>Buffers</c>, <c>Reputation</c>, <c>Invoker</c>, <c>Analytics</c>, <c>Qdrant</c>)
/// have their own validators. Each error names its configuration key and never echoes a key's value.
/// </summary>
public sealed class ToolGrainsOptionsValidator : IValidateOptions<ToolGrainsOptions>
{
    public ValidateOptionsResult Validate(string? name, ToolGrainsOptions o)
    {
        var errors = new ValidateOptionsResultBuilder();
        if (!string.Equals(o.Storage, "embedded", StringComparison.OrdinalIgnoreCase) && !o.IsPostgres)
            errors.AddError($"ToolGrains:Storage: unknown profile '{o.Storage}'; expected 'embedded' or 'postgres'.");
        if (o.IsPostgres && string.IsNullOrWhiteSpace(o.ConnectionString))
            errors.AddError("ToolGrains:ConnectionString: required when ToolGrains:Storage is 'postgres' (e.g. Host=127.0.0.1;Port=5432;Database=toolgrains;Username=...;Password=...).");
        else if (o.IsPostgres && ConnectionStringError(o.ConnectionString!) is { } why)
            errors.AddError($"ToolGrains:ConnectionString: not a valid Npgsql connection string: {why}");
        foreach (var (key, port, allowZero) in new[] { ("SiloPort", o.SiloPort, false), ("GatewayPort", o.GatewayPort, false), ("HttpPort", o.HttpPort, true) })
        {
            if (port < (allowZero ? 0 : 1) || port > 65535)
                errors.AddError($"ToolGrains:{key}: {port} is not a TCP port (1..65535{(allowZero ? ", or 0 for none" : "")}).");
        }
        if (o.MaxToolProcesses < 1)
            errors.AddError($"ToolGrains:MaxToolProcesses: must be at least 1, not {o.MaxToolProcesses}.");
        if (o.SiloPort == o.GatewayPort || (o.HttpPort != 0 && (o.HttpPort == o.SiloPort || o.HttpPort == o.GatewayPort)))
            errors.AddError($"ToolGrains:SiloPort, GatewayPort and HttpPort must differ ({o.SiloPort}, {o.GatewayPort}, {o.HttpPort}).");
        if (o.AdvertisedIp is { Length: > 0 } ip && !IPAddress.TryParse(ip, out _))
            errors.AddError($"ToolGrains:AdvertisedIp: '{ip}' is not an IP address.");
        if (string.IsNullOrWhiteSpace(o.ClusterId)) errors.AddError("ToolGrains:ClusterId: must not be empty.");
        if (string.IsNullOrWhiteSpace(o.ServiceId)) errors.AddError("ToolGrains:ServiceId: must not be empty.");
        if (!EmbeddingKinds.IsKnown(o.Embeddings))
            errors.AddError($"ToolGrains:Embeddings: unknown embedder '{o.Embeddings}'; expected 'minilm' or 'hashing'.");
        // Never echo the key itself: start-up errors go to logs.
        if (o.ApiKey is { Length: > 0 } apiKey && (apiKey.Length < ToolGrainsOptions.MinApiKeyLength || apiKey.Any(char.IsWhiteSpace)))
            errors.AddError($"ToolGrains:ApiKey: must be at least {ToolGrainsOptions.MinApiKeyLength} characters without whitespace (it is {apiKey.Length} long).");
        for (var i = 0; i < o.ApiKeys.Count; i++)
        {
            var entry = o.ApiKeys[i];
            if (entry.Key.Length < ToolGrainsOptions.MinApiKeyLength || entry.Key.Any(char.IsWhiteSpace))
                errors.AddError($"ToolGrains:ApiKeys:{i}:Key: must be at least {ToolGrainsOptions.MinApiKeyLength} characters without whitespace (it is {entry.Key.Length} long).");
            if (ApiKeyRing.ParseRole(entry.Role) is null)
                errors.AddError($"ToolGrains:ApiKeys:{i}:Role: '{entry.Role}' is not a role; expected reader, caller or admin.");
        }
        if (o.ListenAddress is { Length: > 0 } listen && !IPAddress.TryParse(listen, out _))
            errors.AddError($"ToolGrains:ListenAddress: '{listen}' is not an IP address.");
        else if (!IPAddress.IsLoopback(o.EffectiveListenAddress) && !o.AllApiKeys().Any() && !o.AllowAnonymous)
            errors.AddError($"ToolGrains:ListenAddress: the silo would listen on {o.EffectiveListenAddress}, reachable beyond this machine, without keys: "
                + "set ToolGrains:ApiKeys:0:Key and ToolGrains:ApiKeys:0:Role (or ToolGrains:ApiKey), or ToolGrains:AllowAnonymous=true for a trusted network.");
        foreach (var (i, dir) in o.SpecDirs.Select((d, i) => (i, d)))
        {
            if (string.IsNullOrWhiteSpace(dir) || !Directory.Exists(dir))
                errors.AddError($"ToolGrains:SpecDirs:{i}: '{dir}' is not an existing folder.");
        }
        errors.AddResult(new HttpToolOptionsValidator().Validate(name, o.HttpTools));
        if (o.TlsRequireClientCertificate && o.TlsCertificatePath is not { Length: > 0 })
            errors.AddError("ToolGrains:TlsRequireClientCertificate: needs ToolGrains:TlsCertificatePath (TLS on).");
        if (o.OtlpEndpoint is { Length: > 0 } otlp && !Uri.TryCreate(otlp, UriKind.Absolute, out _))
            errors.AddError($"ToolGrains:OtlpEndpoint: '{otlp}' is not an absolute URI.");
        return errors.Build();
    }

    private static string? ConnectionStringError(string connectionString)
    {
        try
        {
            _ = new NpgsqlConnectionStringBuilder(connectionString);
            return null;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or KeyNotFoundException)
        {
            return ex.Message;
        }
    }
}
