using System.Collections.Immutable;
using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Spectre.Console;
using ToolGrains.Core.Protocol;

namespace ToolGrains.Cli;

/// <summary>The <c>toolgrains</c> command tree (docs/architecture.md).</summary>
internal static class CliApp
{
    private static readonly Option<string?> Gateway = new("--gateway")
    {
        Description = "Gateway HOST:PORT (default: $TOOLGRAINS_GATEWAY, else 127.0.0.1:30000)",
        Recursive = true,
    };
    private static readonly Option<string?> Postgres = new("--postgres")
    {
        Description = "Find gateways in this PostgreSQL database (Npgsql connection string; default: $TOOLGRAINS_POSTGRES)",
        Recursive = true,
    };
    private static readonly Option<string> ClusterId = new("--cluster-id")
    {
        Description = "Orleans ClusterId and ServiceId to join",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("TOOLGRAINS_CLUSTER_ID") ?? "toolgrains",
        Recursive = true,
    };
    private static readonly Option<string?> TlsCert = new("--tls-cert")
    {
        Description = "Connect with TLS using this PKCS#12 certificate (default: $TOOLGRAINS_TLS_CERT)",
        Recursive = true,
    };
    private static readonly Option<string?> TlsPassword = new("--tls-password") { Description = "Password of --tls-cert", Recursive = true };
    private static readonly Option<bool> TlsInsecure = new("--tls-insecure")
    {
        Description = "Accept any silo certificate (self-signed); for development only",
        Recursive = true,
    };
    private static readonly Option<string?> ApiKey = new("--api-key")
    {
        Description = "API key for a cluster that requires one (default: $TOOLGRAINS_API_KEY)",
        Recursive = true,
    };
    private static readonly Option<bool> Json = new("--json") { Description = "Print JSON for scripts instead of tables", Recursive = true };

    public static RootCommand Build()
    {
        var root = new RootCommand("""
            toolgrains: buffers, tool reputation and resilient tool calls on a ToolGrains cluster.

            Examples:
              toolgrains cluster status
              echo '{"operation":"status","buffer_id":"usage"}' | toolgrains call buffer
              toolgrains buffer write usage '{"tool_id":"translator","increment":1}' --strategy manual
              toolgrains --json tools list
              toolgrains analytics
            """)
        {
            Gateway, Postgres, ClusterId, TlsCert, TlsPassword, TlsInsecure, ApiKey, Json,
        };
        root.Add(CallCommand());
        root.Add(ClusterCommand());
        root.Add(BufferCommand());
        root.Add(ToolsCommand());
        root.Add(InvokeCommand());
        root.Add(SpecCommand.Build(Json));
        root.Add(AnalyticsCommand.Build(WithCluster));
        root.Add(DemoCommand.Build(WithCluster));
        return root;
    }

    private static Command CallCommand()
    {
        var tool = new Argument<string>("TOOL") { Description = "Operation (buffer, register_tool, tool_status, mark_tool_failure, resilient_tool_call, extract_spec_from_file) or a registered tool id" };
        var input = new Option<FileInfo?>("--input") { Description = "Read the request from FILE instead of stdin" };
        var lines = new Option<bool>("--lines") { Description = "One request per line; one response per line" };
        var command = new Command("call", """
            Send a JSON request (stdin or --input) and print the JSON response.
            Example: echo '{"operation":"flush","buffer_id":"usage"}' | toolgrains call buffer
            """) { tool, input, lines };
        command.SetAction((parse, ct) => WithCluster(parse, ct, async (grains, output) =>
        {
            var text = await ReadInputAsync(parse.GetValue(input), ct);
            var protocol = grains.GetGrain<IProtocolGrain>(0);
            var name = parse.GetValue(tool)!;
            string Prepare(string body) => name == LocalSpecFiles.Operation ? LocalSpecFiles.Inline(body) : body;
            if (!parse.GetValue(lines))
            {
                var body = Prepare(text);
                var response = await ClusterConnection.RetryTransientAsync(() => protocol.CallAsync(name, body), ct);
                return new CliOutput(json: true).Response(response);
            }
            var exit = 0;
            foreach (var line in text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Trim().Length > 0))
            {
                ProtocolResponse response;
                // A line that fails is answered with its error and the stream goes on: one silo restarting
                // must not cost the lines after it.
                try
                {
                    var body = Prepare(line);
                    response = await ClusterConnection.RetryTransientAsync(() => protocol.CallAsync(name, body), ct);
                }
                catch (ToolGrainsException ex)
                {
                    response = ErrorResponse(ex.Code, ex.Message, ex.Field);
                }
                catch (Exception ex) when (ClusterConnection.IsTransient(ex))
                {
                    response = ErrorResponse(ErrorCodes.ClusterUnreachable, $"No silo answered within {ClusterConnection.RetryDeadline.TotalSeconds:0} s: {ex.Message.Split('\n')[0]}", null);
                }
                if (response.Error is { } error)
                {
                    Console.Out.WriteLine(response.Json);
                    if (exit == 0) exit = ErrorCodes.ExitCode(error.Code);
                }
                else
                {
                    Console.Out.WriteLine(response.Json);
                }
            }
            if (exit != 0) Console.Error.WriteLine("toolgrains: one or more lines failed; see their error JSON.");
            return exit;
        }));
        return command;
    }

    private static ProtocolResponse ErrorResponse(string code, string message, string? field) =>
        new(ProtocolJson.Error(code, message, field), new ToolGrainsError(code, message, field));

    private static Command ClusterCommand()
    {
        var status = new Command("status", "List the active silos of the cluster (from the management grain).");
        status.SetAction((parse, ct) => WithCluster(parse, ct, async (grains, output) =>
        {
            var hosts = await grains.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: true);
            if (output.Json)
            {
                var json = JsonSerializer.Serialize(new
                {
                    active = hosts.Length,
                    silos = hosts.Select(h => new
                    {
                        address = h.SiloAddress.ToParsableString(),
                        name = h.SiloName,
                        host = h.HostName,
                        status = h.Status.ToString(),
                        started_at = h.StartTime,
                        last_alive_at = h.IAmAliveTime,
                    }),
                });
                Console.Out.WriteLine(json);
            }
            else
            {
                CliOutput.RenderRows($"{hosts.Length} active silo(s)", ["silo", "name", "host", "status", "started"],
                    hosts.Select(h => (IReadOnlyList<string>)[h.SiloAddress.ToString(), h.SiloName, h.HostName, h.Status.ToString(), h.StartTime.ToString("u")]),
                    noWrapColumns: 1);
            }
            return 0;
        }));
        return new Command("cluster", "The cluster itself.") { status };
    }

    private static Command BufferCommand()
    {
        var command = new Command("buffer", """
            Write to, flush, inspect and clear buffers (the 'buffer' operation of the JSON protocol).
            Example: toolgrains buffer write usage '{"n":1}' --max-size 50 --pass-through jsonl_file_writer
            """);
        var bufferId = new Argument<string>("BUFFER_ID") { Description = "The buffer's id" };
        var data = new Argument<string>("DATA") { Description = "The item: a JSON value (a bare word is taken as a string)" };
        var maxSize = new Option<int?>("--max-size") { Description = "Items per batch (1..100000; default 100)" };
        var interval = new Option<double?>("--interval") { Description = "Seconds the oldest item may wait (default 5)" };
        var strategy = new Option<string?>("--strategy") { Description = "batched (default), immediate or manual" };
        var passThrough = new Option<string?>("--pass-through") { Description = "Registered tool that receives the batches" };
        var write = new Command("write", "Write one item; acknowledged once durably stored.") { bufferId, data, maxSize, interval, strategy, passThrough };
        write.SetAction((parse, ct) => WithCluster(parse, ct, async (grains, output) =>
        {
            var raw = parse.GetValue(data)!;
            using var item = JsonDocument.Parse(JsonText.IsValid(raw) ? raw : ProtocolJson.Serialize(raw));
            var request = new BufferRequest("write", parse.GetValue(bufferId), item.RootElement, null,
                parse.GetValue(strategy), parse.GetValue(maxSize), parse.GetValue(interval), parse.GetValue(passThrough));
            var buffer = grains.GetGrain<IBufferGrain>(JsonRequest.Required(request.BufferId, "buffer_id"));
            return output.Result(await buffer.WriteAsync(request.ToWriteRequest()), "buffer write");
        }));
        command.Add(write);
        foreach (var (name, help) in new[] { ("flush", "Seal and deliver the pending items now (a queue without a tool returns them)."), ("status", "Settings, counts, last flush and last error."), ("clear", "Drop pending and undelivered items.") })
        {
            var id = new Argument<string>("BUFFER_ID") { Description = "The buffer's id" };
            var sub = new Command(name, help) { id };
            sub.SetAction((parse, ct) => WithCluster(parse, ct, async (grains, output) =>
            {
                var buffer = grains.GetGrain<IBufferGrain>(JsonRequest.Required(parse.GetValue(id), "buffer_id"));
                return name switch
                {
                    "flush" => output.Result(BufferFlushResponse.From(await buffer.FlushAsync()), "buffer flush"),
                    "status" => output.Result(BufferStatusResponse.From(await buffer.GetStatusAsync()), "buffer status"),
                    _ => output.Result(await buffer.ClearAsync(), "buffer clear"),
                };
            }));
            command.Add(sub);
        }
        return command;
    }

    private static Command ToolsCommand()
    {
        var path = new Argument<string>("PATH") { Description = "A tool's YAML file, or a folder of them" };
        var register = new Command("register", """
            Register tools from a YAML file or every *.yaml in a folder (a progress bar on a terminal).
            Examples:
              toolgrains tools register tools/
              toolgrains --json tools register tools/translator.yaml
            """) { path };
        register.SetAction((parse, ct) => WithCluster(parse, ct, async (grains, output) =>
        {
            var target = Path.GetFullPath(parse.GetValue(path)!);
            var files = Directory.Exists(target)
                ? Directory.EnumerateFiles(target, "*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList()
                : [target];
            if (files.Count == 0) return output.Error(ErrorCodes.FileNotFound, $"No *.yaml files under '{target}'.", "path");
            var protocol = grains.GetGrain<IProtocolGrain>(0);
            var results = new List<(string File, ProtocolResponse Response)>();
            await CliOutput.WithProgressAsync(output, $"registering {files.Count} tool(s)", files.Count, async step =>
            {
                foreach (var file in files)
                {
                    ProtocolResponse response;
                    try
                    {
                        var fields = JsonSerializer.SerializeToNode(YamlJson.ReadFile(file))!.AsObject();
                        // The silo resolves a relative command against the YAML's folder; it shares this filesystem.
                        fields["base_directory"] = Path.GetDirectoryName(file);
                        response = await protocol.CallAsync("register_tool", fields.ToJsonString());
                    }
                    catch (ToolGrainsException ex)
                    {
                        response = ErrorResponse(ex.Code, ex.Message, ex.Field);
                    }
                    results.Add((file, response));
                    step();
                }
            });
            var failed = results.Where(r => r.Response.Error is not null).ToList();
            if (output.Json)
            {
                foreach (var (_, response) in results) Console.Out.WriteLine(response.Json);
            }
            else
            {
                CliOutput.RenderRows($"registered {results.Count - failed.Count} of {results.Count}", ["file", "result"],
                    results.Select(r => (IReadOnlyList<string>)[Path.GetFileName(r.File), r.Response.Error is { } e ? $"{e.Code}: {e.Message}" : "ok"]));
            }
            foreach (var (file, response) in failed) Console.Error.WriteLine($"toolgrains: {Path.GetFileName(file)}: {response.Error!.Code}: {response.Error.Message}");
            return failed.Count == 0 ? 0 : ErrorCodes.ExitCode(failed[0].Response.Error!.Code);
        }));

        var list = new Command("list", "List the registered tools with their current reputation.");
        list.SetAction((parse, ct) => WithCluster(parse, ct, async (grains, output) =>
        {
            var tools = await grains.GetGrain<IToolCatalogGrain>("default").ListAsync();
            // One reputation call per tool, concurrently: each tool is its own grain.
            var statuses = (await Task.WhenAll(tools.Select(t => grains.GetGrain<IToolReputationGrain>(t.Id).GetStatusAsync())))
                .Select(ToolStatusResponse.From).ToImmutableArray();
            // The same record as `tools show` and the tool_status operation.
            if (output.Json)
            {
                Console.Out.WriteLine(ProtocolJson.Serialize(statuses));
            }
            else
            {
                // Narrow terminals (80 columns) get the columns that decide a choice; wide ones the version and description too.
                var wide = AnsiConsole.Profile.Width >= 140;
                var anyNegative = statuses.Any(s => s.NegativeTags.Length > 0);
                string[] columns = wide
                    ? ["tool", "version", "kind", "quality", "tags", "negative tags", "used", "failed", "description"]
                    : ["tool", "kind", "quality", "used", "failed", "tags", .. anyNegative ? new[] { "negative tags" } : []];
                CliOutput.RenderRows($"{tools.Length} tool(s)", columns,
                    statuses.Select(s =>
                    {
                        var cells = new Dictionary<string, string>
                        {
                            ["tool"] = s.ToolId + (s.Deprecated ? " (deprecated)" : ""),
                            ["version"] = s.Version,
                            ["kind"] = wide || s.Kind != "executable" ? s.Kind : "exec",
                            ["quality"] = s.Quality.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture),
                            ["tags"] = string.Join(", ", s.Tags),
                            ["negative tags"] = string.Join(", ", s.NegativeTags),
                            ["used"] = s.UsageCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
                            ["failed"] = s.FailureCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
                            ["description"] = s.Description,
                        };
                        return (IReadOnlyList<string>)[.. columns.Select(c => cells[c])];
                    }), noWrapColumns: 1);
            }
            return 0;
        }));

        var id = new Argument<string>("TOOL_ID") { Description = "The tool's id" };
        var show = new Command("show", "Show one tool: quality, tags, negative tags, counts, recent and common failures (the 'tool_status' operation).") { id };
        show.SetAction((parse, ct) => WithCluster(parse, ct, async (grains, output) =>
            output.ToolStatus(await grains.GetGrain<IToolReputationGrain>(JsonRequest.Required(parse.GetValue(id), "tool_id")).GetStatusAsync())));

        var failId = new Argument<string>("TOOL_ID") { Description = "The tool that failed" };
        var scenario = new Option<string>("--scenario") { Description = "What the tool was asked to do (required)", Required = true };
        var error = new Option<string?>("--error") { Description = "The error it gave" };
        var severity = new Option<string?>("--severity") { Description = "low (-0.01), medium (-0.05, default) or high (-0.10)" };
        var fail = new Command("fail", """
            Mark a failure of a tool (the 'mark_tool_failure' operation): demotes its quality, derives negative tags
            from the scenario and remembers the failure for similar scenarios.
            Example: toolgrains tools fail python_code_analyzer --scenario "analyze javascript code" --error "UnsupportedLanguageError" --severity high
            """) { failId, scenario, error, severity };
        fail.SetAction((parse, ct) => WithCluster(parse, ct, async (grains, output) =>
        {
            var request = new MarkToolFailureRequest(parse.GetValue(failId), parse.GetValue(scenario), parse.GetValue(error), parse.GetValue(severity));
            var reputation = grains.GetGrain<IToolReputationGrain>(JsonRequest.Required(request.ToolId, "tool_id"));
            return output.Result(await reputation.MarkFailureAsync(request.ToReport()), $"{request.ToolId} failure");
        }));

        var undeprecateId = new Argument<string>("TOOL_ID") { Description = "The deprecated tool" };
        var undeprecate = new Command("undeprecate", "Put a deprecated tool back into ranking; its count toward deprecation starts again.") { undeprecateId };
        undeprecate.SetAction((parse, ct) => WithCluster(parse, ct, async (grains, output) =>
        {
            var toolId = parse.GetValue(undeprecateId)!;
            return output.ToolStatus(await grains.GetGrain<IToolReputationGrain>(JsonRequest.Required(toolId, "tool_id")).UndeprecateAsync());
        }));

        return new Command("tools", "Register, inspect and mark tools.") { register, list, show, fail, undeprecate };
    }

    private static Command InvokeCommand()
    {
        var scenario = new Option<string>("--scenario") { Description = "What is to be done, in words (ranks the tools)", Required = true };
        var input = new Option<string>("--input") { Description = "The JSON every tried tool receives (default {})", DefaultValueFactory = _ => "{}" };
        var tags = new Option<string?>("--tags") { Description = "Comma-separated tags every candidate must carry (default: any tool)" };
        var maxAttempts = new Option<int>("--max-attempts") { Description = "Most tools tried", DefaultValueFactory = _ => 5 };
        var deadline = new Option<double?>("--deadline") { Description = "Overall deadline in seconds (default: the silo's, 60)" };
        var command = new Command("invoke", """
            A resilient tool call (the 'resilient_tool_call' operation): rank the tools carrying the tags for the
            scenario, try them in order until one succeeds, and mark every failure on its tool.
            Example: toolgrains invoke --scenario "translate english to french" --input '{"text":"hello"}' --tags translation
            """) { scenario, input, tags, maxAttempts, deadline };
        command.SetAction((parse, ct) => WithCluster(parse, ct, async (grains, output) =>
        {
            JsonElement inputData;
            try { inputData = JsonDocument.Parse(parse.GetValue(input)!).RootElement; }
            catch (JsonException ex) { throw new ToolGrainsException(ErrorCodes.InvalidRequest, $"--input is not JSON: {ex.Message}", "input_data"); }
            var request = new ResilientToolCallRequest(parse.GetValue(scenario), inputData,
                [.. (parse.GetValue(tags) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)],
                parse.GetValue(maxAttempts), parse.GetValue(deadline));
            return output.Attempts(ResilientCallResponse.From(await grains.GetGrain<IResilientInvokerGrain>(0).InvokeAsync(request.ToInvokerRequest())));
        }));
        return command;
    }

    private static async Task<string> ReadInputAsync(FileInfo? file, CancellationToken ct)
    {
        if (file is not null)
        {
            if (!file.Exists) throw new ToolGrainsException(ErrorCodes.FileNotFound, $"Input file '{file.FullName}' does not exist.", "input");
            return await File.ReadAllTextAsync(file.FullName, ct);
        }
        if (!Console.IsInputRedirected)
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, "No request: pipe JSON to stdin or pass --input FILE.", "input");
        return await Console.In.ReadToEndAsync(ct);
    }

    /// <summary>Connects, runs <paramref name="action"/>, and turns every failure into the error contract.</summary>
    private static async Task<int> WithCluster(ParseResult parse, CancellationToken ct, Func<IGrainFactory, CliOutput, Task<int>> action)
    {
        var output = new CliOutput(parse.GetValue(Json));
        try
        {
            var target = new ClusterTarget(
                parse.GetValue(Gateway) ?? Environment.GetEnvironmentVariable("TOOLGRAINS_GATEWAY"),
                parse.GetValue(Postgres) ?? Environment.GetEnvironmentVariable("TOOLGRAINS_POSTGRES"),
                parse.GetValue(ClusterId)!, parse.GetValue(ClusterId)!,
                parse.GetValue(TlsCert) ?? Environment.GetEnvironmentVariable("TOOLGRAINS_TLS_CERT"),
                parse.GetValue(TlsPassword) ?? Environment.GetEnvironmentVariable("TOOLGRAINS_TLS_PASSWORD"),
                parse.GetValue(TlsInsecure),
                parse.GetValue(ApiKey) ?? Environment.GetEnvironmentVariable("TOOLGRAINS_API_KEY"));
            using var host = await ClusterConnection.ConnectAsync(target, ct);
            var result = await action(host.Services.GetRequiredService<IClusterClient>(), output);
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            await host.StopAsync(stop.Token);
            return result;
        }
        catch (ToolGrainsException ex)
        {
            return output.Error(ex.Code, ex.Message, ex.Field);
        }
        catch (Exception ex) when (ClusterConnection.IsTransient(ex))
        {
            return output.Error(ErrorCodes.ClusterUnreachable, $"The cluster stopped answering: {ex.Message.Split('\n')[0]}", null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return output.Error(ErrorCodes.Internal, $"{ex.GetType().Name}: {ex.Message.Split('\n')[0]}", null);
        }
    }
}
