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
        command.Add(PlanCommand(maxLength));
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

    /// <summary>
    /// <c>spec plan FILE</c>: sends the summary to a chat model (any OpenAI-compatible endpoint, Ollama
    /// included) and prints the plan it answers. Without an endpoint it says so and prints what it would send.
    /// </summary>
    private static Command PlanCommand(Option<int> maxLength)
    {
        var file = new Argument<string>("FILE") { Description = "The specification" };
        var endpoint = new Option<string?>("--endpoint") { Description = "OpenAI-compatible base URL, e.g. http://127.0.0.1:11434/v1 (default: $TOOLGRAINS_LLM_ENDPOINT)" };
        var model = new Option<string?>("--model") { Description = "Model name (default: $TOOLGRAINS_LLM_MODEL, else llama3.1)" };
        var apiKey = new Option<string?>("--api-key") { Description = "API key (default: $TOOLGRAINS_LLM_API_KEY)" };
        var command = new Command("plan", """
            Ask a chat model for an implementation plan from the spec's summary.
            Example: toolgrains spec plan docs/api.md --endpoint http://127.0.0.1:11434/v1 --model llama3.1
            """) { file, endpoint, model, apiKey, maxLength };
        command.SetAction(async (parse, ct) =>
        {
            var output = new CliOutput(json: false);
            SpecExtractionResult spec;
            try
            {
                spec = SpecExtractor.Default.ExtractFromFile(parse.GetValue(file)!, SummarizeMode.Auto, parse.GetValue(maxLength));
            }
            catch (SpecExtractionException ex)
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
