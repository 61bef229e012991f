using System.Collections.Concurrent;
using System.Text.Json;
using ToolGrains.Grains.Running;

namespace ToolGrains.Tests.Infrastructure;

/// <summary>
/// A pass-through whose behaviour a test sets per tool id: fail the next N calls, or hold every call
/// until released. It is a real built-in tool, called by the real buffer through the real runner.
/// </summary>
public sealed class ControllableTool : IBuiltinTool
{
    private static readonly ConcurrentDictionary<string, Behaviour> Behaviours = new();

    public string Name => "test_controllable";

    public static Behaviour For(string toolId) => Behaviours.GetOrAdd(toolId, _ => new Behaviour());

    public async Task<string> InvokeAsync(ToolDescriptor descriptor, JsonElement input, CancellationToken cancellationToken)
    {
        var behaviour = For(descriptor.Id);
        Interlocked.Increment(ref behaviour.Calls);
        await behaviour.Gate.Task.WaitAsync(cancellationToken);
        if (Interlocked.Decrement(ref behaviour.FailuresLeft) >= 0)
            throw new InvalidOperationException($"planned failure of {descriptor.Id}");
        var items = input.GetProperty("items");
        behaviour.Delivered.Enqueue((input.GetProperty("batch_id").GetString()!, items.EnumerateArray().Select(i => i.GetRawText()).ToList()));
        return JsonSerializer.Serialize(new { ok = true, count = items.GetArrayLength() });
    }

    public sealed class Behaviour
    {
        public int Calls;
        public int FailuresLeft;
        public TaskCompletionSource Gate { get; set; } = Open();
        public ConcurrentQueue<(string BatchId, List<string> Items)> Delivered { get; } = new();

        public static TaskCompletionSource Open()
        {
            var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            tcs.SetResult();
            return tcs;
        }
    }
}
