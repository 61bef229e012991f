using System.Text.Json;
using Microsoft.Extensions.Options;
using Qdrant.Client.Grpc;
using Qdrant.Client;
using ToolGrains.Grains.Reputation;
using ToolGrains.Grains.Running;
using ToolGrains.Grains.Usage;

namespace ToolGrains.Qdrant;

/// <summary>
/// The built-in <c>qdrant_batch_update</c>, always registered. A batch may carry two kinds of item:
/// <list type="bullet">
/// <item>usage items <c>{"tool_id", "increment"}</c> (the replaced system's usage buffer): added to the tools'
/// own usage counts, as <c>tool_usage_update</c> does, with or without a Qdrant server;</item>
/// <item>failure items (with a <c>vector</c>, as written by <see cref="FailureExport"/>): upserted into the
/// Qdrant collection, waiting for Qdrant to apply them so that a confirmed batch is stored. Point ids derive
/// from the failures, so a redelivery is harmless. Without <c>ToolGrains:Qdrant:Url</c> such a batch fails
/// with a message saying so, and the buffer keeps it.</item>
/// </list>
/// </summary>
public sealed class QdrantBatchUpdateTool(IOptions<QdrantFailureOptions> options, IGrainFactory grains) : IBuiltinTool, IDisposable
{
    public const string BuiltinName = "qdrant_batch_update";

    private readonly Lazy<QdrantClient> _client = new(() => new QdrantClient(
        new Uri(options.Value.Url ?? throw new InvalidOperationException("ToolGrains:Qdrant:Url is not set; qdrant_batch_update has no server to write to.")),
        options.Value.ApiKey));
    private volatile bool _collectionReady;

    public string Name => BuiltinName;

    public async Task<string> InvokeAsync(ToolDescriptor descriptor, JsonElement input, CancellationToken cancellationToken)
    {
        var (batchId, items) = BatchInput.Read(input);
        var failures = items.Where(i => i.ValueKind == JsonValueKind.Object && i.TryGetProperty("vector", out _)).ToList();
        var usage = items.Where(i => !(i.ValueKind == JsonValueKind.Object && i.TryGetProperty("vector", out _))).ToList();
        var (tools, skipped) = usage.Count > 0 ? await ToolUsageUpdateTool.AddAsync(grains, batchId, usage) : (0, []);
        if (failures.Count == 0)
            return JsonSerializer.Serialize(new { upserted = 0, usage_items = usage.Count, tools, skipped, batch_id = batchId });

        var points = new List<PointStruct>(failures.Count);
        var dimensions = 0;
        foreach (var item in failures)
        {
            FailureItem? failure;
            try { failure = item.Deserialize<FailureItem>(FailureItem.Json); }
            catch (JsonException ex) { throw new ToolBadRequestException($"An item is not a failure: {ex.Message}"); }
            if (failure is null || string.IsNullOrEmpty(failure.ToolId) || failure.Vector is not { Length: > 0 })
                throw new ToolBadRequestException("An item is not a failure: tool_id and vector are required.");
            points.Add(QdrantFailurePoints.ToPoint(failure));
            dimensions = failure.Vector.Length;
        }
        var client = _client.Value;
        var collection = options.Value.Collection;
        if (!_collectionReady)
        {
            if (!await client.CollectionExistsAsync(collection, cancellationToken))
            {
                try
                {
                    await client.CreateCollectionAsync(collection, QdrantFailurePoints.Vectors(dimensions), cancellationToken: cancellationToken);
                }
                catch (Grpc.Core.RpcException ex) when (ex.StatusCode == Grpc.Core.StatusCode.AlreadyExists)
                {
                    // Another silo created it first.
                }
            }
            _collectionReady = true;
        }
        var result = await client.UpsertAsync(collection, points, wait: true, cancellationToken: cancellationToken);
        return JsonSerializer.Serialize(new
        {
            upserted = points.Count, usage_items = usage.Count, tools, skipped, batch_id = batchId, collection, status = result.Status.ToString(),
        });
    }

    public void Dispose()
    {
        if (_client.IsValueCreated) _client.Value.Dispose();
    }
}
