using System.Text.Json;

namespace ToolGrains.Tests.Infrastructure;

/// <summary>Reads what a <c>jsonl_file_writer</c> pass-through wrote: item JSON → the batch ids it arrived in.</summary>
internal static class JsonlSink
{
    /// <summary>Writes the YAML of a <c>jsonl_file_writer</c> tool named <paramref name="toolId"/> into <paramref name="toolsDir"/>,
    /// appending to <c>out.jsonl</c> in the sink folder, which the silo must have as <c>SinkDir</c> = <paramref name="toolsDir"/>;
    /// returns that file's path.</summary>
    public static async Task<string> WriteToolAsync(string toolsDir, string toolId)
    {
        await File.WriteAllTextAsync(Path.Combine(toolsDir, toolId + ".yaml"), $"""
            id: {toolId}
            description: Appends buffered batches to out.jsonl
            builtin: jsonl_file_writer
            settings:
              path: ./out.jsonl
            """);
        return Path.Combine(toolsDir, "out.jsonl");
    }

    /// <summary>
    /// The file's lines (none while it does not exist), opened as sharing reads and writes. The tool appends under
    /// an exclusive lock (flock, BuiltinTools.OpenExclusiveAsync) that .NET's File.ReadAllLines honoured: a read that
    /// met an append failed with "being used by another process" (a CI run did); one that still does retries until it reads, for up to 5 s.
    /// </summary>
    public static string[] ReadLines(string file)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (true)
        {
            try
            {
                if (!File.Exists(file)) return [];
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                using var reader = new StreamReader(stream);
                var lines = new List<string>();
                while (reader.ReadLine() is { } line) lines.Add(line);
                return [.. lines];
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(5); // an append holds the lock for well under a millisecond
            }
        }
    }

    public static Dictionary<string, List<string>> ReadDelivered(string file)
    {
        var result = new Dictionary<string, List<string>>();
        foreach (var line in ReadLines(file))
        {
            if (!line.EndsWith('}')) continue; // a line being appended right now
            var root = JsonDocument.Parse(line).RootElement;
            var item = root.GetProperty("item").GetRawText();
            if (!result.TryGetValue(item, out var batches)) result[item] = batches = [];
            batches.Add(root.GetProperty("batch_id").GetString()!);
        }
        return result;
    }
}
