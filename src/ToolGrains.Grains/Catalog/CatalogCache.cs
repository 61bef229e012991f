using System.Collections.Frozen;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ToolGrains.Core.Reputation;
using ToolGrains.Grains.Invocation;

namespace ToolGrains.Grains.Catalog;

/// <summary>The catalog at one version, as the ranking reads it.</summary>
public sealed class CatalogView(CatalogSnapshot snapshot)
{
    public long Version { get; } = snapshot.Version;

    public FrozenDictionary<string, ToolDescriptor> Descriptors { get; } =
        snapshot.Tools.ToFrozenDictionary(t => t.Descriptor.Id, t => t.Descriptor, StringComparer.Ordinal);

    /// <summary>Every tool with its catalog fields only; reputations are filled in for the shortlisted.</summary>
    public IReadOnlyList<ToolCandidate> Candidates { get; } =
        [.. snapshot.Tools.Select(t => new ToolCandidate(t.Descriptor.Id, t.Descriptor.Tags, t.DescriptionEmbedding.AsMemory()))];

    /// <summary>BM25 over each tool's id, description and tags, in the order of <see cref="Candidates"/>: the lexical half
    /// of the hybrid shortlist.</summary>
    public Bm25Index Lexical { get; } = new([.. snapshot.Tools.Select(t => Bm25Index.DocumentOf(t.Descriptor.Id, t.Descriptor.Description, t.Descriptor.Tags))]);

    public static CatalogView Empty { get; } = new(new CatalogSnapshot(0, []));
}

/// <summary>
/// The silo's copy of the tool catalog, shared by every invoker activation (docs/architecture.md): the catalog
/// grain is asked at most once per <see cref="ResilientInvokerOptions.CatalogRefreshInterval"/> whether its
/// version changed, so invocations do not queue on that one grain. A registration through a catalog
/// activation on this silo calls <see cref="Invalidate"/>; other silos see it within the interval (plus one
/// refresh). When the catalog grain cannot be reached, the last copy keeps serving.
/// </summary>
public sealed class CatalogCache(IGrainFactory grains, IOptions<ResilientInvokerOptions> options, TimeProvider time, ILogger<CatalogCache> logger)
{
    private readonly Lock _gate = new();
    private CatalogView? _view;
    private long _checkedAt;
    private bool _stale = true;
    private Task<CatalogView>? _refresh;

    /// <summary>The catalog changed: the next read asks for it.</summary>
    public void Invalidate()
    {
        lock (_gate) _stale = true;
    }

    public Task<CatalogView> GetAsync()
    {
        lock (_gate)
        {
            // Never read, or changed on this silo: the caller waits for the refresh. Merely older than the
            // interval: the copy answers while the refresh runs, so no call waits on the catalog grain (nor,
            // after a crash, on the dead silo that held it until the cluster declares it dead).
            var mustWait = _view is null || _stale;
            if (!mustWait && time.GetElapsedTime(_checkedAt) < options.Value.CatalogRefreshInterval)
                return Task.FromResult(_view!);
            // One refresh in flight per silo; every caller shares it. Run off any activation's scheduler,
            // since callers on other activations await it too.
            if (_refresh is null || _refresh.IsCompleted)
            {
                var invalidated = _stale;
                _stale = false;
                _refresh = Task.Run(() => RefreshAsync(invalidated));
            }
            return mustWait ? _refresh : Task.FromResult(_view!);
        }
    }

    private async Task<CatalogView> RefreshAsync(bool invalidated)
    {
        var known = _view;
        var started = time.GetTimestamp();
        try
        {
            var snapshot = await grains.GetGrain<IToolCatalogGrain>("default").GetSnapshotAsync(known?.Version ?? -1);
            var view = snapshot is null ? known! : new CatalogView(snapshot);
            lock (_gate)
            {
                _view = view;
                _checkedAt = started;
            }
            return view;
        }
        catch (Exception ex) when (known is not null)
        {
            // The catalog grain is unreachable, typically while the silo that held it is being declared dead:
            // an older copy ranks as well as a fresh one, so calls carry on. The next call asks again (and
            // waits for the answer again if this refresh was for a change made on this silo).
            if (invalidated) lock (_gate) _stale = true;
            logger.LogWarning("Tool catalog unreachable ({Message}); ranking with the copy of version {Version}", ex.Message, known.Version);
            return known;
        }
        catch
        {
            lock (_gate) _stale = true;
            throw;
        }
    }
}
