using System.Net;
using System.Text;
using System.Text.Json;
using ToolGrains.Tests.Infrastructure;

namespace ToolGrains.Tests.Specs;

/// <summary>
/// <c>toolgrains spec plan</c>. No model server can run on these machines, so the "model" here is a
/// local HTTP listener that answers the OpenAI chat-completions protocol; the CLI's real client talks to it.
/// </summary>
public sealed class SpecPlanTests
{
    private static string SpecFile()
    {
        var path = Path.Combine(Repo.NewTempDir("plan"), "spec.md");
        File.WriteAllText(path, "# Orders\n\n## Overview\n\nShops create orders.\n\n## Requirements\n\n- The API MUST accept orders.\n");
        return path;
    }

    [Fact]
    public async Task Without_an_endpoint_it_says_so_and_prints_the_spec_it_would_send()
    {
        var result = await ProcessRunner.CliAsync(["spec", "plan", SpecFile()], env: new Dictionary<string, string?> { ["TOOLGRAINS_LLM_ENDPOINT"] = null });
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("no chat model configured", result.Stderr);
        Assert.Contains("The API MUST accept orders.", result.Stdout);
    }

    [Fact]
    public async Task With_an_endpoint_it_sends_the_summary_and_prints_the_plan()
    {
        var port = Repo.FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/v1/");
        listener.Start();
        string? received = null;
        var server = Task.Run(async () =>
        {
            var context = await listener.GetContextAsync();
            using (var reader = new StreamReader(context.Request.InputStream)) received = await reader.ReadToEndAsync();
            var answer = JsonSerializer.Serialize(new
            {
                id = "plan-1", @object = "chat.completion", created = 1, model = "test-model",
                choices = new[] { new { index = 0, message = new { role = "assistant", content = "1. Build the orders endpoint\n2. Test it" }, finish_reason = "stop" } },
                usage = new { prompt_tokens = 10, completion_tokens = 10, total_tokens = 20 },
            });
            var bytes = Encoding.UTF8.GetBytes(answer);
            context.Response.ContentType = "application/json";
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        });

        var result = await ProcessRunner.CliAsync(["spec", "plan", SpecFile(), "--endpoint", $"http://127.0.0.1:{port}/v1", "--model", "test-model"]);
        await server;
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("1. Build the orders endpoint", result.Stdout);
        var request = JsonDocument.Parse(received!).RootElement;
        Assert.Equal("test-model", request.GetProperty("model").GetString());
        Assert.Contains(request.GetProperty("messages").EnumerateArray(), m => m.GetProperty("content").GetString()!.Contains("The API MUST accept orders."));
    }

    [Fact]
    public async Task An_endpoint_that_does_not_answer_is_a_clean_error()
    {
        var result = await ProcessRunner.CliAsync(["spec", "plan", SpecFile(), "--endpoint", $"http://127.0.0.1:{Repo.FreePort()}/v1"], timeout: TimeSpan.FromMinutes(3));
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("model_unavailable", JsonDocument.Parse(result.Stdout).RootElement.GetProperty("error").GetProperty("code").GetString());
    }
}
