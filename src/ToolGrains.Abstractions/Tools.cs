using System.Collections.Immutable;
using Orleans.Concurrency;

namespace ToolGrains;

/// <summary>How a tool runs: exactly one of executable, http or builtin.</summary>
[GenerateSerializer, Alias("ToolGrains.ToolKind")]
public enum ToolKind { Executable = 0, Http = 1, Builtin = 2 }

/// <summary>A registered tool, as read from its YAML file (docs/architecture.md).</summary>
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
    [property: Id(10)] string SettingsJson)
{
    // By value, arrays included (a record compares ImmutableArray by reference): re-registering the same
    // descriptor, as every silo start does, must be recognized as no change.
    public bool Equals(ToolDescriptor? other) =>
        other is not null
        && Id == other.Id && Version == other.Version && Description == other.Description
        && Tags.AsSpan().SequenceEqual(other.Tags.AsSpan()) && Quality.Equals(other.Quality) && Kind == other.Kind
        && Target == other.Target && Args.AsSpan().SequenceEqual(other.Args.AsSpan()) && TimeoutSeconds.Equals(other.TimeoutSeconds)
        && WorkingDirectory == other.WorkingDirectory && SettingsJson == other.SettingsJson;

    public override int GetHashCode() => HashCode.Combine(Id, Version, Description, Quality, Kind, Target);
}

/// <summary>The outcome of one call of a tool.</summary>
[GenerateSerializer, Alias("ToolGrains.ToolOutcome")]
public enum ToolOutcome { Success = 0, Failure = 1, Timeout = 2, BadRequest = 3 }

/// <summary>One call of a tool.</summary>
/// <param name="ErrorKind">For a failure: <c>transient</c> (timeout, HTTP 408/429/5xx, connection refused, exit code
/// 75 or 69, or the tool's JSON error said so), <c>permanent</c> (the tool cannot do this request) or
/// <c>invalid_request</c> (the caller's input); null for a success.</param>
/// <param name="RetryAfterSeconds">How long the tool asked to be left alone (HTTP <c>Retry-After</c>, or
/// <c>retry_after_seconds</c> in its JSON error); null when it did not say.</param>
[GenerateSerializer, Immutable, Alias("ToolGrains.ToolCallResult")]
public sealed record ToolCallResult(
    [property: Id(0)] string ToolId,
    [property: Id(1)] ToolOutcome Outcome,
    [property: Id(2)] string? ResultJson,
    [property: Id(3)] string? Error,
    [property: Id(4)] double DurationMs,
    [property: Id(5)] string? ErrorKind = null,
    [property: Id(6)] double? RetryAfterSeconds = null)
{
    public bool Succeeded => Outcome == ToolOutcome.Success;
}

/// <summary>
/// One tool's registration and reputation, keyed by tool id (docs/architecture.md): quality, negative tags,
/// the semantic memory of its failures, usage and failure counts, quality history, deprecation.
/// Every method but <see cref="RegisterAsync"/> and <see cref="GetDescriptorAsync"/> refuses an
/// unregistered tool with <c>tool_not_found</c>.
/// </summary>
[Alias("ToolGrains.IToolReputationGrain")]
public interface IToolReputationGrain : IGrainWithStringKey
{
    /// <summary>Registers the tool, or updates its descriptor keeping everything it has learned.</summary>
    [Alias("Register")] Task RegisterAsync(ToolDescriptor descriptor);

    /// <summary>The descriptor, or null when the tool is not registered. Interleaves with a state write in flight, as a pure read.</summary>
    [AlwaysInterleave]
    [Alias("GetDescriptor")] Task<ToolDescriptor?> GetDescriptorAsync();

    /// <summary>Demotes the tool, derives negative tags and remembers the failure; <c>invalid_request</c>
    /// for a blank scenario (field <c>scenario</c>) or an unknown severity (field <c>severity</c>).</summary>
    [Alias("MarkFailure")] Task<MarkFailureResult> MarkFailureAsync(ToolFailureReport report);

    /// <summary>A success: quality recovers by the policy's gain, up to the registered quality.</summary>
    [Alias("RecordSuccess")] Task<RecordSuccessResult> RecordSuccessAsync();

    /// <summary>What one call of the tool by the resilient invoker taught (issue 15): a success feeds the competence
    /// estimate for the request's kind and closes the breaker; a transient fault feeds the breaker only; a permanent
    /// failure is marked as <see cref="MarkFailureAsync"/> does and feeds the competence estimate.</summary>
    [Alias("RecordOutcome")] Task RecordOutcomeAsync(ToolOutcomeReport report);

    /// <summary>How the tool's past failures bear on a scenario (its embedding, and its text for the domain guard).
    /// A pure read that interleaves with a state write in flight: ranking never queues behind a tool's bookkeeping.</summary>
    [AlwaysInterleave]
    [Alias("Assess")] Task<ToolAssessment> AssessScenarioAsync(ImmutableArray<float> scenarioEmbedding, string? scenarioText);

    /// <summary>Gives back a probe claimed by <see cref="AssessRequestAsync"/> that the call did not use (it succeeded
    /// with a tool ranked higher).</summary>
    [AlwaysInterleave]
    [Alias("ReleaseProbe")] Task ReleaseProbeAsync();

    /// <summary>As <see cref="AssessScenarioAsync"/> for a request whose kind terms (scenario words and input tokens,
    /// <c>RequestKind.Terms</c>) the caller computed: the competence estimate is for that kind. With
    /// <paramref name="claimProbe"/> (a call about to try tools), the first caller to see a half-open breaker claims
    /// its probe; the others see it open until the probe's outcome is recorded.</summary>
    [AlwaysInterleave]
    [Alias("AssessRequest")] Task<ToolAssessment> AssessRequestAsync(ImmutableArray<float> scenarioEmbedding, string? scenarioText, ImmutableArray<string> kindTerms, bool claimProbe = false);

    [Alias("GetStatus")] Task<ToolStatus> GetStatusAsync();

    /// <summary>Clears the deprecated flag; the failures that count toward deprecation start again from zero.</summary>
    [Alias("Undeprecate")] Task<ToolStatus> UndeprecateAsync();

    /// <summary>Adds <paramref name="increment"/> invocations to the usage count. A batch id already applied
    /// (a redelivered batch of the usage buffer) is ignored, so the count stays exact.</summary>
    [Alias("AddUsage")] Task AddUsageAsync(long increment, string? batchId = null);
}

/// <summary>The list of registered tools, keyed "default".</summary>
[Alias("ToolGrains.IToolCatalogGrain")]
public interface IToolCatalogGrain : IGrainWithStringKey
{
    [Alias("Register")] Task<long> RegisterAsync(ToolDescriptor descriptor);
    [Alias("List")] Task<ImmutableArray<ToolDescriptor>> ListAsync();
    [Alias("Version")] Task<long> GetVersionAsync();

    /// <summary>The tools with their description embeddings, or null when <paramref name="knownVersion"/> is current.</summary>
    [Alias("GetSnapshot")] Task<CatalogSnapshot?> GetSnapshotAsync(long knownVersion);
}

/// <summary>Runs a registered tool once (no ranking): the plain, non-resilient call.</summary>
[Alias("ToolGrains.IToolCallGrain")]
public interface IToolCallGrain : IGrainWithIntegerKey
{
    /// <summary>Calls the tool and counts the call in its usage.</summary>
    [Alias("Call")] Task<ToolCallResult> CallToolAsync(string toolId, string inputJson);

    [Alias("CallWithOptions")] Task<ToolCallResult> CallToolAsync(string toolId, string inputJson, ToolCallOptions options);
}
