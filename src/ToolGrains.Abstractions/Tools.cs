using System.Collections.Immutable;

namespace ToolGrains;

/// <summary>How a tool runs: exactly one of executable, http or builtin.</summary>
[GenerateSerializer, Alias("ToolGrains.ToolKind")]
public enum ToolKind { Executable = 0, Http = 1, Builtin = 2 }

/// <summary>A registered tool, as read from its YAML file (DESIGN.md §4).</summary>
[GenerateSerializer, Immutable, Alias("ToolGrains.ToolDescriptor")]
public sealed record ToolDescriptor(
    [property: Id(0)] string Id,
    [property: Id(1)] string Version,
    [property: Id(2)] string Description,
    [property: Id(3)] ImmutableArray<string> Tags,
    [property: Id(4)] double Quality,
    [property: Id(5)] ToolKind Kind,
    /// <summary>Executable: absolute path of the command; Http: the URL; Builtin: the built-in tool's name.</summary>
    [property: Id(6)] string Target,
    [property: Id(7)] ImmutableArray<string> Args,
    [property: Id(8)] double TimeoutSeconds,
    /// <summary>Folder of the YAML file; an executable runs there.</summary>
    [property: Id(9)] string? WorkingDirectory,
    /// <summary>The tool's <c>settings</c> as a JSON object text.</summary>
    [property: Id(10)] string SettingsJson);

/// <summary>The outcome of one call of a tool.</summary>
[GenerateSerializer, Alias("ToolGrains.ToolOutcome")]
public enum ToolOutcome { Success = 0, Failure = 1, Timeout = 2, BadRequest = 3 }

[GenerateSerializer, Immutable, Alias("ToolGrains.ToolCallResult")]
public sealed record ToolCallResult(
    [property: Id(0)] string ToolId,
    [property: Id(1)] ToolOutcome Outcome,
    [property: Id(2)] string? ResultJson,
    [property: Id(3)] string? Error,
    [property: Id(4)] double DurationMs)
{
    public bool Succeeded => Outcome == ToolOutcome.Success;
}

/// <summary>One tool's registration and reputation, keyed by tool id.</summary>
[Alias("ToolGrains.IToolReputationGrain")]
public interface IToolReputationGrain : IGrainWithStringKey
{
    [Alias("Register")] Task RegisterAsync(ToolDescriptor descriptor);
    [Alias("GetDescriptor")] Task<ToolDescriptor?> GetDescriptorAsync();
}

/// <summary>The list of registered tools, keyed "default".</summary>
[Alias("ToolGrains.IToolCatalogGrain")]
public interface IToolCatalogGrain : IGrainWithStringKey
{
    [Alias("Register")] Task<long> RegisterAsync(ToolDescriptor descriptor);
    [Alias("List")] Task<ImmutableArray<ToolDescriptor>> ListAsync();
    [Alias("Version")] Task<long> GetVersionAsync();
}

/// <summary>Runs a registered tool once (no ranking): the plain, non-resilient call.</summary>
[Alias("ToolGrains.IToolCallGrain")]
public interface IToolCallGrain : IGrainWithIntegerKey
{
    [Alias("Call")] Task<ToolCallResult> CallToolAsync(string toolId, string inputJson);
}
