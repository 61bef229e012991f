using System.Text.Json;
using Spectre.Console;
using ToolGrains.Core.Protocol;

namespace ToolGrains.Cli;

/// <summary>
/// Prints results (JSON with --json, tables otherwise) and errors by the protocol's contract:
/// the error JSON on stdout, one human line on stderr, and the exit code of its class.
/// </summary>
internal sealed class CliOutput(bool json)
{
    public bool Json { get; } = json;

    public static readonly IAnsiConsole Err = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    public int Error(string code, string message, string? field)
    {
        Console.Out.WriteLine(ProtocolJson.Error(code, message, field));
        Console.Error.WriteLine($"toolgrains: {code}: {message}");
        return ErrorCodes.ExitCode(code);
    }

    public int Error(ToolGrainsError error) => Error(error.Code, error.Message, error.Field);

    /// <summary>A protocol answer: raw JSON for scripts, a table of its fields for people.</summary>
    public int Response(ProtocolResponse response, string? title = null)
    {
        if (response.Error is { } error) return Error(error);
        if (Json) Console.Out.WriteLine(response.Json);
        else RenderObject(response.Json, title);
        return 0;
    }

    /// <summary>A grain's answer as the protocol writes it (<c>--json</c> prints exactly what <c>call</c> would), or a table of its fields.</summary>
    public int Result<T>(T result, string? title = null)
    {
        var json = ProtocolJson.Serialize(result);
        if (Json) Console.Out.WriteLine(json);
        else RenderObject(json, title);
        return 0;
    }

    /// <summary>A tool's status: its fields, then tables of recent failures, common failure scenarios, negative
    /// tags and the latest quality changes.</summary>
    public int ToolStatus(ToolStatus status)
    {
        var json = ProtocolJson.Serialize(ToolStatusResponse.From(status));
        if (Json)
        {
            Console.Out.WriteLine(json);
            return 0;
        }
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var table = new Table().Border(TableBorder.Rounded).Title(status.Descriptor.Id).AddColumn("field").AddColumn("value");
        foreach (var property in root.EnumerateObject().Where(p => p.Value.ValueKind != JsonValueKind.Array || p.Value.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String)))
            table.AddRow(Markup.Escape(property.Name), Markup.Escape(Cell(property.Value)));
        AnsiConsole.Write(table);
        Section(root, "recent_failures", "recent failures (newest first)", ["at", "severity", "scenario", "error_message"]);
        Section(root, "common_failures", "common failure scenarios", ["count", "scenario", "latest_error", "last_seen"]);
        Section(root, "negative_tag_history", "negative tags", ["tag", "added_at", "scenario"]);
        Section(root, "quality_history", "quality history (latest 10)", ["at", "quality", "reason"], last: 10);
        return 0;
    }

    /// <summary>A resilient call: one row per attempt with its score breakdown, then the result.
    /// Exit code 0 when a tool succeeded, 1 when every attempt failed (with --json too).</summary>
    public int Attempts(ResilientCallResponse call)
    {
        if (Json)
        {
            Console.Out.WriteLine(ProtocolJson.Serialize(call));
            return call.Success ? 0 : 1;
        }
        var title = call.Success
            ? $"succeeded with {call.ToolId} ({call.Attempts.Length} attempt(s) of {call.Candidates} candidate(s))"
            : $"every attempt failed ({call.Attempts.Length} of {call.Candidates} candidate(s))";
        // The numbers in the table, each attempt's error (and the severity marked on its tool) below it in full.
        // Piped output has no terminal width: give the table room rather than wrap tool ids at 80 columns.
        if (Console.IsOutputRedirected && AnsiConsole.Profile.Width < 120) AnsiConsole.Profile.Width = 120;
        var table = new Table().Border(TableBorder.Rounded).Title(title);
        foreach (var (column, numeric) in new[] { ("#", true), ("tool", false), ("score", true), ("similarity", true), ("demotion", true), ("quality", true), ("outcome", false), ("ms", true) })
        {
            var c = new TableColumn(column).NoWrap();
            table.AddColumn(numeric ? c.RightAligned() : c);
        }
        static string Number(double value, string format) => value.ToString(format, System.Globalization.CultureInfo.InvariantCulture);
        for (var i = 0; i < call.Attempts.Length; i++)
        {
            var a = call.Attempts[i];
            table.AddRow((i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), Markup.Escape(a.ToolId),
                Number(a.Score, "0.000"), Number(a.Similarity, "0.000"), Number(a.FailureDemotion, "0.000"), Number(a.Quality, "0.000"),
                Markup.Escape(a.Outcome), Number(a.DurationMs, "0"));
        }
        AnsiConsole.Write(table);
        for (var i = 0; i < call.Attempts.Length; i++)
            if (call.Attempts[i] is { Error: { } error } a)
                Console.Out.WriteLine($"{i + 1}. {a.ToolId} ({(a.ErrorKind is { } kind ? kind + ", " : "")}severity {a.Severity ?? "-"}, breaker {a.Breaker}): {error}");
        if (call.Forced)
            Console.Out.WriteLine("every tool carrying the tags was deprecated or had its breaker open: they were tried anyway");
        if (call.Success) Console.Out.WriteLine(call.Result?.Text ?? "null");
        else Console.Error.WriteLine("toolgrains: every attempt failed");
        return call.Success ? 0 : 1;
    }

    private static void Section(JsonElement root, string name, string title, string[] columns, int? last = null)
    {
        if (!root.TryGetProperty(name, out var array) || array.ValueKind != JsonValueKind.Array || array.GetArrayLength() == 0) return;
        var rows = array.EnumerateArray().ToList();
        if (last is { } n && rows.Count > n) rows = rows[^n..];
        RenderRows(title, columns, rows.Select(row => (IReadOnlyList<string>)[.. columns.Select(c => row.TryGetProperty(c, out var v) ? Cell(v) : "-")]));
    }

    // Times to the second, in UTC, for people: the full ISO form (in --json) wraps table columns.
    private static string Cell(JsonElement value) =>
        value.ValueKind == JsonValueKind.String && value.GetString() is { Length: >= 20 } text && text[10] == 'T'
            && DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var at)
            ? at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)
            : Render(value);

    /// <summary>
    /// Runs <paramref name="work"/> with a progress bar of <paramref name="total"/> steps (it calls the action it
    /// is given once per step) when people watch a terminal; with --json or redirected output it just runs, so
    /// scripts and logs get no redrawn lines.
    /// </summary>
    public static async Task WithProgressAsync(CliOutput output, string description, int total, Func<Action, Task> work)
    {
        if (output.Json || !AnsiConsole.Profile.Capabilities.Interactive || Console.IsOutputRedirected || total < 2)
        {
            await work(() => { });
            return;
        }
        await AnsiConsole.Progress().AutoClear(true).StartAsync(async context =>
        {
            var task = context.AddTask(Markup.Escape(description), maxValue: total);
            await work(() => task.Increment(1));
        });
    }

    public static void RenderObject(string json, string? title)
    {
        using var doc = JsonDocument.Parse(json);
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            AnsiConsole.WriteLine(json);
            return;
        }
        var table = new Table().Border(TableBorder.Rounded).AddColumn("field").AddColumn("value");
        if (title is not null) table.Title(title);
        foreach (var property in doc.RootElement.EnumerateObject())
            table.AddRow(Markup.Escape(property.Name), Markup.Escape(Render(property.Value)));
        AnsiConsole.Write(table);
    }

    /// <summary>A titled table; the first <paramref name="noWrapColumns"/> columns (ids) are never wrapped.</summary>
    public static void RenderRows(string title, IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<string>> rows, int noWrapColumns = 0)
    {
        var table = new Table().Border(TableBorder.Rounded).Title(title);
        for (var i = 0; i < columns.Count; i++)
        {
            var column = new TableColumn(columns[i]);
            table.AddColumn(i < noWrapColumns ? column.NoWrap() : column);
        }
        foreach (var row in rows) table.AddRow(row.Select(Markup.Escape).ToArray());
        AnsiConsole.Write(table);
    }

    private static string Render(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString() ?? "",
        JsonValueKind.Null => "-",
        JsonValueKind.Array when value.GetArrayLength() <= 10 && value.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String)
            => string.Join(", ", value.EnumerateArray().Select(v => v.GetString())),
        _ => value.GetRawText(),
    };
}
