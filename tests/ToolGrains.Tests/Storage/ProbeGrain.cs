using ToolGrains.Grains;

namespace ToolGrains.Tests.Storage;

/// <summary>A grain that exercises the storage contract: a value, and a reminder that counts its ticks in state.</summary>
[Alias("ToolGrains.Tests.IProbeGrain")]
public interface IProbeGrain : IGrainWithStringKey
{
    [Alias("Set")] Task SetAsync(string value);
    [Alias("Get")] Task<string?> GetAsync();
    [Alias("Clear")] Task ClearAsync();
    [Alias("StartReminder")] Task StartReminderAsync(TimeSpan due, TimeSpan period);
    [Alias("StopReminder")] Task StopReminderAsync();
    [Alias("Ticks")] Task<int> GetTicksAsync();
    [Alias("HasReminder")] Task<bool> HasReminderAsync();
}

[GenerateSerializer, Alias("ToolGrains.Tests.ProbeState")]
public sealed class ProbeState
{
    [Id(0)] public string? Value { get; set; }
    [Id(1)] public int Ticks { get; set; }
}

public sealed class ProbeGrain([PersistentState("probe", StorageNames.Default)] IPersistentState<ProbeState> state)
    : Grain, IProbeGrain, IRemindable
{
    public async Task SetAsync(string value)
    {
        state.State.Value = value;
        await state.WriteStateAsync();
    }

    public async Task<string?> GetAsync()
    {
        await state.ReadStateAsync();
        return state.State.Value;
    }

    public Task ClearAsync() => state.ClearStateAsync();

    public Task StartReminderAsync(TimeSpan due, TimeSpan period) => this.RegisterOrUpdateReminder("probe", due, period);

    public async Task StopReminderAsync()
    {
        if (await this.GetReminder("probe") is { } reminder) await this.UnregisterReminder(reminder);
    }

    public async Task<int> GetTicksAsync()
    {
        await state.ReadStateAsync();
        return state.State.Ticks;
    }

    public async Task<bool> HasReminderAsync() => await this.GetReminder("probe") is not null;

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        state.State.Ticks++;
        await state.WriteStateAsync();
    }
}
