using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using ToolGrains.Core.Protocol;
using ToolGrains.Grains.Catalog;
using ToolGrains.Grains.Security;
using ToolGrains.Core.Reputation;

namespace ToolGrains.Grains.Running;

/// <summary>
/// Runs one tool call: an executable (request on stdin, JSON on stdout, exit code, timeout with the
/// whole process tree killed, never through a shell), an HTTP POST, or a built-in .NET tool. Every
/// misbehaviour of a tool becomes an outcome, never an exception of the caller.
/// </summary>
public sealed class ToolRunner(IEnumerable<IBuiltinTool> builtins, IOptions<ToolRunnerOptions> options, TimeProvider time)
{
    private readonly HttpToolGuard _httpGuard = new(options.Value.HttpTools);
    // One client for all HTTP tools: sockets are pooled; each call has its own timeout token.
    private readonly HttpClient _http = new(HttpToolGuard.CreateHandler()) { Timeout = Timeout.InfiniteTimeSpan };
    private readonly Dictionary<string, IBuiltinTool> _builtins = builtins.ToDictionary(b => b.Name);
    private readonly SemaphoreSlim _processSlots = new(Math.Max(1, options.Value.MaxConcurrentProcesses));

    public ISet<string> BuiltinNames => _builtins.Keys.ToHashSet();

    /// <summary>
    /// <paramref name="tool"/> as it may be registered here: <see cref="ToolDescriptorRules"/> (tags normalised) and
    /// <see cref="WhyNotAllowed"/>; otherwise <c>invalid_request</c> or <c>forbidden</c> naming the field. Every way a
    /// tool is registered passes here: the catalog, and the reputation grain for a typed admin who calls it directly.
    /// </summary>
    public ToolDescriptor Admit(ToolDescriptor tool)
    {
        var admitted = ToolDescriptorRules.Checked(tool, BuiltinNames);
        if (WhyNotAllowed(admitted) is { } refusal)
            throw new ToolGrainsException(ErrorCodes.Forbidden, refusal.Message, refusal.Field);
        return admitted;
    }

    /// <summary>The real path a <c>jsonl_file_writer</c>'s <c>settings.path</c> names inside the sink folder, or null when it leaves it.</summary>
    public string? SinkPath(string path) => PathConfinement.ResolveInside(path, options.Value.SinkDirectory);

    /// <summary>
    /// Null when <paramref name="tool"/> may be registered and run here; otherwise why not and the field at fault:
    /// an executable whose real path is outside the allowed folders, an HTTP tool aimed at a link-local or metadata
    /// address or outside the allowed hosts, a <c>jsonl_file_writer</c> path that leaves the sink folder.
    /// </summary>
    public (string Message, string Field)? WhyNotAllowed(ToolDescriptor tool)
    {
        switch (tool.Kind)
        {
            case ToolKind.Executable:
                var allowed = options.Value.AllowedExecutableDirectories;
                if (allowed.Count == 0 || PathConfinement.IsInsideAny(tool.Target, allowed)) return null;
                return ($"'{Path.GetFullPath(tool.Target)}' is outside the folders executable tools may run from ({string.Join(", ", allowed)}), "
                    + "symbolic links followed; set ToolGrains:AllowedToolDirs to add one.", "executable.command");
            case ToolKind.Http:
                return _httpGuard.WhyNotAllowed(tool.Target) is { } why ? (why, "http.url") : null;
            case ToolKind.Builtin when tool.Target == JsonlFileWriterTool.BuiltinName:
                var path = JsonlFileWriterTool.PathSetting(tool);
                return path is not null && SinkPath(path) is null
                    ? ($"settings.path '{path}' must be a relative path inside the sink folder ({Path.GetFullPath(options.Value.SinkDirectory)}, ToolGrains:SinkDir).", "settings.path")
                    : null;
            default:
                return null;
        }
    }

    public async Task<ToolCallResult> RunAsync(ToolDescriptor tool, string inputJson, CancellationToken cancellationToken = default)
    {
        if (tool.Kind != ToolKind.Executable) return await RunCoreAsync(tool, inputJson, cancellationToken);
        // A process slot first, outside the tool's timeout: waiting for one is the silo's load, not the tool's fault.
        await _processSlots.WaitAsync(cancellationToken);
        try
        {
            return await RunCoreAsync(tool, inputJson, cancellationToken);
        }
        finally
        {
            _processSlots.Release();
        }
    }

    private async Task<ToolCallResult> RunCoreAsync(ToolDescriptor tool, string inputJson, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(tool.TimeoutSeconds));
        ToolCallResult Result(ToolOutcome outcome, string? result, string? error, FaultKind kind = FaultKind.None, TimeSpan? retryAfter = null) =>
            new(tool.Id, outcome, result, error, time.GetElapsedTime(started).TotalMilliseconds, kind.ToProtocolName(),
                retryAfter is { } r ? Math.Round(r.TotalSeconds, 3) : null);
        try
        {
            var output = tool.Kind switch
            {
                ToolKind.Builtin => await RunBuiltinAsync(tool, inputJson, timeout.Token),
                ToolKind.Http => await RunHttpAsync(tool, inputJson, timeout.Token),
                _ => await RunProcessAsync(tool, inputJson, timeout.Token),
            };
            if (!JsonText.IsValid(output))
                return Result(ToolOutcome.Failure, null, output.Length == 0 ? "The tool returned no output." : $"The tool returned output that is not JSON: {Shorten(output, 200)}", FaultKind.Permanent);
            return Result(ToolOutcome.Success, output, null);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return Result(ToolOutcome.Timeout, null, $"Timed out after {tool.TimeoutSeconds:0.###} s.", FaultKind.Transient);
        }
        catch (ToolBadRequestException ex)
        {
            return Result(ToolOutcome.BadRequest, null, ex.Message, FaultKind.CallerError);
        }
        catch (ToolFaultException ex) when (ex.Kind == FaultKind.CallerError)
        {
            return Result(ToolOutcome.BadRequest, null, ex.Message, FaultKind.CallerError);
        }
        catch (ToolFaultException ex)
        {
            return Result(ToolOutcome.Failure, null, ex.Message, ex.Kind is FaultKind.None ? FaultKind.Permanent : ex.Kind, ex.RetryAfter);
        }
        catch (ToolFailedException ex)
        {
            return Result(ToolOutcome.Failure, null, ex.Message, FaultKind.Permanent);
        }
        catch (HttpRequestException ex)
        {
            // No answer at all (connection refused or reset, DNS): the tool is unreachable, not unable.
            return Result(ToolOutcome.Failure, null, $"{ex.GetType().Name}: {ex.Message}", FaultKind.Transient);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return Result(ToolOutcome.Failure, null, $"{ex.GetType().Name}: {ex.Message}", FaultKind.Permanent);
        }
    }

    private async Task<string> RunBuiltinAsync(ToolDescriptor tool, string inputJson, CancellationToken ct)
    {
        if (!_builtins.TryGetValue(tool.Target, out var builtin))
            throw new ToolFailedException($"Builtin '{tool.Target}' is not available on this silo.");
        JsonElement input;
        try { input = JsonDocument.Parse(inputJson).RootElement; }
        catch (JsonException ex) { throw new ToolBadRequestException($"Input is not JSON: {ex.Message}"); }
        return await builtin.InvokeAsync(tool, input, ct);
    }

    private async Task<string> RunHttpAsync(ToolDescriptor tool, string inputJson, CancellationToken ct)
    {
        if (WhyNotAllowed(tool) is { } refusal) throw new ToolFailedException(refusal.Message);
        using var request = new HttpRequestMessage(HttpMethod.Post, tool.Target) { Content = new StringContent(inputJson, Encoding.UTF8, "application/json") };
        // Headers only: the body is read as a stream and cut at the cap, never buffered whole first.
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if ((int)response.StatusCode is >= 300 and < 400)
            throw new ToolFailedException($"HTTP {(int)response.StatusCode}: HTTP tools never follow redirects (to {response.Headers.Location}).");
        var body = await ReadLimitedAsync(await response.Content.ReadAsStreamAsync(ct), ct);
        var kind = FaultClassifier.OfHttpStatus((int)response.StatusCode);
        if (kind == FaultKind.None) return body;
        var message = $"HTTP {(int)response.StatusCode}: {Shorten(body, options.Value.MaxErrorChars)}";
        if (kind == FaultKind.CallerError) throw new ToolBadRequestException(message);
        // The body may say more precisely (the JSON error of the executable contract); the status decides otherwise.
        var named = FaultClassifier.ParseErrorJson(body);
        var retryAfter = response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date > time.GetUtcNow() ? date - time.GetUtcNow() : TimeSpan.Zero,
            _ => named?.RetryAfter,
        };
        throw new ToolFaultException(named?.Kind ?? kind, message, retryAfter);
    }

    private async Task<string> RunProcessAsync(ToolDescriptor tool, string inputJson, CancellationToken ct)
    {
        if (WhyNotAllowed(tool) is { } refusal) throw new ToolFailedException(refusal.Message);
        var start = new ProcessStartInfo(tool.Target)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = tool.WorkingDirectory ?? Path.GetDirectoryName(tool.Target)!,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var arg in tool.Args) start.ArgumentList.Add(arg);
        start.Environment.Clear();
        foreach (var name in options.Value.PassedEnvironment)
        {
            if (Environment.GetEnvironmentVariable(name) is { } value) start.Environment[name] = value;
        }
        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Exception ex)
        {
            throw new ToolFailedException($"Could not start '{tool.Target}': {ex.Message}");
        }
        try
        {
            var stdout = ReadLimitedAsync(process.StandardOutput.BaseStream, ct);
            var stderr = ReadTailAsync(process.StandardError, options.Value.MaxErrorChars, ct);
            try
            {
                await process.StandardInput.WriteAsync(inputJson.AsMemory(), ct);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The tool exited without reading its input; its exit code tells the rest.
            }
            var output = await stdout;
            await process.WaitForExitAsync(ct);
            var errorTail = await stderr;
            if (process.ExitCode != 0)
            {
                // The kind: a JSON error on stdout names it; otherwise the exit code (75, 69 transient; 64 the caller's).
                var named = FaultClassifier.ParseErrorJson(output);
                var detail = errorTail.Length > 0 ? errorTail.Trim() : named?.Message ?? "(no stderr)";
                throw new ToolFaultException(named?.Kind ?? FaultClassifier.OfExitCode(process.ExitCode),
                    $"Exit code {process.ExitCode}: {detail}", named?.RetryAfter);
            }
            return output;
        }
        finally
        {
            if (!process.HasExited)
            {
                try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            }
        }
    }

    private async Task<string> ReadLimitedAsync(Stream stream, CancellationToken ct)
    {
        var limit = options.Value.MaxOutputBytes;
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > limit)
                throw new ToolFailedException($"The tool wrote more than {limit} bytes of output.");
            buffer.Write(chunk, 0, read);
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length).Trim();
    }

    private static async Task<string> ReadTailAsync(StreamReader reader, int maxChars, CancellationToken ct)
    {
        var tail = new StringBuilder();
        var chunk = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(chunk, ct)) > 0)
        {
            tail.Append(chunk, 0, read);
            if (tail.Length > maxChars * 2) tail.Remove(0, tail.Length - maxChars);
        }
        return tail.Length > maxChars ? tail.ToString(tail.Length - maxChars, maxChars) : tail.ToString();
    }

    private static string Shorten(string s, int max) => s.Length <= max ? s : s[..max] + "…";
}

internal sealed class ToolFailedException(string message) : Exception(message);

/// <summary>A failure whose kind the tool said (or its exit code or HTTP status told); a built-in tool throws it to say
/// that it is down (<see cref="FaultKind.Transient"/>, with an optional retry delay) or cannot do the request
/// (<see cref="FaultKind.Permanent"/>).</summary>
public sealed class ToolFaultException(FaultKind kind, string message, TimeSpan? retryAfter = null) : Exception(message)
{
    public FaultKind Kind { get; } = kind;

    public TimeSpan? RetryAfter { get; } = retryAfter;
}
