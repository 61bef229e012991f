using Orleans.Runtime;

namespace ToolGrains.Hosting;

/// <summary>Whether the silo has reached the Active stage and not begun to stop: the silo half of readiness.</summary>
public sealed class SiloActivity : ILifecycleParticipant<ISiloLifecycle>
{
    private volatile bool _active;

    public bool IsActive => _active;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SiloActivity), ServiceLifecycleStage.Active,
            _ => { _active = true; return Task.CompletedTask; },
            _ => { _active = false; return Task.CompletedTask; });
}
