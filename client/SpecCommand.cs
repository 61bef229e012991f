using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.AI;
using OpenAI;
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
        // Read as text and parsed here, so "--max-length abc" is the error JSON naming the field,
        // not the parser's help screen.
        var maxLength = new Option<string?>("--max-length") { Description = $"Longest summary, in characters (default {SpecExtractionOptions.DefaultMaxLength})" };
        var maxTokens = new Option<string?>("--max-tokens") { Description = $"Most tokens of the summary, counted in {SpecTokens.Encoding} (default: no token limit)" };
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
              toolgrains spec big.md --max-tokens 2000 --json
            """) { file, maxLength, maxTokens, noSummarize, summarize, section };
        command.Add(PlanCommand(maxLength, maxTokens));
        command.SetAction(parse =>
        {
            var output = new CliOutput(parse.GetValue(json));
            if (parse.GetValue(noSummarize) && parse.GetValue(summarize))
                return output.Error(ErrorCodes.InvalidRequest, "--summarize and --no-summarize exclude each other.", "summarize");
            var mode = parse.GetValue(noSummarize) ? SummarizeMode.Never : parse.GetValue(summarize) ? SummarizeMode.Always : SummarizeMode.Auto;
            SpecExtractionResult result;
            try
            {
                var (length, tokens) = Budgets(parse, maxLength, maxTokens);
                result = SpecExtractor.Default.ExtractFromFile(parse.GetValue(file)!, mode, length, tokens);
            }
            catch (ToolGrainsException ex)
            {
                return output.Error(ex.Code, ex.Message, ex.Field is "path" ? "file_path" : ex.Field);
            }
            if (parse.GetValue(section) is { } name) return PrintSection(result.Sections, name, output.Json);
            if (output.Json)
            {
                Console.Out.WriteLine(result.ToJson());
                return 0;
            }
            foreach (var warning in result.Warnings ?? [])
                Console.Error.WriteLine($"toolgrains: warning: {warning.Code}: {warning.Message}");
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

    /// <summary>
    /// <c>spec plan FILE</c>: sends the summary to a chat model (any OpenAI-compatible endpoint, Ollama
    /// included) and prints the plan it answers. Without an endpoint it says so and prints what it would send.
    /// </summary>
    /// <summary>The budgets given on the command line, or <c>invalid_request</c> naming the protocol field.</summary>
    private static (int MaxLength, int? MaxTokens) Budgets(ParseResult parse, Option<string?> maxLength, Option<string?> maxTokens)
    {
        static int? Read(string? value, string field)
        {
            if (value is null) return null;
            if (!int.TryParse(value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n) || n < 1)
                throw new ToolGrainsException(ErrorCodes.InvalidRequest, $"{field} must be a whole number of at least 1, not '{value}'", field);
            return n;
        }
        return (Read(parse.GetValue(maxLength), "max_length") ?? SpecExtractionOptions.DefaultMaxLength, Read(parse.GetValue(maxTokens), "max_tokens"));
    }

    private static Command PlanCommand(Option<string?> maxLength, Option<string?> maxTokens)
    {
        var file = new Argument<string>("FILE") { Description = "The specification" };
        var endpoint = new Option<string?>("--endpoint") { Description = "OpenAI-compatible base URL, e.g. http://127.0.0.1:11434/v1 (default: $TOOLGRAINS_LLM_ENDPOINT)" };
        var model = new Option<string?>("--model") { Description = "Model name (default: $TOOLGRAINS_LLM_MODEL, else llama3.1)" };
        var apiKey = new Option<string?>("--api-key") { Description = "API key (default: $TOOLGRAINS_LLM_API_KEY)" };
        var command = new Command("plan", """
            Ask a chat model for an implementation plan from the spec's summary.
            Example: toolgrains spec plan docs/api.md --endpoint http://127.0.0.1:11434/v1 --model llama3.1
            """) { file, endpoint, model, apiKey, maxLength, maxTokens };
        command.SetAction(async (parse, ct) =>
        {
            var output = new CliOutput(json: false);
            SpecExtractionResult spec;
            try
            {
                var (length, tokens) = Budgets(parse, maxLength, maxTokens);
                spec = SpecExtractor.Default.ExtractFromFile(parse.GetValue(file)!, SummarizeMode.Auto, length, tokens);
            }
            catch (ToolGrainsException ex)
            {
                return output.Error(ex.Code, ex.Message, ex.Field is "path" ? "file_path" : ex.Field);
            }
            var url = parse.GetValue(endpoint) ?? Environment.GetEnvironmentVariable("TOOLGRAINS_LLM_ENDPOINT");
            if (string.IsNullOrWhiteSpace(url))
            {
                Console.Error.WriteLine("toolgrains: no chat model configured (--endpoint or TOOLGRAINS_LLM_ENDPOINT); this is the spec that would be sent:");
                Console.Out.WriteLine(spec.OverseerSpec);
                return 0;
            }
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
                return output.Error(ErrorCodes.InvalidRequest, $"--endpoint '{url}' is not an absolute URL.", "endpoint");
            var modelName = parse.GetValue(model) ?? Environment.GetEnvironmentVariable("TOOLGRAINS_LLM_MODEL") ?? "llama3.1";
            var key = parse.GetValue(apiKey) ?? Environment.GetEnvironmentVariable("TOOLGRAINS_LLM_API_KEY") ?? "none";
            Microsoft.Extensions.AI.IChatClient chat = new OpenAI.Chat.ChatClient(modelName, new System.ClientModel.ApiKeyCredential(key),
                new OpenAI.OpenAIClientOptions { Endpoint = uri, RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(maxRetries: 1) }).AsIChatClient();
            try
            {
                var response = await chat.GetResponseAsync(
                [
                    new(Microsoft.Extensions.AI.ChatRole.System, "You are a senior engineer. Turn the specification into a numbered implementation plan: milestones, tasks, and the tests that prove each."),
                    new(Microsoft.Extensions.AI.ChatRole.User, spec.OverseerSpec),
                ], cancellationToken: ct);
                Console.Out.WriteLine(response.Text);
                return 0;
            }
            catch (Exception ex) when (ex is HttpRequestException or System.ClientModel.ClientResultException or TaskCanceledException or AggregateException)
            {
                return output.Error(ErrorCodes.ModelUnavailable, $"The chat model at {uri} did not answer: {ex.Message.Split('\n')[0]}", "endpoint");
            }
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
