using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace ToolGrains.Grains.Running;

/// <summary>A tool implemented in .NET and registered in DI; a YAML file selects it with <c>builtin: NAME</c>.</summary>
public interface IBuiltinTool
{
    string Name { get; }

    /// <summary>Runs the tool; returns the result JSON. Throws <see cref="ToolBadRequestException"/> for a caller's error.</summary>
    Task<string> InvokeAsync(ToolDescriptor descriptor, JsonElement input, CancellationToken cancellationToken);
}

/// <summary>The caller sent input the tool cannot use: not the tool's fault.</summary>
public sealed class ToolBadRequestException(string message) : Exception(message);

/// <summary>Reads the items of a buffer batch: <c>{"buffer_id", "batch_id", "items": [...]}</c>, or a single object as one item.</summary>
public static class BatchInput
{
    public static (string? BatchId, IReadOnlyList<JsonElement> Items) Read(JsonElement input)
    {
        if (input.ValueKind == JsonValueKind.Object && input.TryGetProperty("items", out var items))
        {
            if (items.ValueKind != JsonValueKind.Array) throw new ToolBadRequestException("'items' must be an array.");
            var batchId = input.TryGetProperty("batch_id", out var b) && b.ValueKind == JsonValueKind.String ? b.GetString() : null;
            return (batchId, items.EnumerateArray().ToList());
        }
        return (null, [input]);
    }
}

/// <summary>
/// Appends one JSON line per item to <c>settings.path</c> (relative to the sink folder, <c>ToolGrains:SinkDir</c>;
/// a path that leaves it is refused at registration and again here), each carrying its <c>batch_id</c> so a
/// redelivered batch can be told apart. The file is flushed to disk before the call succeeds, so a confirmed batch
/// is on disk.
/// </summary>
public sealed class JsonlFileWriterTool(Microsoft.Extensions.Options.IOptions<ToolRunnerOptions> options) : IBuiltinTool
{
    public const string BuiltinName = "jsonl_file_writer";

    private static readonly SemaphoreSlim Gate = new(1, 1);

    public string Name => BuiltinName;

    /// <summary>The tool's <c>settings.path</c>, or null when it has none.</summary>
    public static string? PathSetting(ToolDescriptor descriptor)
    {
        using var settings = JsonDocument.Parse(descriptor.SettingsJson);
        return settings.RootElement.ValueKind == JsonValueKind.Object && settings.RootElement.TryGetProperty("path", out var p) && p.ValueKind == JsonValueKind.String
            ? p.GetString()
            : null;
    }

    public async Task<string> InvokeAsync(ToolDescriptor descriptor, JsonElement input, CancellationToken cancellationToken)
    {
        if (PathSetting(descriptor) is not { } setting || string.IsNullOrWhiteSpace(setting))
            throw new InvalidOperationException($"Tool '{descriptor.Id}': settings.path is required for jsonl_file_writer.");
        var path = Security.PathConfinement.ResolveInside(setting, options.Value.SinkDirectory)
            ?? throw new InvalidOperationException($"Tool '{descriptor.Id}': settings.path '{setting}' leaves the sink folder {Path.GetFullPath(options.Value.SinkDirectory)}.");
        var (batchId, items) = BatchInput.Read(input);
        var text = new StringBuilder();
        foreach (var item in items)
        {
            text.Append("{\"batch_id\":").Append(JsonSerializer.Serialize(batchId)).Append(",\"item\":").Append(item.GetRawText()).Append("}\n");
        }
        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        await Gate.WaitAsync(cancellationToken);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await using var stream = await OpenExclusiveAsync(path, cancellationToken);
            await stream.WriteAsync(bytes, cancellationToken);
            stream.Flush(flushToDisk: true);
        }
        finally
        {
            Gate.Release();
        }
        return JsonSerializer.Serialize(new { written = items.Count, batch_id = batchId, path });
    }

    /// <summary>
    /// .NET appends with pwrite at the end offset seen when the file was opened (no O_APPEND), so two
    /// silos appending to one file at once would overwrite each other's lines. An exclusive open
    /// (flock LOCK_EX on Unix) makes each append see the true end; other writers wait their turn.
    /// </summary>
    private static async Task<FileStream> OpenExclusiveAsync(string path, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.None);
            }
            catch (IOException) when (attempt < 2000 && File.Exists(path))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(50, 1 + attempt)), cancellationToken);
            }
        }
    }
}

/// <summary>Writes each batch to the silo's log: a pass-through for trying buffers out.</summary>
public sealed class LogBatchWriterTool(ILogger<LogBatchWriterTool> logger) : IBuiltinTool
{
    public string Name => "log_batch_writer";

    public Task<string> InvokeAsync(ToolDescriptor descriptor, JsonElement input, CancellationToken cancellationToken)
    {
        var (batchId, items) = BatchInput.Read(input);
        logger.LogInformation("Tool {ToolId}: batch {BatchId} with {Count} items", descriptor.Id, batchId, items.Count);
        return Task.FromResult(JsonSerializer.Serialize(new { logged = items.Count, batch_id = batchId }));
    }
}

/// <summary>Answers <c>{"ok": true}</c> at once: a tool for measuring what ToolGrains itself costs per call.</summary>
public sealed class NoopTool : IBuiltinTool
{
    private static readonly Task<string> Ok = Task.FromResult("""{"ok":true}""");

    public string Name => "noop";

    public Task<string> InvokeAsync(ToolDescriptor descriptor, JsonElement input, CancellationToken cancellationToken) => Ok;
}
