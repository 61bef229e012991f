using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using ToolGrains.Core.Reputation;
using ToolGrains.Grains.Running;
using ToolGrains.Tests.Infrastructure;

namespace ToolGrains.Tests.Invocation;

/// <summary>
/// A cluster for tool health (issue 15): the real MiniLM embedder, SQLite in a temp folder, a fake reputation clock the
/// tests move one second per call (so breaker cool-downs are counted in calls), short breaker cool-downs (1 s doubling
/// to at most 4 s) and a built-in <c>health_oracle</c> tool that refuses the input kinds its settings name.
/// </summary>
public sealed class HealthClusterFixture() : ToolGrainsClusterFixture("health", new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero))
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Reputation:Breaker:BaseCooldown"] = "00:00:01",
        ["Reputation:Breaker:MaxCooldown"] = "00:00:04",
        ["Reputation:Breaker:ConsecutiveFailures"] = "3",
    };

    protected override void ConfigureSilo(ISiloBuilder silo) => silo.Services.AddSingleton<IBuiltinTool, HealthOracleTool>();

    /// <summary>A <c>health_oracle</c> tool that refuses (permanently) inputs whose <c>format</c> is in <paramref name="failsOn"/>.</summary>
    public Task RegisterOracleAsync(string id, string description, string tag, double quality = 0.9, params string[] failsOn) =>
        RegisterAsync(new ToolDescriptor(id, "1.0.0", description, [tag], quality, ToolKind.Builtin, HealthOracleTool.ToolName, [], 10, null,
            JsonSerializer.Serialize(new { fails_on = failsOn })));

    public Task RegisterHttpAsync(string id, string description, string tag, string url, double quality = 0.9) =>
        RegisterAsync(new ToolDescriptor(id, "1.0.0", description, [tag], quality, ToolKind.Http, url, [], 5, null, "{}"));

    /// <summary>Refuses, as a permanent failure, an input whose <c>format</c> its <c>settings.fails_on</c> lists.</summary>
    private sealed class HealthOracleTool : IBuiltinTool
    {
        public const string ToolName = "health_oracle";

        public string Name => ToolName;

        public Task<string> InvokeAsync(ToolDescriptor descriptor, JsonElement input, CancellationToken cancellationToken)
        {
            var format = input.TryGetProperty("format", out var f) ? f.GetString() : null;
            var failsOn = JsonDocument.Parse(descriptor.SettingsJson).RootElement.GetProperty("fails_on").EnumerateArray().Select(e => e.GetString());
            if (failsOn.Contains(format))
                throw new ToolFaultException(FaultKind.Permanent, $"UnsupportedInputError: {format} is not supported");
            return Task.FromResult(JsonSerializer.Serialize(new { ok = true, tool = descriptor.Id, format }));
        }
    }
}

[CollectionDefinition(Name)]
public sealed class HealthCollection : ICollectionFixture<HealthClusterFixture>
{
    public const string Name = "health";
}
