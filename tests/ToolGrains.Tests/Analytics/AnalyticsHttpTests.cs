using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ToolGrains.Tests.Infrastructure;

namespace ToolGrains.Tests.Analytics;

/// <summary>A real silo process with an API key and a seeded failure history, for the HTTP, CLI and browser tests.</summary>
public sealed class SeededSiloFixture : IAsyncLifetime
{
    public const string ApiKey = "test-key-0123456789abcdef";

    /// <summary>Tool id and failures seeded; each has its own scenario.</summary>
    public static readonly (string Tool, int Failures, string Scenario)[] Seeded =
    [
        ("flaky_fetcher", 4, "fetch the weather forecast for Paris"),
        ("js_analyzer", 2, "analyze javascript code"),
        ("translator", 1, "translate this contract into French"),
    ];

    private SiloProcess? _silo;

    public string Dir { get; } = Repo.NewTempDir("analytics-http");
    internal SiloProcess Silo => _silo!;
    public string BaseUrl => $"http://127.0.0.1:{Silo.HttpPort}";
    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public async Task InitializeAsync()
    {
        _silo = await SiloProcess.StartAsync(Dir, new()
        {
            ["DataDir"] = Path.Combine(Dir, "data"),
            ["ToolsDir"] = Path.Combine(Dir, "tools"),
            ["Embeddings"] = "hashing",
            ["ApiKey"] = ApiKey,
        });
        foreach (var (tool, failures, scenario) in Seeded)
        {
            await PostOkAsync("register_tool", new { id = tool, version = "1.0.0", description = $"The {tool.Replace('_', ' ')}", quality = 0.9, tags = new[] { "test" }, builtin = "log_batch_writer" });
            for (var i = 0; i < failures; i++)
                await PostOkAsync("mark_tool_failure", new { tool_id = tool, scenario, error_message = "Boom " + i, severity = "high" });
        }
    }

    private async Task PostOkAsync(string operation, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{BaseUrl}/api/call/{operation}") { Content = JsonContent.Create(body) };
        request.Headers.Add("X-Api-Key", ApiKey);
        using var response = await Http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"{operation}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    public async Task DisposeAsync()
    {
        if (_silo is not null) await _silo.DisposeAsync();
        Http.Dispose();
    }
}

[Collection(ProcessCollection.Name)]
public sealed class AnalyticsHttpTests(SeededSiloFixture fixture) : IClassFixture<SeededSiloFixture>
{
    [Fact]
    public async Task Analytics_API_key_is_required_on_api_page_and_dashboard_but_not_on_health_and_metrics()
    {
        var http = fixture.Http;
        // "/dashboard/": the dashboard redirects "/dashboard" there, and HttpClient drops Authorization on a redirect.
        foreach (var path in new[] { "/api/analytics", "/", "/dashboard/" })
        {
            using var anonymous = await http.GetAsync(fixture.BaseUrl + path);
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Equal("unauthorized", JsonDocument.Parse(await anonymous.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString());

            using var wrong = new HttpRequestMessage(HttpMethod.Get, fixture.BaseUrl + path);
            wrong.Headers.Add("X-Api-Key", SeededSiloFixture.ApiKey + "x");
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(wrong)).StatusCode);

            using var header = new HttpRequestMessage(HttpMethod.Get, fixture.BaseUrl + path);
            header.Headers.Add("X-Api-Key", SeededSiloFixture.ApiKey);
            using var byHeader = await http.SendAsync(header);
            Assert.True(byHeader.IsSuccessStatusCode, $"{path} with X-Api-Key: {(int)byHeader.StatusCode}");

            using var bearer = new HttpRequestMessage(HttpMethod.Get, fixture.BaseUrl + path);
            bearer.Headers.Authorization = new("Bearer", SeededSiloFixture.ApiKey);
            using var byBearer = await http.SendAsync(bearer);
            Assert.True(byBearer.IsSuccessStatusCode, $"{path} with Bearer: {(int)byBearer.StatusCode}");
        }
        using var post = await http.PostAsync(fixture.BaseUrl + "/api/call/tool_status", JsonContent.Create(new { tool_id = "translator" }));
        Assert.Equal(HttpStatusCode.Unauthorized, post.StatusCode);

        // A browser's ?api_key= becomes a cookie (a hash of the key) and a redirect that drops the key from the URL.
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = new Uri(fixture.BaseUrl) };
        using var first = await browser.GetAsync("/?api_key=" + SeededSiloFixture.ApiKey);
        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        Assert.Equal("/", first.Headers.Location?.OriginalString);
        var cookie = Assert.Single(first.Headers.GetValues("Set-Cookie"));
        Assert.DoesNotContain(SeededSiloFixture.ApiKey, cookie);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/analytics")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/dashboard/")).StatusCode);

        foreach (var open in new[] { "/health/live", "/health/ready", "/metrics" })
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(fixture.BaseUrl + open)).StatusCode);

        Assert.DoesNotContain(SeededSiloFixture.ApiKey, fixture.Silo.Log);
    }

    [Fact]
    public async Task Analytics_JSON_over_HTTP_and_the_CLI_show_the_seeded_failures()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, fixture.BaseUrl + "/api/analytics");
        request.Headers.Add("X-Api-Key", SeededSiloFixture.ApiKey);
        using var response = await fixture.Http.SendAsync(request);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var report = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(SeededSiloFixture.Seeded.Select(s => (s.Tool, (long)s.Failures)),
            report.GetProperty("most_failed_tools").EnumerateArray().Select(t => (t.GetProperty("tool_id").GetString()!, t.GetProperty("failure_count").GetInt64())));

        // The CLI speaks to the gateway, which wants the same key (here from the environment).
        var without = await ProcessRunner.CliAsync(["--gateway", fixture.Silo.Gateway, "--json", "analytics"]);
        Assert.True(without.ExitCode == 5, without.ToString());
        var key = new Dictionary<string, string?> { ["TOOLGRAINS_API_KEY"] = SeededSiloFixture.ApiKey };
        var json = await ProcessRunner.CliAsync(["--gateway", fixture.Silo.Gateway, "--json", "analytics"], env: key);
        Assert.True(json.ExitCode == 0, json.ToString());
        var cliReport = JsonDocument.Parse(json.Stdout).RootElement;
        Assert.Equal(SeededSiloFixture.Seeded.Length, cliReport.GetProperty("common_failure_scenarios").GetArrayLength());

        var tables = await ProcessRunner.CliAsync(["--gateway", fixture.Silo.Gateway, "analytics"], env: key);
        Assert.True(tables.ExitCode == 0, tables.ToString());
        foreach (var title in new[] { "failures by tool", "most failed tools", "common failure scenarios", "quality trends", "negative-tag history", "usage" })
            Assert.Contains(title, tables.Stdout);
        // Tool ids, not scenarios: 80 columns when redirected wrap a long scenario over lines of its cell.
        foreach (var (tool, _, _) in SeededSiloFixture.Seeded)
            Assert.Contains(tool, tables.Stdout);
        Assert.Contains("weather", tables.Stdout);
        // Redirected output is not a terminal: no colour codes for whoever reads it.
        Assert.DoesNotContain("\u001b[", tables.Stdout);

        var help = await ProcessRunner.CliAsync(["analytics", "--help"]);
        Assert.Contains("toolgrains analytics --top 25", help.Stdout);
    }

    [Fact]
    public async Task Analytics_page_in_headless_Chromium_draws_the_seeded_tools_in_tables_and_SVG_charts()
    {
        var chromium = Repo.FindOnPath("chromium") ?? Repo.FindOnPath("chromium-browser");
        Assert.True(chromium is not null,
            "chromium is not installed, so the analytics page cannot be tested in a real browser: apt-get install -y chromium (scripts/test.sh installs it).");

        // The browser way in: ?api_key= once, then the cookie carries it to the page's own /api/analytics request.
        var url = $"{fixture.BaseUrl}/?api_key={SeededSiloFixture.ApiKey}";
        // Virtual time stands still while a request is pending, but a page can still be dumped before the report
        // arrives on a loaded machine: a few attempts, each a fresh browser.
        ProcessResult dom = null!;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            dom = await RunChromiumAsync(chromium!, "--dump-dom", url);
            if (dom.ExitCode == 0 && dom.Stdout.Contains("data-loaded=\"true\"", StringComparison.Ordinal)) break;
        }
        var html = dom.Stdout;
        Assert.True(html.Contains("data-loaded=\"true\"", StringComparison.Ordinal), $"the page did not render the report: {dom}");
        Assert.Contains("href=\"/dashboard\"", html);
        Assert.Contains("id=\"failures-svg\"", html);
        foreach (var (tool, failures, scenario) in SeededSiloFixture.Seeded)
        {
            Assert.Contains($"<rect x=\"170\"", html);
            Assert.Contains($"data-tool=\"{tool}\" data-count=\"{failures}\"", html); // its bar
            Assert.Contains($"<svg class=\"quality-svg\"", html);
            Assert.Matches($"<svg class=\"quality-svg\"[^>]*data-tool=\"{tool}\"[^>]*>.*?<polyline", html.Replace("\n", " ")); // its trend line
            Assert.Contains($"<tr data-tool=\"{tool}\">", html); // its table rows
            Assert.Contains(scenario, html);
        }
        Assert.Contains("not-for-javascript", html); // negative-tag history

        var artifacts = Directory.CreateDirectory(Path.Combine(Repo.Root, "TestResults", "analytics")).FullName;
        var screenshot = Path.Combine(artifacts, "analytics-page.png");
        File.Delete(screenshot);
        var shot = await RunChromiumAsync(chromium!, $"--screenshot={screenshot}", url);
        Assert.True(shot.ExitCode == 0 && File.Exists(screenshot) && new FileInfo(screenshot).Length > 10_000, $"no screenshot at {screenshot}: {shot}");
        await File.WriteAllTextAsync(Path.Combine(artifacts, "analytics-page.html"), html);
    }

    private static Task<ProcessResult> RunChromiumAsync(string chromium, string action, string url)
    {
        var profile = Repo.NewTempDir("chromium");
        return ProcessRunner.RunAsync(chromium,
        [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
            $"--user-data-dir={profile}", "--window-size=1280,1600", "--virtual-time-budget=5000", action, url,
        ], timeout: TimeSpan.FromSeconds(90));
    }
}

/// <summary>Without <c>ToolGrains:ApiKey</c> the page, the API and the dashboard are open.</summary>
[Collection(ProcessCollection.Name)]
public sealed class AnalyticsWithoutApiKeyTests
{
    [Fact]
    public async Task Analytics_without_an_API_key_everything_is_open()
    {
        var dir = Repo.NewTempDir("analytics-open");
        await using var silo = await SiloProcess.StartAsync(dir, new()
        {
            ["DataDir"] = Path.Combine(dir, "data"),
            ["ToolsDir"] = Path.Combine(dir, "tools"),
            ["Embeddings"] = "hashing",
        });
        using var http = new HttpClient();
        var report = JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{silo.HttpPort}/api/analytics")).RootElement;
        Assert.True(report.GetProperty("tool_count").GetInt32() >= 1); // the built-in usage tool
        Assert.Equal(0, report.GetProperty("total_failures").GetInt64());
        var page = await http.GetStringAsync($"http://127.0.0.1:{silo.HttpPort}/");
        Assert.Contains("<title>ToolGrains analytics</title>", page);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{silo.HttpPort}/dashboard")).StatusCode);
    }
}
