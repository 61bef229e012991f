using System.Collections.Immutable;
using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using ToolGrains.Core.Protocol;
using ToolGrains.Grains.Tools;

namespace ToolGrains.Grains.Buffers;

/// <summary>
/// Batches rapid writes per buffer id and hands them to a pass-through tool by size or by age.
/// Reentrant so that writers are acknowledged while a batch is being delivered; every await point
/// below is written with that interleaving in mind.
/// </summary>
[Reentrant]
public sealed class BufferGrain : Grain, IBufferGrain, IRemindable
{
    private const string RecoveryReminder = "buffer-recovery";
    private readonly SemaphoreSlim _reminderGate = new(1, 1);
    private const int MaxUnsavedDeliveries = 32;
    private readonly IPersistentState<BufferState> _state;
    private readonly ToolRunner _runner;
    private readonly BufferOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<BufferGrain> _logger;
    private readonly BufferMetrics _metrics;
    private readonly UsageTracker _usage;
    private readonly WriteCoalescer _persist;
    private IGrainTimer? _pump;
    private bool _reminderRegistered;
    private Task? _delivery;
    private bool _poisoned;
    // Grain turns run one at a time, so this gate only orders deliveries across interleaved awaits.
    private readonly SemaphoreSlim _deliveryGate = new(1, 1);

    public BufferGrain(
        [PersistentState("buffer", StorageNames.Default)] IPersistentState<BufferState> state,
        ToolRunner runner, IOptions<BufferOptions> options, TimeProvider time, ILogger<BufferGrain> logger, BufferMetrics metrics,
        UsageTracker usage)
    {
        _usage = usage;
        _state = state;
        _runner = runner;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _metrics = metrics;
        _persist = new WriteCoalescer(PersistNowAsync);
    }

    private BufferState S => _state.State;
    private string BufferId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!S.Configured)
        {
            S.Strategy = BufferStrategy.Batched;
            S.MaxSize = _options.DefaultMaxSize;
            S.FlushIntervalSeconds = _options.DefaultFlushIntervalSeconds;
        }
        if (S.BufferedCount > 0)
        {
            // Back after a restart or a silo failure: resume the clock and deliver what was sealed.
            _reminderRegistered = await this.GetReminder(RecoveryReminder) is not null;
            StartPump();
        }
        await base.OnActivateAsync(cancellationToken);
    }

    public async Task<BufferWriteResult> WriteAsync(BufferWriteRequest request)
    {
        BufferRules.ValidateBufferId(BufferId);
        if (request.Items.IsDefaultOrEmpty)
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, "A write needs at least one item.", "data");
        for (var i = 0; i < request.Items.Length; i++)
        {
            var item = request.Items[i];
            var bytes = Encoding.UTF8.GetByteCount(item);
            if (bytes > _options.MaxItemBytes)
                throw new ToolGrainsException(ErrorCodes.ItemTooLarge, $"Item {i} is {bytes} bytes; the limit is {_options.MaxItemBytes}.", "data");
            if (!JsonText.IsValid(item))
                throw new ToolGrainsException(ErrorCodes.InvalidRequest, $"Item {i} is not a JSON value.", "data");
        }
        if (S.BufferedCount + request.Items.Length > _options.MaxBufferedItems)
        {
            _metrics.Refused.Add(request.Items.Length);
            throw new ToolGrainsException(ErrorCodes.BufferFull,
                $"Buffer '{BufferId}' holds {S.BufferedCount} items; {request.Items.Length} more would pass the limit of {_options.MaxBufferedItems}. Retry after it drains.", "buffer_id");
        }
        await ApplySettingsAsync(request.Settings);
        var strategy = S.Strategy;

        if (S.Pending.Count == 0) S.PendingSince = _time.GetUtcNow();
        S.Pending.AddRange(request.Items);
        S.TotalWritten += request.Items.Length;
        SealedBatch? sealedNow = null;
        if (strategy == BufferStrategy.Immediate)
            sealedNow = Seal(S.Pending.Count, "size");
        else if (strategy == BufferStrategy.Batched && S.Pending.Count >= S.MaxSize)
            sealedNow = Seal(S.MaxSize, "size");
        var buffered = S.Pending.Count;

        await EnsureRecoveryAsync();
        await _persist.WriteAsync();
        _metrics.Written.Add(request.Items.Length);

        if (strategy == BufferStrategy.Immediate && sealedNow is not null)
        {
            // Immediate: the caller waits for its batch to reach the tool. It stays durable and is retried if the tool fails.
            await DeliverPendingBatchesAsync(force: true);
            var delivered = !S.InFlight.Contains(sealedNow);
            return new BufferWriteResult(BufferId, S.BufferedCount, delivered, delivered ? sealedNow.Items.Count : 0);
        }
        if (sealedNow is not null) KickDelivery();
        return new BufferWriteResult(BufferId, buffered, sealedNow is not null, sealedNow?.Items.Count ?? 0);
    }

    public async Task<BufferFlushResult> FlushAsync()
    {
        if (S.Strategy == BufferStrategy.Manual && S.PassThroughTool is null)
        {
            // A manual buffer without a tool is a queue: flush drains and returns its items.
            var items = S.Pending.ToImmutableArray();
            if (items.Length == 0) return new BufferFlushResult(BufferId, 0, null, []);
            var batchId = $"{BufferId}:{S.NextSequence++}";
            S.Pending.Clear();
            S.PendingSince = null;
            S.TotalFlushed += items.Length;
            S.BatchesFlushed++;
            S.LastFlushAt = _time.GetUtcNow();
            S.LastFlushReason = "manual";
            await _persist.WriteAsync();
            return new BufferFlushResult(BufferId, items.Length, batchId, items);
        }
        SealedBatch? batch = S.Pending.Count > 0 ? Seal(S.Pending.Count, "manual") : null;
        if (batch is not null) await _persist.WriteAsync();
        await DeliverPendingBatchesAsync(force: true);
        if (batch is not null && S.InFlight.Contains(batch))
            throw new ToolGrainsException(ErrorCodes.FlushFailed,
                $"Batch {batch.BatchId} was not confirmed by '{S.PassThroughTool}': {S.LastError}. It stays buffered and is retried.", "pass_through_tool");
        return new BufferFlushResult(BufferId, batch?.Items.Count ?? 0, batch?.BatchId, null);
    }

    public Task<BufferStatus> GetStatusAsync()
    {
        var now = _time.GetUtcNow();
        return Task.FromResult(new BufferStatus(
            BufferId, S.Strategy, S.MaxSize, S.FlushIntervalSeconds, S.PassThroughTool,
            S.Pending.Count, S.InFlightItems, S.TotalWritten, S.TotalFlushed, S.BatchesFlushed,
            S.LastFlushAt, S.LastFlushReason, S.LastError,
            S.PendingSince is { } since && S.Pending.Count > 0 ? Math.Max(0, (now - since).TotalSeconds) : null,
            S.InFlight.Sum(b => b.Attempts)));
    }

    public async Task<BufferClearResult> ClearAsync()
    {
        var cleared = S.BufferedCount;
        S.Pending.Clear();
        S.PendingSince = null;
        S.ClearInFlight();
        S.LastError = null;
        await _persist.WriteAsync();
        return new BufferClearResult(BufferId, cleared);
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        // The tick proves the reminder exists, even when this activation did not register it (an empty
        // buffer reactivated after its silo died): without this, such a reminder would tick forever.
        _reminderRegistered = true;
        // Being active again is the point of the reminder: the pump flushes what is due.
        if (S.BufferedCount > 0) StartPump();
        else return SettleRecoveryAsync();
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _pump?.Dispose();
        _pump = null;
        _logger.LogInformation("Buffer {BufferId} deactivating ({Reason}) with {Pending} pending and {InFlight} in flight",
            BufferId, reason.ReasonCode, S.Pending.Count, S.InFlightItems);
        if (!_poisoned && S.Pending.Count > 0 && S.PassThroughTool is not null && S.Strategy != BufferStrategy.Manual)
        {
            try
            {
                Seal(S.Pending.Count, "deactivation");
                await _persist.WriteAsync();
                using var timeout = new CancellationTokenSource(_options.DeactivationFlushTimeout);
                await DeliverPendingBatchesAsync(force: true).WaitAsync(timeout.Token);
            }
            catch (Exception ex)
            {
                // The batch stays durable; the recovery reminder delivers it later.
                _logger.LogWarning(ex, "Buffer {BufferId}: flush on deactivation did not complete", BufferId);
            }
        }
        if (!_poisoned) await SettleRecoveryAsync(); // poisoned: memory may disagree with storage, keep the reminder
        await base.OnDeactivateAsync(reason, cancellationToken);
    }

    /// <summary>Validates the buffer's settings as they would be after <paramref name="settings"/>, then applies them; a refused write changes nothing.</summary>
    private async Task ApplySettingsAsync(BufferSettingsUpdate? settings)
    {
        if (settings is not null) BufferRules.Validate(settings);
        var next = (
            Strategy: settings?.Strategy ?? S.Strategy,
            MaxSize: settings?.MaxSize ?? S.MaxSize,
            Interval: settings?.FlushIntervalSeconds ?? S.FlushIntervalSeconds,
            Tool: settings?.PassThroughTool ?? S.PassThroughTool);
        if (next.Strategy != BufferStrategy.Manual && next.Tool is null)
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, $"A {Name(next.Strategy)} buffer needs a 'pass_through_tool'.", "pass_through_tool");
        // Pointing another team's buffer at one's own tool would take its items: once set, the tool is the operator's to change.
        if (S.PassThroughTool is { } current && next.Tool != current)
            CallerContext.Demand(ToolGrainsRole.Admin, $"Changing the pass-through tool of buffer '{BufferId}' from '{current}'");
        if (next.Tool is { } tool && tool != S.PassThroughTool
            && await GrainFactory.GetGrain<IToolReputationGrain>(tool).GetDescriptorAsync() is null)
            throw new ToolGrainsException(ErrorCodes.ToolNotFound, $"Pass-through tool '{tool}' is not registered.", "pass_through_tool");
        var changed = next != (S.Strategy, S.MaxSize, S.FlushIntervalSeconds, S.PassThroughTool);
        (S.Strategy, S.MaxSize, S.FlushIntervalSeconds, S.PassThroughTool) = next;
        S.Configured = true;
        if (changed && S.Pending.Count > 0) RestartPump();
    }

    private SealedBatch Seal(int count, string reason)
    {
        var batch = new SealedBatch
        {
            BatchId = $"{BufferId}:{S.NextSequence++}",
            Items = S.Pending.GetRange(0, count),
            Reason = reason,
        };
        S.Pending.RemoveRange(0, count);
        // The remaining items were written after the sealed ones; restarting the clock here is what keeps
        // the guarantee "no item waits much longer than the interval" without tracking a time per item.
        S.PendingSince = S.Pending.Count > 0 ? _time.GetUtcNow() : null;
        S.AddInFlight(batch);
        return batch;
    }

    private async Task PersistNowAsync()
    {
        try
        {
            await _state.WriteStateAsync();
            _metrics.StorageWrites.Add(1);
        }
        catch
        {
            // Memory may now hold items no caller was told are stored: drop this activation, keep storage's truth.
            _poisoned = true;
            DeactivateOnIdle();
            throw;
        }
    }

    private void KickDelivery()
    {
        if (_delivery is { IsCompleted: false }) return;
        _delivery = DeliverPendingBatchesAsync(force: false);
    }

    /// <summary>
    /// Delivers sealed batches in order, one delivery at a time; stops at the first failure, which is retried
    /// with backoff. <paramref name="force"/> ignores the backoff (an explicit flush, an immediate write).
    /// </summary>
    private async Task DeliverPendingBatchesAsync(bool force)
    {
        await _deliveryGate.WaitAsync();
        try
        {
            var unsaved = 0;
            while (S.InFlight.Count > 0)
            {
                var batch = S.InFlight[0];
                if (!force && batch.NextAttemptAt is { } next && next > _time.GetUtcNow()) break;
                var delivered = await DeliverAsync(batch);
                // Confirmations are saved in groups: a crash before the save only redelivers those
                // batches (same batch_id), and a fast tool is not held to one storage write per batch.
                if (++unsaved >= MaxUnsavedDeliveries || !delivered)
                {
                    await _persist.WriteAsync();
                    unsaved = 0;
                }
                if (!delivered) break;
            }
            if (unsaved > 0) await _persist.WriteAsync();
        }
        finally
        {
            _deliveryGate.Release();
        }
    }

    private async Task<bool> DeliverAsync(SealedBatch batch)
    {
        var toolId = S.PassThroughTool;
        ToolCallResult result;
        var descriptor = toolId is null ? null : await GrainFactory.GetGrain<IToolReputationGrain>(toolId).GetDescriptorAsync();
        if (descriptor is null)
            result = new ToolCallResult(toolId ?? "", ToolOutcome.Failure, null, $"Pass-through tool '{toolId}' is not registered.", 0);
        else
        {
            result = await _runner.RunAsync(descriptor, BatchJson(batch));
            // A pass-through call is a tool invocation like any other (the tracker skips the usage buffer's own).
            await _usage.TrackAsync(descriptor.Id, BufferId);
        }
        _metrics.PassThroughCalls.Add(1);

        if (result.Succeeded)
        {
            S.RemoveInFlight(batch);
            S.TotalFlushed += batch.Items.Count;
            S.BatchesFlushed++;
            S.LastFlushAt = _time.GetUtcNow();
            S.LastFlushReason = batch.Reason;
            S.LastError = null;
            _metrics.Flushed.Add(batch.Items.Count);
        }
        else
        {
            batch.Attempts++;
            var delay = TimeSpan.FromTicks(Math.Min(_options.RetryMaxDelay.Ticks,
                _options.RetryInitialDelay.Ticks * (1L << Math.Min(batch.Attempts - 1, 30))));
            batch.NextAttemptAt = _time.GetUtcNow() + delay;
            S.LastError = $"{result.Outcome.ToString().ToLowerInvariant()}: {result.Error} (batch {batch.BatchId}, attempt {batch.Attempts}, next in {delay.TotalSeconds:0.#} s)";
            _logger.LogWarning("Buffer {BufferId}: pass-through {Tool} failed for {BatchId}: {Error}", BufferId, toolId, batch.BatchId, result.Error);
        }
        return result.Succeeded;
    }

    private string BatchJson(SealedBatch batch)
    {
        var sb = new StringBuilder(64 + batch.Items.Sum(i => i.Length + 1));
        sb.Append("{\"buffer_id\":").Append(System.Text.Json.JsonSerializer.Serialize(BufferId))
          .Append(",\"batch_id\":").Append(System.Text.Json.JsonSerializer.Serialize(batch.BatchId))
          .Append(",\"items\":[");
        for (var i = 0; i < batch.Items.Count; i++)
        {
            if (i > 0) sb.Append(',');
            sb.Append(batch.Items[i]);
        }
        return sb.Append("]}").ToString();
    }

    /// <summary>The pump ticks while items are held: time flush of pending items, retries of failed batches.</summary>
    private void StartPump()
    {
        if (_pump is not null) return;
        var tick = TimeSpan.FromSeconds(Math.Clamp(S.FlushIntervalSeconds / 10, 0.02, 0.5));
        _pump = this.RegisterGrainTimer(PumpAsync, new GrainTimerCreationOptions(tick, tick) { Interleave = true, KeepAlive = false });
    }

    private void RestartPump()
    {
        _pump?.Dispose();
        _pump = null;
        StartPump();
    }

    private async Task PumpAsync(CancellationToken cancellationToken)
    {
        if (S.Strategy == BufferStrategy.Batched && S.Pending.Count > 0 && S.PendingSince is { } since
            && _time.GetUtcNow() - since >= TimeSpan.FromSeconds(S.FlushIntervalSeconds))
        {
            Seal(S.Pending.Count, "time");
            await _persist.WriteAsync();
        }
        if (S.InFlight.Count > 0) KickDelivery();
        if (S.BufferedCount == 0 && _delivery is not { IsCompleted: false })
        {
            _pump?.Dispose();
            _pump = null;
        }
    }

    /// <summary>Before the first item is acknowledged, a reminder exists that will bring this buffer back if its silo dies.</summary>
    private async Task EnsureRecoveryAsync()
    {
        if (!_reminderRegistered)
        {
            // Serialised with SettleRecoveryAsync (this grain is reentrant): a removal in progress must not
            // take away the reminder this write is about to rely on.
            await _reminderGate.WaitAsync();
            try
            {
                if (!_reminderRegistered)
                {
                    await this.RegisterOrUpdateReminder(RecoveryReminder, _options.RecoveryReminderPeriod, _options.RecoveryReminderPeriod);
                    _reminderRegistered = true;
                }
            }
            finally
            {
                _reminderGate.Release();
            }
        }
        StartPump();
    }

    /// <summary>A drained buffer drops its reminder when it deactivates or the reminder ticks, so idle buffers
    /// cost nothing. Not after every delivery: a busy buffer drains every batch, and registering and removing
    /// the reminder each time was two reminder-table writes per batch (the soak saw ~200/s, and ETag
    /// conflicts between the two).</summary>
    private async Task SettleRecoveryAsync()
    {
        if (S.BufferedCount > 0 || !_reminderRegistered) return;
        await _reminderGate.WaitAsync();
        try
        {
            if (S.BufferedCount > 0 || !_reminderRegistered) return;
            // Cleared before the removal starts: a write arriving meanwhile sees it, waits at the gate and
            // registers again, so no acknowledged item relies on the reminder removed here.
            _reminderRegistered = false;
            try
            {
                if (await this.GetReminder(RecoveryReminder) is { } reminder) await this.UnregisterReminder(reminder);
            }
            catch (Exception ex)
            {
                _reminderRegistered = true;
                _logger.LogDebug(ex, "Buffer {BufferId}: reminder not removed; it is removed on its next tick", BufferId);
            }
        }
        finally
        {
            _reminderGate.Release();
        }
    }

    private static string Name(BufferStrategy s) => s.ToString().ToLowerInvariant();
}

/// <summary>Counters of the <c>ToolGrains</c> meter for buffers.</summary>
public sealed class BufferMetrics
{
    public const string MeterName = "ToolGrains";

    public BufferMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        Written = meter.CreateCounter<long>("toolgrains.buffer.items_written", "{item}", "Items acknowledged by buffers");
        Flushed = meter.CreateCounter<long>("toolgrains.buffer.items_flushed", "{item}", "Items confirmed by pass-through tools");
        StorageWrites = meter.CreateCounter<long>("toolgrains.buffer.storage_writes", "{write}", "Grain state writes of buffers");
        PassThroughCalls = meter.CreateCounter<long>("toolgrains.buffer.pass_through_calls", "{call}", "Calls of pass-through tools");
        Refused = meter.CreateCounter<long>("toolgrains.buffer.items_refused", "{item}", "Items refused with buffer_full");
    }

    public Counter<long> Written { get; }
    public Counter<long> Flushed { get; }
    public Counter<long> StorageWrites { get; }
    public Counter<long> PassThroughCalls { get; }
    public Counter<long> Refused { get; }
}
