using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ToolGrains.Core.Protocol;
using ToolGrains.Grains.Reputation;

namespace ToolGrains.Grains.Usage;

/// <summary>
/// Counts tool invocations per silo and writes them to the usage buffer as one item per tool,
/// <c>{"tool_id", "increment": n}</c>, every <see cref="UsageTrackingOptions.AggregationSeconds"/>: a thousand calls of
/// a tool in that window are one item, so the buffer sees a few items per second whatever the call rate. The
/// buffer's pass-through (<c>qdrant_batch_update</c>, through <see cref="ToolUsageUpdateTool.AddAsync"/>) adds them up per tool per batch. Counts a write
/// did not take (buffer full, storage down) are kept and written with the next round, so none is lost
/// while the silo runs; the silo's stop writes what is left.
/// </summary>
public sealed class UsageTracker(IGrainFactory grains, IOptions<UsageTrackingOptions> options, ReputationMetrics metrics, ILogger<UsageTracker> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _flushGate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;

    private UsageTrackingOptions O => options.Value;

    /// <summary>Whether a call of <paramref name="toolId"/>, made by the buffer <paramref name="viaBufferId"/> if any, is counted:
    /// never the usage buffer's own pass-through, which would feed itself.</summary>
    public bool Counts(string toolId, string? viaBufferId = null) =>
        O.Enabled && toolId != O.PassThroughTool && viaBufferId != O.BufferId;

    /// <summary>Counts one call; it reaches the usage buffer with the next aggregation round.</summary>
    public Task TrackAsync(string toolId, string? viaBufferId = null)
    {
        if (!Counts(toolId, viaBufferId)) return Task.CompletedTask;
        _counts.AddOrUpdate(toolId, 1, static (_, n) => n + 1);
        metrics.UsageTracked.Add(1, new KeyValuePair<string, object?>(ReputationMetrics.ToolIdTag, toolId));
        return Task.CompletedTask;
    }

    /// <summary>Counts not yet written to the usage buffer.</summary>
    public long Unwritten => _counts.Values.Sum();

    /// <summary>Writes the counts gathered so far to the usage buffer in one write; what it refuses is kept for the next round.</summary>
    public async Task FlushAsync()
    {
        // The usage buffer is the cluster's: its settings are the operator's, whoever's call is being counted.
        CallerContext.ActAsSystem();
        await _flushGate.WaitAsync();
        try
        {
            var taken = new List<(string Tool, long Count)>();
            foreach (var tool in _counts.Keys)
                if (_counts.TryRemove(tool, out var n) && n > 0) taken.Add((tool, n));
            if (taken.Count == 0) return;
            try
            {
                var items = taken.Select(t => ProtocolJson.Serialize(new UsageItem(t.Tool, t.Count))).ToImmutableArray();
                await grains.GetGrain<IBufferGrain>(O.BufferId).WriteAsync(new BufferWriteRequest(
                    items, new BufferSettingsUpdate(BufferStrategy.Batched, O.MaxSize, O.FlushIntervalSeconds, O.PassThroughTool)));
            }
            catch (Exception ex)
            {
                // Not acknowledged, so not stored: put the counts back for the next round.
                foreach (var (tool, count) in taken) _counts.AddOrUpdate(tool, count, (_, n) => n + count);
                metrics.UsageTrackingErrors.Add(taken.Count);
                logger.LogWarning(ex, "Usage counts of {Tools} tools not written yet; retried in {Seconds} s", taken.Count, O.AggregationSeconds);
            }
        }
        finally
        {
            _flushGate.Release();
        }
    }

    void ILifecycleParticipant<ISiloLifecycle>.Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(UsageTracker), ServiceLifecycleStage.Active, _ =>
        {
            _loop = Task.Run(LoopAsync);
            return Task.CompletedTask;
        }, async _ =>
        {
            _stopping.Cancel();
            if (_loop is not null) await _loop;
            await FlushAsync();
        });

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(O.AggregationSeconds));
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token)) await FlushAsync();
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The descriptor of the built-in <c>tool_usage_update</c>, registered at start when missing.</summary>
    public static ToolDescriptor UsageUpdateDescriptor() => new(
        ToolUsageUpdateTool.BuiltinName, "1.0.0", "Adds batched usage increments to tool usage counts (built in).",
        ImmutableArray.Create("builtin", "usage"), 1.0, ToolKind.Builtin, ToolUsageUpdateTool.BuiltinName, [], 30, null, "{}");
}
