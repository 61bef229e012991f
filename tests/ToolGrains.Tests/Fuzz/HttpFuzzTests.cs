using System.Net;
using System.Text;
using System.Text.Json;
using CsCheck;
using ToolGrains.Tests.Infrastructure;

namespace ToolGrains.Tests.Fuzz;

/// <summary>
/// Random HTTP at a real silo process: random methods, paths (escaped, unicode, traversal, very long),
/// content types and bodies at <c>/api/call/{tool}</c> and the other endpoints. Every answer is a result
/// or a clean error — never a 500, and from <c>/api/call</c> always JSON with a code and a message — the
/// silo stays up and ready, and a guard buffer keeps every item it acknowledged.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class HttpFuzzTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly Gen<string> ToolSegment = Gen.Frequency(
        (8, Gen.OneOf(FuzzInputs.Operations).Select(Uri.EscapeDataString)),
        (2, Gen.String.Select(Uri.EscapeDataString)),
        (1, Gen.OneOf("%00", "..%2F..%2Fetc%2Fpasswd", "%F0%9F%9A%80", "a%20b", "%25", "%C3%28", "buffer%2Fwrite", new string('t', 6000))));

    private static readonly Gen<(HttpMethod Method, string Path)> Route = Gen.Frequency(
        (10, ToolSegment.Select(t => (HttpMethod.Post, "/api/call/" + t))),
        (1, Gen.Select(Gen.OneOf(HttpMethod.Get, HttpMethod.Put, HttpMethod.Delete, HttpMethod.Patch, HttpMethod.Head), ToolSegment)
            .Select(x => (x.Item1, "/api/call/" + x.Item2))),
        (2, Gen.Select(Gen.OneOf(HttpMethod.Get, HttpMethod.Post, HttpMethod.Options),
                Gen.OneOf("/api/analytics", "/health/live", "/health/ready", "/", "/metrics", "/api", "/api/call", "/api/call/",
                    "/api/call/buffer/extra", "/nope", "/%2e%2e/%2e%2e/etc/passwd", "/api/analytics?x=%00"))
            .Select(x => (x.Item1, x.Item2))));

    private static readonly Gen<string?> ContentType = Gen.OneOf<string?>(
        "application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x", "application/json; charset=latin1", null);

    [Fact]
    public async Task Random_HTTP_gets_a_result_or_a_clean_error_and_the_silo_loses_nothing()
    {
        var dir = Repo.NewTempDir("httpfuzz");
        Directory.CreateDirectory(Path.Combine(dir, "tools"));
        await using var silo = await SiloProcess.StartAsync(dir, new()
        {
            ["DataDir"] = Path.Combine(dir, "data"),
            ["ToolsDir"] = Path.Combine(dir, "tools"),
        });
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{silo.HttpPort}"), Timeout = TimeSpan.FromSeconds(60) };

        var acknowledged = 0;
        var operationAnswers = new Dictionary<int, int>();
        for (var i = 0; i < 5; i++)
        {
            using var write = await http.PostAsync("/api/call/buffer",
                System.Net.Http.Json.JsonContent.Create(new { operation = "write", buffer_id = FuzzInputs.Guard, data = i, strategy = "manual" }));
            Assert.Equal(HttpStatusCode.OK, write.StatusCode);
            acknowledged++;
        }

        var seed = new FuzzSeed(output);
        var requests = seed.Take(Gen.Select(Route, ContentType, FuzzInputs.Body), 400)
            .Select(r => (r.Item1.Method, r.Item1.Path, ContentType: r.Item2, Body: r.Item3)).ToList();
        // Writes aimed at the guard buffer with every other field random, so that some are acknowledged.
        requests.AddRange(seed.Take(FuzzInputs.GuardWrite, 100).Select(body => (HttpMethod.Post, "/api/call/buffer", (string?)"application/json", body)));

        foreach (var (method, path, contentType, body) in requests)
        {
            using var request = new HttpRequestMessage(method, path);
            if (method != HttpMethod.Get && method != HttpMethod.Head)
            {
                request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
                if (contentType is not null) request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }
            var what = $"{seed}: {method} {path[..Math.Min(200, path.Length)]} ({contentType}) {body[..Math.Min(300, body.Length)]}";
            using var response = await http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True((int)response.StatusCode < 500, $"{what} -> {(int)response.StatusCode} {text[..Math.Min(500, text.Length)]}\nsilo log:\n{Tail(silo.Log)}");

            var isCall = method == HttpMethod.Post && path.StartsWith("/api/call/", StringComparison.Ordinal) && path.Length > "/api/call/".Length
                         && !path["/api/call/".Length..].Contains('/');
            // Refused by Kestrel or routing before our endpoint ran (a malformed path): a bare 4xx.
            if (!isCall || response.StatusCode != HttpStatusCode.OK && text.Length == 0) continue;
            // An operation's answer: JSON, with a clean error when it is not a 200.
            using var doc = JsonDocument.Parse(text);
            operationAnswers[(int)response.StatusCode] = operationAnswers.GetValueOrDefault((int)response.StatusCode) + 1;
            if (response.StatusCode != HttpStatusCode.OK)
            {
                var error = doc.RootElement.GetProperty("error");
                Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("code").GetString()), $"{what}: empty error code");
                Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()), $"{what}: empty error message");
                continue;
            }
            var tool = Uri.UnescapeDataString(path["/api/call/".Length..]);
            acknowledged += FuzzInputs.AcknowledgedGuardItems(tool, body, doc.RootElement);
        }

        // Past the 16 MiB body limit: refused on its declared length before the body is read, and the silo carries on.
        // (A raw socket: Kestrel answers and closes while HttpClient would still be sending 17 MiB.)
        Assert.StartsWith("HTTP/1.1 413", await RawStatusLineAsync(silo.HttpPort,
            "POST /api/call/buffer HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 17825792\r\n\r\n{\"operation\":"));

        Assert.False(silo.HasExited, "the silo died under fuzzing:\n" + Tail(silo.Log));
        Assert.True(await silo.IsReadyAsync(), "the silo is no longer ready after fuzzing");
        Assert.True(acknowledged > 10, $"{seed}: the fuzzer never got a write to the guard buffer acknowledged");
        // Most requests reached the operations and got both kinds of answer: the fuzz is not stopped at the door.
        var answers = string.Join(", ", operationAnswers.OrderBy(a => a.Key).Select(a => $"{a.Key}: {a.Value}"));
        Assert.True(operationAnswers.Values.Sum() > 300 && operationAnswers.ContainsKey(200) && operationAnswers.ContainsKey(400), $"{seed}: {answers}");
        using var statusResponse = await http.PostAsync("/api/call/buffer",
            System.Net.Http.Json.JsonContent.Create(new { operation = "status", buffer_id = FuzzInputs.Guard }));
        var status = JsonDocument.Parse(await statusResponse.Content.ReadAsStringAsync()).RootElement;
        Assert.True(acknowledged == status.GetProperty("buffered").GetInt32() + status.GetProperty("total_flushed").GetInt32(),
            $"{seed}: acknowledged {acknowledged}, the guard buffer holds {status}");
    }

    private static async Task<string> RawStatusLineAsync(int port, string request)
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await reader.ReadLineAsync(timeout.Token) ?? "";
    }

    private static string Tail(string log) => log.Length <= 4000 ? log : log[^4000..];
}
