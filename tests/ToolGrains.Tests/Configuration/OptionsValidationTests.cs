using Microsoft.Extensions.Configuration;
using ToolGrains.Core.Reputation;
using ToolGrains.Hosting;
using ToolGrains.Hosting.Validation;

namespace ToolGrains.Tests.Configuration;

/// <summary>
/// Every options class the silo binds, through the registrations and validators the silo itself uses
/// (<see cref="ToolGrainsOptionsExtensions.ToolGrainsOptionsErrors"/>): no cluster, no process.
/// </summary>
public sealed class OptionsValidationTests
{
    private static IReadOnlyList<string> ErrorsOf(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create<string, string?>("ToolGrains:" + s.Key, s.Value)))
            .Build()
            .ToolGrainsOptionsErrors();

    [Fact]
    public void The_defaults_are_valid()
    {
        Assert.Empty(ErrorsOf());
    }

    [Theory]
    [InlineData("Storage", "mongodb", "ToolGrains:Storage")]
    [InlineData("ConnectionString", "Host=127.0.0.1;Bogus Key=1", "ToolGrains:ConnectionString")]
    [InlineData("Buffers:MaxBufferedItems", "0", "ToolGrains:Buffers:MaxBufferedItems")]
    [InlineData("Reputation:HighDemotion", "1.5", "ToolGrains:Reputation:HighDemotion")]
    [InlineData("Reputation:SimilarityThreshold", "1.5", "ToolGrains:Reputation:SimilarityThreshold")]
    [InlineData("Reputation:DeprecationQuality", "NaN", "ToolGrains:Reputation:DeprecationQuality")]
    [InlineData("Reputation:MaxFailurePatterns", "0", "ToolGrains:Reputation:MaxFailurePatterns")]
    [InlineData("Reputation:FailureHalfLife", "-1.00:00:00", "ToolGrains:Reputation:FailureHalfLife")]
    [InlineData("Reputation:MaxQualityHistory", "0", "ToolGrains:Reputation:MaxQualityHistory")]
    [InlineData("Reputation:UsageTracking:MaxSize", "0", "ToolGrains:Reputation:UsageTracking:MaxSize")]
    [InlineData("Reputation:Breaker:FailureRateThreshold", "0", "ToolGrains:Reputation:Breaker:FailureRateThreshold")]
    [InlineData("Reputation:Breaker:MaxCooldown", "00:00:01", "ToolGrains:Reputation:Breaker:MaxCooldown")]
    [InlineData("Reputation:Competence:SimilarityThreshold", "0.9", "ToolGrains:Reputation:Competence:SimilarityThreshold")]
    [InlineData("Invoker:ShortlistSize", "0", "ToolGrains:Invoker:ShortlistSize")]
    [InlineData("Analytics:GroupSimilarity", "1.5", "ToolGrains:Analytics:GroupSimilarity")]
    [InlineData("Qdrant:Url", "ftp://127.0.0.1:6334", "ToolGrains:Qdrant:Url")]
    [InlineData("HttpTools:AllowedHosts:0", "example.com/path", "ToolGrains:HttpTools:AllowedHosts:0")]
    [InlineData("SiloPort", "eleven", "ToolGrains:SiloPort")]
    public void A_bad_value_is_one_error_naming_its_key(string key, string value, string named)
    {
        var settings = key == "ConnectionString" ? new[] { ("Storage", "postgres"), ("AllowAnonymous", "true"), (key, value) } : [(key, value)];
        var error = Assert.Single(ErrorsOf(settings));
        Assert.Contains(named, error);
    }

    [Fact]
    public void Listening_beyond_loopback_without_keys_is_one_error_naming_every_way_out()
    {
        var error = Assert.Single(ErrorsOf(("ListenAddress", "0.0.0.0")));
        Assert.StartsWith("ToolGrains:ListenAddress:", error, StringComparison.Ordinal);
        Assert.Contains("ToolGrains:ApiKeys:0:Key", error);
        Assert.Contains("ToolGrains:ApiKeys:0:Role", error);
        Assert.Contains("ToolGrains:AllowAnonymous", error);
        Assert.Empty(ErrorsOf(("ListenAddress", "0.0.0.0"), ("AllowAnonymous", "true")));
        Assert.Empty(ErrorsOf(("ListenAddress", "0.0.0.0"), ("ApiKeys:0:Key", "a-long-enough-key-0123"), ("ApiKeys:0:Role", "reader")));
    }

    [Fact]
    public void Errors_of_several_sections_are_all_reported()
    {
        var errors = ErrorsOf(("Buffers:MaxItemBytes", "1"), ("Invoker:DefaultDeadline", "00:00:00"), ("Embeddings", "word2vec"));
        Assert.Equal(3, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("ToolGrains:Buffers:MaxItemBytes", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("ToolGrains:Invoker:DefaultDeadline", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("ToolGrains:Embeddings", StringComparison.Ordinal));
    }

    [Fact]
    public void Each_policy_validator_accepts_its_defaults()
    {
        Assert.True(new QualityPolicyValidator().Validate(null, QualityPolicy.Default).Succeeded);
        Assert.True(new BreakerPolicyValidator().Validate(null, BreakerPolicy.Default).Succeeded);
        Assert.True(new CompetencePolicyValidator().Validate(null, new CompetencePolicy()).Succeeded);
        Assert.True(new ToolGrainsOptionsValidator().Validate(null, new ToolGrainsOptions()).Succeeded);
    }
}
