namespace ToolGrains.Grains.Buffers;

/// <summary>
/// Group commit inside one grain: callers that ask for a write while one is running share the next
/// write, so N concurrent writers cost about two storage writes, not N. Only for use on the grain's
/// own scheduler (single-threaded), which is what makes the unsynchronised fields safe.
/// </summary>
public sealed class WriteCoalescer(Func<Task> write)
{
    private TaskCompletionSource? _next;
    private bool _running;

    /// <summary>Completes when a write that started after this call has finished.</summary>
    public Task WriteAsync()
    {
        if (_next is { } queued) return queued.Task;
        var next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _next = next;
        if (!_running) _ = PumpAsync();
        return next.Task;
    }

    private async Task PumpAsync()
    {
        _running = true;
        try
        {
            while (_next is { } current)
            {
                _next = null;
                try
                {
                    await write();
                    current.SetResult();
                }
                catch (Exception ex)
                {
                    current.SetException(ex);
                }
            }
        }
        finally
        {
            _running = false;
        }
    }
}
