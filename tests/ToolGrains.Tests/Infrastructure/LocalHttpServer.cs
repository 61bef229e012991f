using System.Net;
using System.Text;

namespace ToolGrains.Tests.Infrastructure;

/// <summary>A real HTTP server on 127.0.0.1 and a free port: each path answers with the status, body and delay a test sets.</summary>
public sealed class LocalHttpServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private readonly Dictionary<string, (int Status, string Body, TimeSpan Delay)> _routes = [];
    private readonly Dictionary<string, Dictionary<string, string>> _headers = [];

    public LocalHttpServer()
    {
        Port = Repo.FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }

    /// <summary>Request bodies received, in order, by path.</summary>
    public List<(string Path, string Body)> Received { get; } = [];

    /// <summary>When each request arrived (wall clock), in the order of <see cref="Received"/>.</summary>
    public List<(string Path, DateTime At)> ReceivedAt { get; } = [];

    /// <summary>Extra response headers of a path (such as <c>Retry-After</c>); null removes them.</summary>
    public LocalHttpServer Headers(string path, Dictionary<string, string>? headers)
    {
        lock (_routes)
        {
            if (headers is null) _headers.Remove("/" + path);
            else _headers["/" + path] = headers;
        }
        return this;
    }

    public string Url(string path) => $"http://127.0.0.1:{Port}/{path}";

    public LocalHttpServer Route(string path, int status, string body, TimeSpan? delay = null)
    {
        lock (_routes) _routes["/" + path] = (status, body, delay ?? TimeSpan.Zero);
        return this;
    }

    /// <summary>Answers <paramref name="path"/> with a 302 to <paramref name="location"/>.</summary>
    public LocalHttpServer Redirect(string path, string location) =>
        Route(path, 302, "{}").Headers(path, new() { ["Location"] = location });

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception) { return; }
            _ = Task.Run(() => AnswerAsync(context));
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        try
        {
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var path = context.Request.Url!.AbsolutePath;
            lock (Received)
            {
                Received.Add((path, body));
                ReceivedAt.Add((path, DateTime.UtcNow));
            }
            (int Status, string Body, TimeSpan Delay) route;
            Dictionary<string, string>? headers;
            lock (_routes)
            {
                route = _routes.TryGetValue(path, out var r) ? r : (404, """{"error":"no route"}""", TimeSpan.Zero);
                headers = _headers.TryGetValue(path, out var h) ? h : null;
            }
            if (route.Delay > TimeSpan.Zero) await Task.Delay(route.Delay);
            var bytes = Encoding.UTF8.GetBytes(route.Body);
            context.Response.StatusCode = route.Status;
            context.Response.ContentType = "application/json";
            foreach (var (name, value) in headers ?? []) context.Response.Headers[name] = value;
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
        catch (Exception)
        {
            // The client gave up (a timeout test): nothing to answer.
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }
}
