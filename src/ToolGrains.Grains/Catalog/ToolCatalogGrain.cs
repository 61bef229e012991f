using System.Collections.Immutable;
using Microsoft.Extensions.AI;
using Orleans.Concurrency;
using ToolGrains.Grains.Running;

namespace ToolGrains.Grains.Catalog;

[GenerateSerializer, Alias("ToolGrains.ToolCatalogState")]
public sealed class ToolCatalogState
{
    // Id 0 held the descriptors alone before description embeddings were kept; it is read once and moved.
    [Id(0)] public Dictionary<string, ToolDescriptor> Tools { get; set; } = [];
    [Id(1)] public long Version { get; set; }
    [Id(2)] public Dictionary<string, CatalogTool> Entries { get; set; } = [];
}

/// <summary>
/// The registered tools with the embeddings of their descriptions, computed once at registration.
/// Invokers read it often and cache it by version (<see cref="GetSnapshotAsync"/>), so it is read-only
/// for them and changes only when a tool is registered.
/// </summary>
public sealed class ToolCatalogGrain(
    [PersistentState("catalog", StorageNames.Default)] IPersistentState<ToolCatalogState> state,
    IEmbeddingGenerator<string, Embedding<float>> embeddings,
    CatalogCache invokerCache,
    ToolRunner runner) : Grain, IToolCatalogGrain
{
    private CatalogSnapshot? _snapshot;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Tools.Count > 0)
        {
            // State written before embeddings were kept: embed those descriptions once.
            foreach (var descriptor in state.State.Tools.Values)
                state.State.Entries[descriptor.Id] = await EmbedAsync(descriptor);
            state.State.Tools.Clear();
            state.State.Version++;
            await state.WriteStateAsync();
        }
        await base.OnActivateAsync(cancellationToken);
    }

    public async Task<long> RegisterAsync(ToolDescriptor descriptor)
    {
        // Every registration comes through here (protocol, typed clients, the tools folder): one place checks and confines them.
        descriptor = runner.Admit(descriptor);
        await GrainFactory.GetGrain<IToolReputationGrain>(descriptor.Id).RegisterAsync(descriptor);
        var entries = state.State.Entries;
        if (entries.TryGetValue(descriptor.Id, out var known) && known.Descriptor == descriptor)
            return state.State.Version; // Unchanged (a silo start re-reading tools/*.yaml): invokers keep their copy.
        var entry = known is not null && known.Descriptor.Description == descriptor.Description
            ? known with { Descriptor = descriptor }
            : await EmbedAsync(descriptor);
        entries[descriptor.Id] = entry;
        state.State.Version++;
        _snapshot = null;
        await state.WriteStateAsync();
        invokerCache.Invalidate(); // The invokers of this silo see the tool at once; others within their refresh interval.
        return state.State.Version;
    }

    public Task<ImmutableArray<ToolDescriptor>> ListAsync() =>
        Task.FromResult(state.State.Entries.Values.Select(e => e.Descriptor).OrderBy(t => t.Id, StringComparer.Ordinal).ToImmutableArray());

    public Task<long> GetVersionAsync() => Task.FromResult(state.State.Version);

    public Task<CatalogSnapshot?> GetSnapshotAsync(long knownVersion)
    {
        if (knownVersion == state.State.Version) return Task.FromResult<CatalogSnapshot?>(null);
        // Built once per version and shared by every caller: it is immutable.
        _snapshot ??= new CatalogSnapshot(state.State.Version,
            [.. state.State.Entries.Values.OrderBy(e => e.Descriptor.Id, StringComparer.Ordinal)]);
        return Task.FromResult<CatalogSnapshot?>(_snapshot);
    }

    private async Task<CatalogTool> EmbedAsync(ToolDescriptor descriptor)
    {
        var embedding = (await embeddings.GenerateAsync([descriptor.Description])).Single();
        var model = embedding.ModelId ?? embeddings.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelId;
        return new CatalogTool(descriptor, [.. embedding.Vector.Span], model);
    }
}
