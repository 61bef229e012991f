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
        Console.Out.WriteLine(ErrorJson.Write(code, message, field));
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

    public static void RenderRows(string title, IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<string>> rows)
    {
        var table = new Table().Border(TableBorder.Rounded).Title(title);
        foreach (var column in columns) table.AddColumn(column);
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
