using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using ToolGrains.Grains.Running;

namespace ToolGrains.Tests.Infrastructure;

/// <summary>
/// The cluster of buffer, spec and protocol tests: the hashing embedder (they test no semantics, and it spares loading the
/// model), small buffer limits and fast retries, a test built-in tool, and the fixture's folder as the only place JSONL
/// sinks write and spec files are read from.
/// </summary>
public class ClusterFixture : ToolGrainsClusterFixture
{
    public const int MaxBufferedItems = 200;

    public ClusterFixture() : this(MaxBufferedItems) { }

    /// <summary>
    /// A cluster whose buffers hold at most <paramref name="bufferLimit"/> items (a fixture that needs a backlog),
    /// with <paramref name="overrides"/> replacing settings of this one.
    /// </summary>
    protected ClusterFixture(int bufferLimit, IReadOnlyDictionary<string, string>? overrides = null) : base("cluster")
    {
        var settings = new Dictionary<string, string>
        {
            ["Embeddings"] = "hashing",
            ["Buffers:MaxBufferedItems"] = bufferLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Buffers:MaxItemBytes"] = "4096",
            ["Buffers:RetryInitialDelay"] = "00:00:00.100",
            ["Buffers:RetryMaxDelay"] = "00:00:00.400",
            ["Buffers:RecoveryReminderPeriod"] = "00:00:02",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string>()) settings[key] = value;
        Settings = settings;
    }

    protected override IReadOnlyDictionary<string, string> Settings { get; }

    protected override void ConfigureSilo(ISiloBuilder silo)
    {
        silo.Services.AddSingleton<IBuiltinTool, ControllableTool>();
        silo.Services.Configure<ToolRunnerOptions>(o => o.SinkDirectory = DataDir);
        silo.Services.Configure<ToolGrains.Grains.Specs.SpecExtractorOptions>(o => o.AllowedDirectories = [DataDir]);
    }

    /// <summary>Registers a tool from JSON fields (the `register_tool` operation).</summary>
    public Task<JsonElement> RegisterAsync(object fields) => CallOkAsync("register_tool", JsonSerializer.Serialize(fields));
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
