using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using ToolGrains.Core.Specs;

namespace ToolGrains.Cli;

/// <summary><c>toolgrains spec FILE</c>: spec extraction on this machine, no cluster needed.</summary>
internal static class SpecCommand
{
    private static readonly string[] SectionNames = ["overview", "requirements", "constraints", "examples", "code_blocks", "bullets"];

    public static Command Build(Option<bool> json)
    {
        var file = new Argument<string>("FILE") { Description = "A Markdown specification or an OpenAPI 3 document (YAML or JSON)" };
        var maxLength = new Option<int>("--max-length") { Description = "Longest summary, in characters", DefaultValueFactory = _ => SpecExtractionOptions.DefaultMaxLength };
        var noSummarize = new Option<bool>("--no-summarize") { Description = "Keep the full text as overseer_spec" };
        var summarize = new Option<bool>("--summarize") { Description = "Summarize even a short text" };
        var section = new Option<string?>("--section") { Description = "Print only one section: " + string.Join(", ", SectionNames) };
        section.AcceptOnlyFromAmong(SectionNames);
        var command = new Command("spec", """
            Extract sections and a prioritized summary from a specification, locally.
            Examples:
              toolgrains spec docs/api.md
              toolgrains spec openapi.yaml --section requirements
              toolgrains spec big.md --max-length 4000 --json > summary.json
            """) { file, maxLength, noSummarize, summarize, section };
        command.SetAction(parse =>
        {
            var output = new CliOutput(parse.GetValue(json));
            if (parse.GetValue(noSummarize) && parse.GetValue(summarize))
                return output.Error(ErrorCodes.InvalidRequest, "--summarize and --no-summarize exclude each other.", "summarize");
            var mode = parse.GetValue(noSummarize) ? SummarizeMode.Never : parse.GetValue(summarize) ? SummarizeMode.Always : SummarizeMode.Auto;
            SpecExtractionResult result;
            try
            {
                result = SpecExtractor.Default.ExtractFromFile(parse.GetValue(file)!, mode, parse.GetValue(maxLength));
            }
            catch (SpecExtractionException ex)
            {
                return output.Error(ex.Code, ex.Message, ex.Field is "path" ? "file_path" : ex.Field);
            }
            if (parse.GetValue(section) is { } name) return PrintSection(result.Sections, name, output.Json);
            if (output.Json)
            {
                Console.Out.WriteLine(result.ToJson());
                return 0;
            }
            Console.Out.WriteLine(result.OverseerSpec);
            Console.Out.WriteLine();
            var s = result.Sections;
            CliOutput.RenderRows(
                $"{result.Stats.Chars} chars, {result.Stats.Words} words; summary {(result.Stats.Summarized ? $"{result.Stats.SummaryChars} chars" : "not needed")}",
                ["section", "items"],
                [
                    ["overview", s.Overview.Length == 0 ? "0" : "1"],
                    ["requirements", s.Requirements.Count.ToString()],
                    ["constraints", s.Constraints.Count.ToString()],
                    ["examples", s.Examples.Count.ToString()],
                    ["code_blocks", s.CodeBlocks.Count.ToString()],
                    ["bullets", s.Bullets.Count.ToString()],
                ]);
            return 0;
        });
        return command;
    }

    private static int PrintSection(SpecSections sections, string name, bool json)
    {
        IReadOnlyList<string> items = name switch
        {
            "overview" => sections.Overview.Length == 0 ? [] : [sections.Overview],
            "requirements" => sections.Requirements.Select(r => r.Text).ToList(),
            "constraints" => sections.Constraints,
            "examples" => sections.Examples,
            "code_blocks" => sections.CodeBlocks.Select(c => $"```{c.Language}\n{c.Code}\n```").ToList(),
            _ => sections.Bullets,
        };
        if (json)
        {
            Console.Out.WriteLine(name == "code_blocks"
                ? JsonSerializer.Serialize(sections.CodeBlocks.Select(c => new { language = c.Language, code = c.Code }))
                : JsonSerializer.Serialize(items));
            return 0;
        }
        foreach (var item in items)
        {
            Console.Out.WriteLine(name is "overview" or "code_blocks" ? item : "- " + item.Replace("\n", "\n  "));
        }
        if (items.Count == 0) AnsiConsole.Console.MarkupLine($"[grey](no {name})[/]");
        return 0;
    }
}
