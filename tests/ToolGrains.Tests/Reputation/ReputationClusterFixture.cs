using System.Collections.Immutable;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using ToolGrains.Tests.Infrastructure;

namespace ToolGrains.Tests.Reputation;

/// <summary>
/// The cluster of reputation and analytics: the real MiniLM embedder, a fake reputation clock the tests move forward,
/// and a reputation policy bound from configuration as <c>ToolGrains:Reputation</c> is.
/// </summary>
public sealed class ReputationClusterFixture() : ToolGrainsClusterFixture("reputation", new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero))
{
    /// <summary>Set through configuration (the default is 0.01), to show the policy is bound from it.</summary>
    public const double RecoveryGain = 0.02;

    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Reputation:RecoveryGain"] = RecoveryGain.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Reputation:FailureHalfLife"] = "7.00:00:00",
    };

    /// <summary>Registers a builtin tool (log_batch_writer) with these fields through <c>register_tool</c>.</summary>
    public Task<System.Text.Json.JsonElement> RegisterAsync(string id, string description, double quality, string[] tags, string version = "1.0.0") =>
        CallOkAsync("register_tool", new { id, version, description, quality, tags, builtin = "log_batch_writer" });

    /// <summary>The scenario's embedding by the silo's own embedder, as the resilient invoker would compute it.</summary>
    public async Task<ImmutableArray<float>> EmbedAsync(string text)
    {
        var generator = SiloServices.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        return [.. (await generator.GenerateAsync([text])).Single().Vector.Span];
    }
}

[CollectionDefinition(Name)]
public sealed class ReputationCollection : ICollectionFixture<ReputationClusterFixture>
{
    public const string Name = "reputation";
}
