using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Storage;
using ToolGrains.Core.Buffers;
using ToolGrains.Grains.Running;
using ToolGrains.Grains.Usage;

namespace ToolGrains.Grains.Buffers;

/// <summary>
/// Batches rapid writes per buffer id and hands them to a pass-through tool by size or by age. The decisions
/// are <see cref="BufferLedger"/>'s; this grain wires them to the item store, the pass-through tool, a timer
/// (time flush, retries) and a reminder (recovery after a silo died). Reentrant, so writers are acknowledged
/// while a batch is delivered. A change is handed to the store on the turn that made it, so the changes of
/// one buffer commit in order; when one fails, the ledger is dropped and the next call reads storage again.
/// </summary>
[Reentrant]
public sealed class BufferGrain(
    IBufferStore store, ToolRunner runner, IOptions<BufferOptions> options, TimeProvider time,
    ILogger<BufferGrain> logger, BufferMetrics metrics, UsageTracker usage) : Grain, IBufferGrain, IRemindable
{
    private const string RecoveryReminder = "buffer-recovery";
    private const int MaxUnconfirmedDeliveries = 32;
    private readonly BufferOptions _options = options.Value;
    private readonly SemaphoreSlim _reminderGate = new(1, 1);
    // Grain turns run one at a time, so this gate only orders deliveries across interleaved awaits.
    private readonly SemaphoreSlim _deliveryGate = new(1, 1);
    private BufferLedger? _ledger;
    private Task<BufferLedger>? _loading;
    private IGrainTimer? _pump;
    private bool _reminderRegistered;
    private Task? _delivery;

    private bool _idChecked;

    private string BufferId => this.GetPrimaryKeyString();

    /// <summary>Refuses an invalid buffer id, checked once per activation.</summary>
    private void CheckId()
    {
        if (!_idChecked) BufferRules.ValidateBufferId(BufferId);
    }

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A key no write can use (an over-long or unprintable id) has nothing stored: every call refuses it
        // (CheckId), so storage is not read for it.
        _idChecked = BufferRules.IsValidBufferId(BufferId);
        if (!_idChecked)
        {
            await base.OnActivateAsync(cancellationToken);
            return;
        }
        try
        {
            if ((await LedgerAsync()).BufferedCount > 0)
            {
                // Back after a restart or a silo failure: resume the clock and deliver what was sealed.
                _reminderRegistered = await this.GetReminder(RecoveryReminder) is not null;
                StartPump();
            }
        }
        catch (Exception ex)
        {
            // Storage is down: the pump keeps trying to read it and resumes the buffer when it answers.
            logger.LogWarning(ex, "Buffer {BufferId}: not loaded at activation", BufferId);
            StartPump();
        }
        await base.OnActivateAsync(cancellationToken);
    }

    public async Task<BufferWriteResult> WriteAsync(BufferWriteRequest request)
    {
        CheckId();
        if (request is null) throw new ToolGrainsException(ErrorCodes.InvalidRequest, "A write needs a request with its items.", "data");
        BufferRules.ValidateItems(request.Items, _options.MaxItemBytes);
        var settings = await ValidateSettingsAsync(await LedgerAsync(), request.Settings);
        try
        {
            // Before anything is queued: a write refused here has stored nothing, so its retry cannot store it twice.
            await EnsureRecoveryAsync();
        }
        catch (Exception ex) when (ex is not ToolGrainsException)
        {
            throw Unavailable(ex);
        }
        var ledger = await LedgerAsync(); // the one current after the awaits above; no await from here to the commit
        if (ledger.BufferedCount + request.Items.Length > _options.MaxBufferedItems)
        {
            metrics.Refused.Add(request.Items.Length);
            throw new ToolGrainsException(ErrorCodes.BufferFull,
                $"Buffer '{BufferId}' holds {ledger.BufferedCount} items; {request.Items.Length} more would pass the limit of {_options.MaxBufferedItems}. Retry after it drains.", "buffer_id");
        }
        ApplySettings(ledger, settings);
        var (change, sealedNow) = ledger.Append(request.Items);
        var buffered = ledger.PendingCount;
        await CommitAsync(ledger, change); // queued on this turn: commits in the order it was made
        metrics.Written.Add(request.Items.Length);

        if (ledger.Record.Mode == BufferSealMode.Immediate && sealedNow.Count > 0)
        {
            // Immediate: the caller waits for its batch to reach the tool. It stays durable and is retried if the tool fails.
            await DeliverPendingAsync(force: true);
            var delivered = ReferenceEquals(_ledger, ledger) && !ledger.Sealed.Contains(sealedNow[^1]);
            return new BufferWriteResult(BufferId, ledger.BufferedCount, delivered, delivered ? sealedNow.Sum(b => b.Items.Count) : 0);
        }
        if (sealedNow.Count > 0) KickDelivery();
        return new BufferWriteResult(BufferId, buffered, sealedNow.Count > 0, sealedNow.Sum(b => b.Items.Count));
    }

    public async Task<BufferFlushResult> FlushAsync()
    {
        CheckId();
        var ledger = await LedgerAsync();
        if (ledger.Record.Mode == BufferSealMode.Manual && ledger.Record.PassThroughTool is null)
        {
            // A manual buffer without a tool is a queue: flush drains and returns its items, once they are removed
            // from storage. If that fails, storage still holds them and the next flush returns them.
            if (ledger.TakeAll("manual") is not { } taken) return new BufferFlushResult(BufferId, 0, null, []);
            await CommitAsync(ledger, taken.Change);
            return new BufferFlushResult(BufferId, taken.Items.Count, taken.BatchId, [.. taken.Items]);
        }
        LedgerBatch? batch = null;
        if (ledger.SealAll("manual") is { } sealedNow)
        {
            batch = sealedNow.Batch;
            await CommitAsync(ledger, sealedNow.Change);
        }
        await DeliverPendingAsync(force: true);
        if (!ReferenceEquals(_ledger, ledger))
            throw Unavailable(null);
        if (batch is not null && ledger.Sealed.Contains(batch))
            throw new ToolGrainsException(ErrorCodes.FlushFailed,
                $"Batch {batch.BatchId} was not confirmed by '{ledger.Record.PassThroughTool}': {ledger.Record.LastError}. It stays buffered and is retried.", "pass_through_tool");
        return new BufferFlushResult(BufferId, batch?.Items.Count ?? 0, batch?.BatchId, null);
    }

    public async Task<BufferStatus> GetStatusAsync()
    {
        CheckId();
        var ledger = await LedgerAsync();
        var r = ledger.Record;
        return new BufferStatus(
            BufferId, (BufferStrategy)r.Mode, r.MaxSize, r.FlushIntervalSeconds, r.PassThroughTool,
            ledger.PendingCount, ledger.SealedItems, r.TotalWritten, r.TotalFlushed, r.BatchesFlushed,
            r.LastFlushAt, r.LastFlushReason, r.LastError, ledger.OldestPendingAgeSeconds, ledger.FailedAttempts);
    }

    public async Task<BufferClearResult> ClearAsync()
    {
        CheckId();
        var ledger = await LedgerAsync();
        var (change, cleared) = ledger.Clear();
        await CommitAsync(ledger, change);
        return new BufferClearResult(BufferId, cleared);
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        // The tick proves the reminder exists, even when this activation did not register it (an empty
        // buffer reactivated after its silo died): without this, such a reminder would tick forever.
        _reminderRegistered = true;
        try
        {
            // Being active again is the point of the reminder: the pump flushes what is due.
            if ((await LedgerAsync()).BufferedCount > 0) StartPump();
            else await SettleRecoveryAsync();
        }
        catch (ToolGrainsException ex) when (ex.Code == ErrorCodes.StorageUnavailable)
        {
            StartPump(); // retries the read each tick
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _pump?.Dispose();
        _pump = null;
        var ledger = _ledger; // null after a failed commit: memory is not trusted, storage keeps the truth
        logger.LogInformation("Buffer {BufferId} deactivating ({Reason}) with {Pending} pending and {InFlight} in flight",
            BufferId, reason.ReasonCode, ledger?.PendingCount, ledger?.SealedItems);
        // Sealed batches waiting for a retry go too: the tool may be back, and otherwise only the reminder would deliver them.
        if (ledger is { BufferedCount: > 0, Record.PassThroughTool: not null } && ledger.Record.Mode != BufferSealMode.Manual)
        {
            // At most DeactivationFlushTimeout: the delivery is cancelled there, and the batch stays durable
            // for the recovery reminder to deliver later.
            using var timeout = new CancellationTokenSource(_options.DeactivationFlushTimeout);
            try
            {
                if (ledger.SealAll("deactivation") is { } sealedNow) await CommitAsync(ledger, sealedNow.Change).WaitAsync(timeout.Token);
                await DeliverPendingAsync(force: true, timeout.Token).WaitAsync(timeout.Token);
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Buffer {BufferId}: flush on deactivation did not complete", BufferId);
            }
        }
        if (_ledger is not null) await SettleRecoveryAsync();
        await base.OnDeactivateAsync(reason, cancellationToken);
    }

    /// <summary>The current ledger, read from storage when there is none (first call, or after a failed commit).</summary>
    private ValueTask<BufferLedger> LedgerAsync()
    {
        if (_ledger is { } ledger) return new ValueTask<BufferLedger>(ledger);
        if (_loading is null || _loading.IsCompleted) _loading = LoadAsync();
        return new ValueTask<BufferLedger>(_loading);
    }

    private async Task<BufferLedger> LoadAsync()
    {
        BufferSnapshot snapshot;
        try
        {
            snapshot = await store.LoadAsync(BufferId);
            if (snapshot.Version == 0) snapshot = await MigrateLegacyAsync() ?? snapshot;
        }
        catch (Exception ex)
        {
            throw Unavailable(ex);
        }
        var ledger = new BufferLedger(BufferId, snapshot, time, _options.RetryInitialDelay, _options.RetryMaxDelay, store.TakesPlainAppends);
        if (!ledger.Record.Configured)
        {
            ledger.Record.Mode = BufferSealMode.Batched;
            ledger.Record.MaxSize = _options.DefaultMaxSize;
            ledger.Record.FlushIntervalSeconds = _options.DefaultFlushIntervalSeconds;
        }
        _ledger = ledger;
        return ledger;
    }

    /// <summary>
    /// A buffer stored the old way (one grain state holding every item) is moved into the item store once:
    /// its items and batches are committed there, then the old state is cleared. Null when there is none.
    /// </summary>
    private async Task<BufferSnapshot?> MigrateLegacyAsync()
    {
        if (ServiceProvider.GetKeyedService<IGrainStorage>(StorageNames.Default) is not { } legacyStorage) return null;
        var legacy = new GrainState<BufferState>(new BufferState());
        await legacyStorage.ReadStateAsync("buffer", this.GetGrainId(), legacy);
        if (!legacy.RecordExists || legacy.State is null) return null;
        var snapshot = legacy.State.ToSnapshot();
        await store.CommitAsync(new BufferChange(BufferId, 0, snapshot.Record, snapshot.Items, snapshot.Batches, null, false));
        logger.LogInformation("Buffer {BufferId}: moved {Items} items from its old grain state into the item store", BufferId, snapshot.Items.Count);
        try
        {
            await legacyStorage.ClearStateAsync("buffer", this.GetGrainId(), legacy);
        }
        catch (Exception ex)
        {
            // Harmless: the item store has a record now, so the old state is never read again.
            logger.LogWarning(ex, "Buffer {BufferId}: old grain state not cleared", BufferId);
        }
        return snapshot with { Version = 1 };
    }

    /// <summary>Hands <paramref name="change"/> to the store now; on failure the ledger, ahead of storage, is dropped.</summary>
    private async Task CommitAsync(BufferLedger ledger, BufferChange change)
    {
        try
        {
            await store.CommitAsync(change);
            metrics.StorageWrites.Add(1);
        }
        catch (Exception ex)
        {
            Forget(ledger, ex);
            throw Unavailable(ex);
        }
    }

    /// <summary>A change of <paramref name="ledger"/> was not stored: memory is ahead of storage, so storage is read again.</summary>
    private void Forget(BufferLedger ledger, Exception cause)
    {
        if (!ReferenceEquals(_ledger, ledger)) return;
        _ledger = null;
        logger.LogWarning(cause, "Buffer {BufferId}: a change was not stored; reading storage again at the next call", BufferId);
    }

    private ToolGrainsException Unavailable(Exception? cause) => new(ErrorCodes.StorageUnavailable,
        $"Buffer '{BufferId}': storage did not answer{(cause is null ? "" : $" ({cause.GetType().Name}: {cause.Message})")}; nothing was acknowledged. Retry the request.");

    /// <summary>Validates the buffer's settings as they would be after <paramref name="settings"/>; a refused write changes nothing.</summary>
    private async ValueTask<(BufferSealMode Mode, int MaxSize, double Interval, string? Tool)> ValidateSettingsAsync(BufferLedger ledger, BufferSettingsUpdate? settings)
    {
        if (settings is not null) BufferRules.Validate(settings);
        var r = ledger.Record;
        var next = (
            Mode: settings?.Strategy is { } s ? (BufferSealMode)s : r.Mode,
            MaxSize: settings?.MaxSize ?? r.MaxSize,
            Interval: settings?.FlushIntervalSeconds ?? r.FlushIntervalSeconds,
            Tool: settings?.PassThroughTool ?? r.PassThroughTool);
        if (next.Mode != BufferSealMode.Manual && next.Tool is null)
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, $"A {next.Mode.ToString().ToLowerInvariant()} buffer needs a 'pass_through_tool'.", "pass_through_tool");
        // Pointing another team's buffer at one's own tool would take its items: once set, the tool is the operator's to change.
        if (r.PassThroughTool is { } current && next.Tool != current)
            CallerContext.Demand(ToolGrainsRole.Admin, $"Changing the pass-through tool of buffer '{BufferId}' from '{current}'");
        if (next.Tool is { } tool && tool != r.PassThroughTool
            && await GrainFactory.GetGrain<IToolReputationGrain>(tool).GetDescriptorAsync() is null)
            throw new ToolGrainsException(ErrorCodes.ToolNotFound, $"Pass-through tool '{tool}' is not registered.", "pass_through_tool");
        return next;
    }

    private void ApplySettings(BufferLedger ledger, (BufferSealMode Mode, int MaxSize, double Interval, string? Tool) next)
    {
        var r = ledger.Record;
        var changed = next != (r.Mode, r.MaxSize, r.FlushIntervalSeconds, r.PassThroughTool);
        ledger.Configure(next.Mode, next.MaxSize, next.Interval, next.Tool);
        if (changed && ledger.PendingCount > 0) RestartPump();
    }

    private void KickDelivery()
    {
        if (_delivery is { IsCompleted: false }) return;
        _delivery = DeliverInBackgroundAsync();
    }

    private async Task DeliverInBackgroundAsync()
    {
        try
        {
            await DeliverPendingAsync(force: false);
        }
        catch (Exception ex)
        {
            // A confirmation not stored: the batch is redelivered (same batch_id) after the ledger is read again.
            logger.LogWarning(ex, "Buffer {BufferId}: delivery stopped", BufferId);
        }
    }

    /// <summary>
    /// Delivers sealed batches in order, one at a time; stops at the first failure, which is retried with
    /// backoff. <paramref name="force"/> ignores the backoff (an explicit flush, an immediate write).
    /// </summary>
    private async Task DeliverPendingAsync(bool force, CancellationToken cancellationToken = default)
    {
        await _deliveryGate.WaitAsync(cancellationToken);
        var confirming = new List<Task>();
        try
        {
            while (!cancellationToken.IsCancellationRequested && _ledger is { } ledger && ledger.NextDelivery(force) is { } batch)
            {
                var (ok, error) = await CallPassThroughAsync(ledger.Record.PassThroughTool, batch, cancellationToken);
                if (!ReferenceEquals(_ledger, ledger)) break;   // storage failed meanwhile: read again first
                if (!ledger.IsNext(batch)) continue;             // cleared meanwhile
                if (ok)
                {
                    metrics.Flushed.Add(batch.Items.Count);
                    // Not awaited one by one: the next batch goes out while this confirmation is committed (in
                    // order, with other changes). A crash before it is stored redelivers it under the same batch_id.
                    confirming.Add(CommitAsync(ledger, ledger.Confirm(batch)));
                    if (confirming.Count >= MaxUnconfirmedDeliveries)
                    {
                        await Task.WhenAll(confirming);
                        confirming.Clear();
                    }
                }
                else
                {
                    ledger.Fail(batch, error!);
                    logger.LogWarning("Buffer {BufferId}: pass-through {Tool} failed for {BatchId}: {Error}", BufferId, ledger.Record.PassThroughTool, batch.BatchId, error);
                    break;
                }
            }
            await Task.WhenAll(confirming);
        }
        finally
        {
            _deliveryGate.Release();
        }
    }

    private async Task<(bool Ok, string? Error)> CallPassThroughAsync(string? toolId, LedgerBatch batch, CancellationToken cancellationToken)
    {
        var descriptor = toolId is null ? null : await GrainFactory.GetGrain<IToolReputationGrain>(toolId).GetDescriptorAsync();
        metrics.PassThroughCalls.Add(1);
        if (descriptor is null) return (false, $"failure: Pass-through tool '{toolId}' is not registered.");
        var result = await runner.RunAsync(descriptor, batch.ToPassThroughJson(BufferId), cancellationToken);
        // A pass-through call is a tool invocation like any other (the tracker skips the usage buffer's own).
        await usage.TrackAsync(descriptor.Id, BufferId);
        return result.Succeeded ? (true, null) : (false, $"{result.Outcome.ToString().ToLowerInvariant()}: {result.Error}");
    }

    /// <summary>The pump ticks while items are held (or storage is to be read again): time flush, retries.</summary>
    private void StartPump()
    {
        if (_pump is not null) return;
        var interval = _ledger?.Record.FlushIntervalSeconds ?? 5;
        var tick = TimeSpan.FromSeconds(Math.Clamp(interval / 10, 0.02, 0.5));
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
        try
        {
            var ledger = await LedgerAsync();
            if (ledger.SealIfDue() is { } change) await CommitAsync(ledger, change);
            if (ledger.Sealed.Count > 0) KickDelivery();
            if (ledger.BufferedCount == 0 && _delivery is not { IsCompleted: false })
            {
                _pump?.Dispose();
                _pump = null;
            }
        }
        catch (ToolGrainsException ex) when (ex.Code == ErrorCodes.StorageUnavailable)
        {
            // Storage is down; the next tick tries again.
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
    /// the reminder each time was two reminder-table writes per batch.</summary>
    private async Task SettleRecoveryAsync()
    {
        if (_ledger is not { BufferedCount: 0 } || !_reminderRegistered) return;
        await _reminderGate.WaitAsync();
        try
        {
            if (_ledger is not { BufferedCount: 0 } || !_reminderRegistered) return;
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
                logger.LogDebug(ex, "Buffer {BufferId}: reminder not removed; it is removed on its next tick", BufferId);
            }
        }
        finally
        {
            _reminderGate.Release();
        }
    }
}
