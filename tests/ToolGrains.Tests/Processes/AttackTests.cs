using System.Collections.Immutable;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ToolGrains.Tests.Infrastructure;

namespace ToolGrains.Tests.Processes;

/// <summary>
/// A real silo with keys for the three roles, the folders an operator would give it, and a secret file outside
/// them. Every attack of the attack suite runs against it; a guard buffer written before them must still hold
/// everything afterwards.
/// </summary>
public sealed class SecuredSiloFixture : IAsyncLifetime
{
    public const string AdminKey = "admin-key-0123456789abcdef";
    public const string CallerKey = "caller-key-0123456789abcdef";
    public const string ReaderKey = "reader-key-0123456789abcdef";
    public const string Guard = "attack-guard";

    public string Dir { get; } = Repo.NewTempDir("attack");
    public string Tools => Path.Combine(Dir, "tools");
    public string Sinks => Path.Combine(Dir, "sinks");
    public string Specs => Path.Combine(Dir, "specs");
    public string Outside => Path.Combine(Dir, "outside");
    public string SecretFile => Path.Combine(Outside, "secret.txt");
    public const string Secret = "TOP-SECRET-VALUE-42";
    internal SiloProcess Silo { get; private set; } = null!;
    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };
    public int GuardWrites { get; private set; }

    public async Task InitializeAsync()
    {
        foreach (var dir in new[] { Tools, Sinks, Specs, Outside }) Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(SecretFile, Secret);
        await File.WriteAllTextAsync(Path.Combine(Specs, "allowed.md"), "# Allowed\n\nThe service MUST answer.\n");
        // A link inside the allowed folder that leads to the secret.
        File.CreateSymbolicLink(Path.Combine(Specs, "link.md"), SecretFile);
        await JsonlSink.WriteToolAsync(Tools, "guard_sink");
        Silo = await SiloProcess.StartAsync(Dir, new()
        {
            ["DataDir"] = Path.Combine(Dir, "data"),
            ["ToolsDir"] = Tools,
            ["SinkDir"] = Sinks,
            ["SpecDirs:0"] = Specs,
            ["Embeddings"] = "hashing",
            ["ApiKeys:0:Key"] = AdminKey, ["ApiKeys:0:Role"] = "admin",
            ["ApiKeys:1:Key"] = CallerKey, ["ApiKeys:1:Role"] = "caller",
            ["ApiKeys:2:Key"] = ReaderKey, ["ApiKeys:2:Role"] = "reader",
        });
        Http.BaseAddress = new Uri($"http://127.0.0.1:{Silo.HttpPort}");
        for (var i = 0; i < 5; i++)
        {
            var (status, body) = await CallAsync("buffer", new { operation = "write", buffer_id = Guard, data = i, strategy = "manual" }, CallerKey);
            Assert.True(status == HttpStatusCode.OK, body);
            GuardWrites++;
        }
    }

    public async Task<(HttpStatusCode Status, string Body)> CallAsync(string tool, object body, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/call/" + tool) { Content = JsonContent.Create(body) };
        if (key is not null) request.Headers.Add("X-Api-Key", key);
        using var response = await Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    internal Task<ProcessResult> CliAsync(string? key, params string[] args) =>
        ProcessRunner.CliAsync(["--gateway", Silo.Gateway, "--json", .. args],
            env: new Dictionary<string, string?> { ["TOOLGRAINS_API_KEY"] = key }, workingDirectory: Dir);

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Silo.DisposeAsync();
    }
}

/// <summary>
/// The attack suite (issue "Secure by default"): each attack against a real silo process is refused and leaves no
/// trace — no file read, written or run, no request reaching a redirect's target — the silo stays ready, and the
/// guard buffer keeps everything it acknowledged. Then each role, allowed and refused, on HTTP and on the gateway.
/// </summary>
[Collection(ProcessCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class AttackTests(SecuredSiloFixture fixture) : IClassFixture<SecuredSiloFixture>
{
    private static string Code(string body) => JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("code").GetString()!;

    /// <summary>A script outside every allowed folder that leaves a marker file if it ever runs.</summary>
    private (string Script, string Marker) OutsideScript(string name)
    {
        var script = Path.Combine(fixture.Outside, name + ".sh");
        var marker = Path.Combine(fixture.Outside, name + "-ran");
        Repo.WriteScript(script, $"#!/bin/bash\ntouch {marker}\necho '{{}}'\n");
        return (script, marker);
    }

    private async Task AssertIntactAsync()
    {
        Assert.True(await fixture.Silo.IsReadyAsync(), "the silo is no longer ready");
        var (status, body) = await fixture.CallAsync("buffer", new { operation = "status", buffer_id = SecuredSiloFixture.Guard }, SecuredSiloFixture.ReaderKey);
        Assert.True(status == HttpStatusCode.OK, body);
        Assert.Equal(fixture.GuardWrites, JsonDocument.Parse(body).RootElement.GetProperty("buffered").GetInt32());
        Assert.DoesNotContain(SecuredSiloFixture.AdminKey, fixture.Silo.Log);
        Assert.DoesNotContain(SecuredSiloFixture.CallerKey, fixture.Silo.Log);
    }

    [Fact]
    public async Task Spec_extraction_reads_no_file_outside_the_spec_folders()
    {
        foreach (var path in new[] { "/etc/passwd", fixture.SecretFile, Path.Combine(fixture.Specs, "..", "outside", "secret.txt"),
                     Path.Combine(fixture.Specs, "link.md"), "specs/allowed.md" })
        {
            var (status, body) = await fixture.CallAsync("extract_spec_from_file", new { file_path = path }, SecuredSiloFixture.AdminKey);
            Assert.True(status == HttpStatusCode.Forbidden, $"{path}: {status} {body}");
            Assert.Equal("forbidden", Code(body));
            Assert.DoesNotContain("root:", body);
            Assert.DoesNotContain(SecuredSiloFixture.Secret, body);
        }
        // The folder the operator allowed works, and so does the text a caller sends.
        var allowed = await fixture.CallAsync("extract_spec_from_file", new { file_path = Path.Combine(fixture.Specs, "allowed.md") }, SecuredSiloFixture.CallerKey);
        Assert.True(allowed.Status == HttpStatusCode.OK, allowed.Body);
        var text = await fixture.CallAsync("extract_spec_from_file", new { text = "# T\n\nIt MUST hold.\n" }, SecuredSiloFixture.CallerKey);
        Assert.True(text.Status == HttpStatusCode.OK, text.Body);
        // The CLI reads the caller's own file on the caller's side: the secret is the caller's to read.
        var local = await fixture.CliAsync(SecuredSiloFixture.CallerKey, "call", "extract_spec_from_file", "--input", WriteRequest(new { file_path = "outside/secret.txt" }));
        Assert.True(local.ExitCode == 0, local.ToString());
        await AssertIntactAsync();
    }

    [Fact]
    public async Task A_sink_cannot_write_outside_the_sink_folder()
    {
        var bashrc = Path.Combine(fixture.Outside, ".bashrc");
        foreach (var path in new[] { bashrc, "../outside/.bashrc", "a/../../outside/.bashrc", "/root/.bashrc" })
        {
            var (status, body) = await fixture.CallAsync("register_tool",
                new { id = "evil_sink", description = "appends to a file", builtin = "jsonl_file_writer", settings = new { path } }, SecuredSiloFixture.AdminKey);
            Assert.True(status == HttpStatusCode.Forbidden, $"{path}: {status} {body}");
            Assert.Equal("settings.path", JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("field").GetString());
        }
        // A link inside the sink folder that leads out of it.
        Directory.CreateSymbolicLink(Path.Combine(fixture.Sinks, "out"), fixture.Outside);
        var linked = await fixture.CallAsync("register_tool",
            new { id = "evil_sink", description = "appends through a link", builtin = "jsonl_file_writer", settings = new { path = "out/.bashrc" } }, SecuredSiloFixture.AdminKey);
        Assert.Equal(HttpStatusCode.Forbidden, linked.Status);
        Assert.False(File.Exists(bashrc));
        var status404 = await fixture.CallAsync("tool_status", new { tool_id = "evil_sink" }, SecuredSiloFixture.ReaderKey);
        Assert.Equal(HttpStatusCode.NotFound, status404.Status);
        await AssertIntactAsync();
    }

    [Fact]
    public async Task An_executable_outside_the_tools_folder_cannot_be_registered_even_through_a_link()
    {
        var (script, marker) = OutsideScript("run");
        File.CreateSymbolicLink(Path.Combine(fixture.Tools, "link.sh"), script);
        foreach (var command in new[] { script, "./link.sh", "/bin/sh" })
        {
            var (status, body) = await fixture.CallAsync("register_tool",
                new { id = "evil_exec", description = "runs a script", executable = new { command }, base_directory = fixture.Tools }, SecuredSiloFixture.AdminKey);
            Assert.True(status == HttpStatusCode.Forbidden, $"{command}: {status} {body}");
        }
        Assert.False(File.Exists(marker));
        await AssertIntactAsync();
    }

    [Fact]
    public async Task A_caller_cannot_store_an_embedding_of_its_own_making_in_a_tools_failure_memory()
    {
        // mark_tool_failure over the protocol has no embedding; a typed ToolFailureReport can carry one (the invoker
        // sends the one it ranked with). Once any was kept: a million floats per mark in the tool's state, or NaN.
        await using var caller = await ExternalClient.ConnectWithKeyAsync(SecuredSiloFixture.CallerKey, fixture.Silo.GatewayPort);
        var tool = caller.Client.GetGrain<IToolReputationGrain>("guard_sink");
        var failuresBefore = (await tool.GetStatusAsync()).FailureCount;
        foreach (var embedding in new ImmutableArray<float>[] { [.. Enumerable.Repeat(0.01f, 1_000_000)], [.. Enumerable.Repeat(float.NaN, 384)], [1f, 0f] })
        {
            var refused = await Assert.ThrowsAsync<ToolGrainsException>(() => tool.MarkFailureAsync(new ToolFailureReport("poison the memory", "x", "high", embedding)));
            Assert.Equal((ErrorCodes.InvalidRequest, "scenario_embedding"), (refused.Code, refused.Field));
        }
        Assert.Equal(failuresBefore, (await tool.GetStatusAsync()).FailureCount);
        var assessed = await Assert.ThrowsAsync<ToolGrainsException>(() => tool.AssessScenarioAsync([.. Enumerable.Repeat(float.PositiveInfinity, 384)], "x"));
        Assert.Equal("scenario_embedding", assessed.Field);
        await AssertIntactAsync();
    }

    [Fact]
    public async Task A_typed_admin_client_meets_the_same_registration_checks_as_the_protocol()
    {
        // The protocol parses and the catalog checks; a typed client hands the grains a descriptor itself, and once
        // nothing but confinement was checked on that path (any id, quality 7, a negative timeout were kept), and the
        // reputation grain took a descriptor directly with no check at all.
        var (script, marker) = OutsideScript("typed");
        ToolDescriptor Tool(string id, ToolKind kind = ToolKind.Builtin, string target = "log_batch_writer", double quality = 0.5, double timeout = 30) =>
            new(id, "1.0.0", "registered by a typed client", ["typed"], quality, kind, target, [], timeout, null, "{}");
        await using var admin = await ExternalClient.ConnectWithKeyAsync(SecuredSiloFixture.AdminKey, fixture.Silo.GatewayPort);
        var catalog = admin.Client.GetGrain<IToolCatalogGrain>("default");
        foreach (var (tool, code, field) in new[]
        {
            (Tool("buffer"), ErrorCodes.InvalidRequest, "id"),
            (Tool("../evil"), ErrorCodes.InvalidRequest, "id"),
            (Tool("typed_quality", quality: 7), ErrorCodes.InvalidRequest, "quality"),
            (Tool("typed_timeout", timeout: -1), ErrorCodes.InvalidRequest, "timeout_seconds"),
            (Tool("typed_exec", ToolKind.Executable, script), ErrorCodes.Forbidden, "executable.command"),
        })
        {
            var viaCatalog = await Assert.ThrowsAsync<ToolGrainsException>(() => catalog.RegisterAsync(tool));
            Assert.Equal((code, field), (viaCatalog.Code, viaCatalog.Field));
            var direct = await Assert.ThrowsAsync<ToolGrainsException>(() => admin.Client.GetGrain<IToolReputationGrain>(tool.Id).RegisterAsync(tool));
            Assert.Equal((code, field), (direct.Code, direct.Field));
        }
        var listed = await catalog.ListAsync();
        Assert.DoesNotContain(listed, t => t.Id.StartsWith("typed_", StringComparison.Ordinal));
        var (status, _) = await fixture.CallAsync("typed_exec", new { }, SecuredSiloFixture.AdminKey);
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.False(File.Exists(marker));
        await AssertIntactAsync();
    }

    [Fact]
    public async Task HTTP_tools_reach_no_metadata_address_follow_no_redirect_and_are_cut_at_the_cap()
    {
        foreach (var url in new[] { "http://169.254.169.254/latest/meta-data/", "http://metadata.google.internal/", "http://[fe80::1]/x" })
        {
            var (status, body) = await fixture.CallAsync("register_tool", new { id = "evil_http", description = "metadata", http = new { url } }, SecuredSiloFixture.AdminKey);
            Assert.True(status == HttpStatusCode.Forbidden, $"{url}: {status} {body}");
        }
        await using var target = new LocalHttpServer();
        target.Route("internal", 200, """{"secret":"internal"}""");
        await using var server = new LocalHttpServer();
        server.Redirect("hop", target.Url("internal"));
        server.Route("huge", 200, "{\"x\":\"" + new string('a', 17 * 1024 * 1024) + "\"}");
        foreach (var (id, path) in new[] { ("hop_tool", "hop"), ("huge_tool", "huge") })
        {
            var registered = await fixture.CallAsync("register_tool", new { id, description = "an HTTP tool", http = new { url = server.Url(path) } }, SecuredSiloFixture.AdminKey);
            Assert.True(registered.Status == HttpStatusCode.OK, registered.Body);
        }
        var hop = await fixture.CallAsync("hop_tool", new { q = 1 }, SecuredSiloFixture.CallerKey);
        Assert.DoesNotContain("\"secret\"", hop.Body); // the target's answer; the error names the redirect's location
        Assert.Contains("redirect", hop.Body);
        Assert.Empty(target.Received);
        var huge = await fixture.CallAsync("huge_tool", new { q = 1 }, SecuredSiloFixture.CallerKey);
        Assert.Contains("more than", huge.Body);
        await AssertIntactAsync();
    }

    [Fact]
    public async Task Bodies_that_are_not_JSON_by_their_type_and_hostile_inputs_get_clean_refusals()
    {
        // What any web page could send without a CORS preflight.
        using var plain = new HttpRequestMessage(HttpMethod.Post, "/api/call/buffer")
        {
            Content = new StringContent($$"""{"operation":"clear","buffer_id":"{{SecuredSiloFixture.Guard}}"}""", Encoding.UTF8, "text/plain"),
        };
        plain.Headers.Add("X-Api-Key", SecuredSiloFixture.AdminKey);
        using (var response = await fixture.Http.SendAsync(plain)) Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);

        var started = System.Diagnostics.Stopwatch.StartNew();
        var nested = string.Concat(Enumerable.Range(0, 64).Select(i => new string(' ', 2 * i) + "- item\n"));
        var deep = await fixture.CallAsync("extract_spec_from_file", new { text = nested }, SecuredSiloFixture.CallerKey);
        Assert.True(deep.Status == HttpStatusCode.BadRequest, deep.Body);
        var huge = await fixture.CallAsync("mark_tool_failure", new { tool_id = "guard_sink", scenario = new string('x', 100_000) }, SecuredSiloFixture.CallerKey);
        Assert.Equal("scenario", JsonDocument.Parse(huge.Body).RootElement.GetProperty("error").GetProperty("field").GetString());
        var nul = await fixture.CallAsync("extract_spec_from_file", new { file_path = Path.Combine(fixture.Specs, "a\0b.md") }, SecuredSiloFixture.CallerKey);
        Assert.Equal("invalid_request", Code(nul.Body));
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10), $"{started.Elapsed}");

        // A YAML alias bomb as a tool file is refused where it is read, quickly.
        var bomb = new StringBuilder("id: bomb\ndescription: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (var c = 'b'; c <= 'i'; c++) bomb.Append($"{c}: &{c} [{string.Join(",", Enumerable.Repeat($"*{(char)(c - 1)}", 9))}]\n");
        var bombFile = Path.Combine(fixture.Dir, "bomb.yaml");
        await File.WriteAllTextAsync(bombFile, bomb.ToString());
        var refused = await fixture.CliAsync(SecuredSiloFixture.AdminKey, "tools", "register", bombFile);
        Assert.True(refused.ExitCode == 2, refused.ToString());
        await AssertIntactAsync();
    }

    [Fact]
    public async Task Each_role_may_do_its_own_work_on_HTTP_and_nothing_above_it()
    {
        // No key: only health and metrics answer.
        Assert.Equal(HttpStatusCode.OK, (await fixture.Http.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await fixture.Http.GetAsync("/api/analytics")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await fixture.CallAsync("buffer", new { operation = "status", buffer_id = "x" }, null)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await fixture.CallAsync("buffer", new { operation = "status", buffer_id = "x" }, "wrong-key-0123456789abcdef")).Status);

        var buffer = $"roles-{Guid.NewGuid():N}"[..20];
        var write = new { operation = "write", buffer_id = buffer, data = 1, strategy = "batched", max_size = 100, pass_through_tool = "guard_sink" };
        var expectations = new (string Key, string Tool, object Body, HttpStatusCode Expected)[]
        {
            (SecuredSiloFixture.ReaderKey, "buffer", write, HttpStatusCode.Forbidden),
            (SecuredSiloFixture.CallerKey, "buffer", write, HttpStatusCode.OK),
            (SecuredSiloFixture.ReaderKey, "buffer", new { operation = "status", buffer_id = buffer }, HttpStatusCode.OK),
            (SecuredSiloFixture.ReaderKey, "tool_status", new { tool_id = "guard_sink" }, HttpStatusCode.OK),
            (SecuredSiloFixture.ReaderKey, "mark_tool_failure", new { tool_id = "guard_sink", scenario = "x" }, HttpStatusCode.Forbidden),
            (SecuredSiloFixture.CallerKey, "buffer", new { operation = "clear", buffer_id = buffer }, HttpStatusCode.Forbidden),
            (SecuredSiloFixture.CallerKey, "register_tool", new { id = "caller_tool", description = "x", builtin = "log_batch_writer" }, HttpStatusCode.Forbidden),
            (SecuredSiloFixture.CallerKey, "guard_sink", new { items = new[] { 1 } }, HttpStatusCode.OK),
            (SecuredSiloFixture.AdminKey, "register_tool", new { id = "admin_tool", description = "logs batches", builtin = "log_batch_writer" }, HttpStatusCode.OK),
            // Pointing the buffer at another tool once its tool is set is the admin's.
            (SecuredSiloFixture.CallerKey, "buffer", new { operation = "write", buffer_id = buffer, data = 2, strategy = "batched", max_size = 100, pass_through_tool = "admin_tool" }, HttpStatusCode.Forbidden),
            (SecuredSiloFixture.AdminKey, "buffer", new { operation = "write", buffer_id = buffer, data = 3, strategy = "batched", max_size = 100, pass_through_tool = "admin_tool" }, HttpStatusCode.OK),
            (SecuredSiloFixture.AdminKey, "buffer", new { operation = "clear", buffer_id = buffer }, HttpStatusCode.OK),
        };
        foreach (var (key, tool, body, expected) in expectations)
        {
            var (status, answer) = await fixture.CallAsync(tool, body, key);
            Assert.True(status == expected, $"{key[..6]} {tool} {JsonSerializer.Serialize(body)}: {status} {answer}");
            if (expected == HttpStatusCode.Forbidden) Assert.Equal("forbidden", Code(answer));
        }
        // The cluster's own usage buffer: a caller who reaches it first with its own tool does not keep it. The
        // silo's next usage count (a tool call) sets it back, as the cluster, and the caller cannot change it again.
        await fixture.CallAsync("buffer", new { operation = "write", buffer_id = "usage_tracking", data = new { tool_id = "x", increment = 1 }, pass_through_tool = "guard_sink" }, SecuredSiloFixture.CallerKey);
        Assert.Equal(HttpStatusCode.OK, (await fixture.CallAsync("guard_sink", new { items = new[] { 2 } }, SecuredSiloFixture.CallerKey)).Status);
        Assert.True(await Repo.WaitUntilAsync(async () =>
            JsonDocument.Parse((await fixture.CallAsync("buffer", new { operation = "status", buffer_id = "usage_tracking" }, SecuredSiloFixture.ReaderKey)).Body)
                .RootElement.GetProperty("pass_through_tool").GetString() == "qdrant_batch_update", TimeSpan.FromSeconds(10)));
        var takeover = await fixture.CallAsync("buffer", new { operation = "write", buffer_id = "usage_tracking", data = new { tool_id = "x", increment = 1 }, pass_through_tool = "guard_sink" }, SecuredSiloFixture.CallerKey);
        Assert.Equal(HttpStatusCode.Forbidden, takeover.Status);

        using var analytics = new HttpRequestMessage(HttpMethod.Get, "/api/analytics");
        analytics.Headers.Authorization = new("Bearer", SecuredSiloFixture.ReaderKey);
        Assert.Equal(HttpStatusCode.OK, (await fixture.Http.SendAsync(analytics)).StatusCode);
        await AssertIntactAsync();
    }

    [Fact]
    public async Task Each_role_may_do_its_own_work_on_the_gateway_and_nothing_above_it()
    {
        var none = await fixture.CliAsync(null, "tools", "list");
        Assert.True(none.ExitCode == 5 && Code(none.Stdout) == "unauthorized", none.ToString());
        var wrong = await fixture.CliAsync("wrong-key-0123456789abcdef", "cluster", "status");
        Assert.True(wrong.ExitCode == 5 && Code(wrong.Stdout) == "unauthorized", wrong.ToString());

        var buffer = $"gw-{Guid.NewGuid():N}"[..16];
        var expectations = new (string Key, string[] Args, int Exit)[]
        {
            (SecuredSiloFixture.ReaderKey, ["cluster", "status"], 0),
            (SecuredSiloFixture.ReaderKey, ["tools", "list"], 0),
            (SecuredSiloFixture.ReaderKey, ["analytics"], 0),
            (SecuredSiloFixture.ReaderKey, ["buffer", "write", buffer, "1", "--strategy", "manual"], 5),
            (SecuredSiloFixture.CallerKey, ["buffer", "write", buffer, "1", "--strategy", "manual"], 0),
            (SecuredSiloFixture.ReaderKey, ["buffer", "status", buffer], 0),
            (SecuredSiloFixture.CallerKey, ["buffer", "clear", buffer], 5),
            (SecuredSiloFixture.CallerKey, ["tools", "undeprecate", "guard_sink"], 5),
            (SecuredSiloFixture.AdminKey, ["buffer", "clear", buffer], 0),
            (SecuredSiloFixture.AdminKey, ["tools", "undeprecate", "guard_sink"], 0),
        };
        foreach (var (key, args, exit) in expectations)
        {
            var result = await fixture.CliAsync(key, args);
            Assert.True(result.ExitCode == exit, $"{key[..6]} {string.Join(' ', args)}: {result}");
            if (exit == 5) Assert.Equal("forbidden", Code(result.Stdout));
        }

        // Typed calls from an Orleans client: the role is checked per method, and a role the client claims in its
        // request context is overwritten by the one its key grants.
        await using var reader = await ExternalClient.ConnectWithKeyAsync(SecuredSiloFixture.ReaderKey, fixture.Silo.GatewayPort);
        Orleans.Runtime.RequestContext.Set(CallerContext.RoleKey, (int)ToolGrainsRole.Admin);
        try
        {
            var error = await Assert.ThrowsAsync<ToolGrainsException>(() => reader.Client.GetGrain<IBufferGrain>(SecuredSiloFixture.Guard).ClearAsync());
            Assert.Equal(ErrorCodes.Forbidden, error.Code);
            var protocol = await reader.Client.GetGrain<IProtocolGrain>(0).CallAsync("buffer", $$"""{"operation":"clear","buffer_id":"{{SecuredSiloFixture.Guard}}"}""");
            Assert.Equal(ErrorCodes.Forbidden, protocol.Error?.Code);
            Assert.NotNull(await reader.Client.GetGrain<IBufferGrain>(SecuredSiloFixture.Guard).GetStatusAsync());
            // The client's BufferWriter (registered by UseToolGrainsClient) sends under the client's key, not what
            // the writing code's context claims.
            var refusedWrite = await Assert.ThrowsAsync<ToolGrainsException>(() => reader.Writer.WriteAsync(buffer, "1"));
            Assert.Equal(ErrorCodes.Forbidden, refusedWrite.Code);
        }
        finally
        {
            Orleans.Runtime.RequestContext.Remove(CallerContext.RoleKey);
        }
        await using (var caller = await ExternalClient.ConnectWithKeyAsync(SecuredSiloFixture.CallerKey, fixture.Silo.GatewayPort))
            Assert.Equal(1, (await caller.Writer.WriteAsync(buffer, "2", new BufferSettingsUpdate(BufferStrategy.Manual))).Buffered);
        await using var anonymous = await ExternalClient.ConnectAsync(fixture.Silo.GatewayPort);
        var unauthorized = await Assert.ThrowsAsync<ToolGrainsException>(() => anonymous.Client.GetGrain<IToolCatalogGrain>("default").ListAsync());
        Assert.Equal(ErrorCodes.Unauthorized, unauthorized.Code);
        await AssertIntactAsync();
    }

    private string WriteRequest(object request)
    {
        var path = Path.Combine(fixture.Dir, $"request-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, JsonSerializer.Serialize(request));
        return path;
    }
}

/// <summary>Where a silo listens, and what it refuses to start as.</summary>
[Collection(ProcessCollection.Name)]
public sealed class ListeningTests
{
    /// <summary>The TCP ports listening on 127.0.0.1 only, and those listening on any other address, from /proc/net/tcp.</summary>
    private static (HashSet<int> Loopback, HashSet<int> Other) ListeningPorts()
    {
        var loopback = new HashSet<int>();
        var other = new HashSet<int>();
        foreach (var file in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            foreach (var line in File.ReadLines(file).Skip(1))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts[3] != "0A") continue; // LISTEN
                var local = parts[1].Split(':');
                var port = Convert.ToInt32(local[1], 16);
                var isLoopback = local[0] is "0100007F" or "00000000000000000000000001000000";
                (isLoopback ? loopback : other).Add(port);
            }
        }
        return (loopback, other);
    }

    [Fact]
    public async Task The_default_silo_listens_on_loopback_only_and_one_reachable_from_elsewhere_needs_keys()
    {
        var dir = Repo.NewTempDir("listen");
        await using (var silo = await SiloProcess.StartAsync(dir, new() { ["DataDir"] = Path.Combine(dir, "data"), ["ToolsDir"] = Path.Combine(dir, "tools") }))
        {
            var (loopback, other) = ListeningPorts();
            foreach (var port in new[] { silo.HttpPort, silo.GatewayPort, silo.SiloPort })
            {
                Assert.Contains(port, loopback);
                Assert.DoesNotContain(port, other);
            }
        }

        var refused = await SiloProcess.StartAsync(dir, new() { ["DataDir"] = Path.Combine(dir, "data2"), ["ListenAddress"] = "0.0.0.0" }, waitReady: false);
        Assert.Equal(2, await refused.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("ToolGrains:ListenAddress", refused.Log);
        Assert.Contains("ToolGrains:ApiKeys:0:Key", refused.Log);
        Assert.Contains("ToolGrains:AllowAnonymous", refused.Log);
        await refused.DisposeAsync();

        var shortKey = await SiloProcess.StartAsync(dir, new() { ["DataDir"] = Path.Combine(dir, "data3"), ["ApiKeys:0:Key"] = "short", ["ApiKeys:0:Role"] = "boss" }, waitReady: false);
        Assert.Equal(2, await shortKey.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("ToolGrains:ApiKeys:0:Key", shortKey.Log);
        Assert.Contains("ToolGrains:ApiKeys:0:Role", shortKey.Log);
        Assert.DoesNotContain("short\"", shortKey.Log);
        await shortKey.DisposeAsync();
    }
}
