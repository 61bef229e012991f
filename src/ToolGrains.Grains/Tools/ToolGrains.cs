using System.Collections.Immutable;
using Orleans.Concurrency;

namespace ToolGrains.Grains.Tools;

[GenerateSerializer, Alias("ToolGrains.ToolReputationState")]
public sealed class ToolReputationState
{
    [Id(0)] public ToolDescriptor? Descriptor { get; set; }
    [Id(1)] public DateTimeOffset RegisteredAt { get; set; }
}

/// <summary>One tool's registration (and, as it grows, its reputation).</summary>
public sealed class ToolReputationGrain(
    [PersistentState("tool", StorageNames.Default)] IPersistentState<ToolReputationState> state,
    TimeProvider time) : Grain, IToolReputationGrain
{
    public async Task RegisterAsync(ToolDescriptor descriptor)
    {
        if (descriptor.Id != this.GetPrimaryKeyString())
            throw new ArgumentException($"Descriptor id '{descriptor.Id}' does not match the grain key '{this.GetPrimaryKeyString()}'.");
        state.State.Descriptor = descriptor;
        state.State.RegisteredAt = time.GetUtcNow();
        await state.WriteStateAsync();
    }

    public Task<ToolDescriptor?> GetDescriptorAsync() => Task.FromResult(state.State.Descriptor);
}

[GenerateSerializer, Alias("ToolGrains.ToolCatalogState")]
public sealed class ToolCatalogState
{
    [Id(0)] public Dictionary<string, ToolDescriptor> Tools { get; set; } = [];
    [Id(1)] public long Version { get; set; }
}

/// <summary>The registered tools; invokers read it often and cache it by version.</summary>
public sealed class ToolCatalogGrain(
    [PersistentState("catalog", StorageNames.Default)] IPersistentState<ToolCatalogState> state) : Grain, IToolCatalogGrain
{
    public async Task<long> RegisterAsync(ToolDescriptor descriptor)
    {
        await GrainFactory.GetGrain<IToolReputationGrain>(descriptor.Id).RegisterAsync(descriptor);
        state.State.Tools[descriptor.Id] = descriptor;
        state.State.Version++;
        await state.WriteStateAsync();
        return state.State.Version;
    }

    public Task<ImmutableArray<ToolDescriptor>> ListAsync() =>
        Task.FromResult(state.State.Tools.Values.OrderBy(t => t.Id, StringComparer.Ordinal).ToImmutableArray());

    public Task<long> GetVersionAsync() => Task.FromResult(state.State.Version);
}

/// <summary>The plain call of one registered tool, on whichever silo the caller is.</summary>
[StatelessWorker]
public sealed class ToolCallGrain(ToolRunner runner) : Grain, IToolCallGrain
{
    public async Task<ToolCallResult> CallToolAsync(string toolId, string inputJson)
    {
        var descriptor = await GrainFactory.GetGrain<IToolReputationGrain>(toolId).GetDescriptorAsync()
            ?? throw new ToolGrainsException(ErrorCodes.ToolNotFound, $"No tool '{toolId}' is registered.", "tool_id");
        return await runner.RunAsync(descriptor, inputJson);
    }
}
