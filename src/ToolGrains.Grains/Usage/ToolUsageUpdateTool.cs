using System.Text.Json;
using ToolGrains.Core.Protocol;
using ToolGrains.Grains.Running;

namespace ToolGrains.Grains.Usage;

/// <summary>
/// The built-in <c>tool_usage_update</c>: items <c>{"tool_id", "increment"}</c> (increment a positive
/// integer, default 1) are summed per tool and each tool's reputation is updated once per batch, with
/// the batch id so that a redelivered batch is not counted twice. An item that names no registered
/// tool or is malformed is skipped and reported, so one bad item cannot block the batch forever.
/// </summary>
public sealed class ToolUsageUpdateTool(IGrainFactory grains) : IBuiltinTool
{
    public const string BuiltinName = "tool_usage_update";

    public string Name => BuiltinName;

    public async Task<string> InvokeAsync(ToolDescriptor descriptor, JsonElement input, CancellationToken cancellationToken)
    {
        var (batchId, items) = BatchInput.Read(input);
        var (tools, skipped) = await AddAsync(grains, batchId, items);
        return JsonSerializer.Serialize(new
        {
            batch_id = batchId,
            items = items.Count,
            tools,
            skipped,
        });
    }

    /// <summary>
    /// Sums the usage items per tool and adds each sum to its tool's record once, under <paramref name="batchId"/>.
    /// Returns how many tools were updated and why items were skipped. Shared with <c>qdrant_batch_update</c>,
    /// whose usage items belong to the same records.
    /// </summary>
    public static async Task<(int Tools, List<string> Skipped)> AddAsync(IGrainFactory grains, string? batchId, IEnumerable<JsonElement> items)
    {
        var perTool = new Dictionary<string, long>(StringComparer.Ordinal);
        var skipped = new List<string>();
        foreach (var item in items)
        {
            if (UsageItem.Read(item, out var why) is { ToolId: { } id, Increment: { } increment })
                perTool[id] = perTool.GetValueOrDefault(id) + increment;
            else
                skipped.Add(why!);
        }
        // One call per tool, in parallel: the tools' grains are independent.
        var updates = perTool.Select(async pair =>
        {
            try
            {
                await grains.GetGrain<IToolReputationGrain>(pair.Key).AddUsageAsync(pair.Value, batchId);
                return (string?)null;
            }
            catch (ToolGrainsException ex) when (ex.Code == ErrorCodes.ToolNotFound)
            {
                return $"{pair.Key}: not registered";
            }
        });
        skipped.AddRange((await Task.WhenAll(updates)).OfType<string>());
        return (perTool.Count, skipped);
    }
}
