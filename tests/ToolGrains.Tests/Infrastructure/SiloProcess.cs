using System.Diagnostics;
using System.Text;

namespace ToolGrains.Tests.Infrastructure;

/// <summary>A real silo process (<c>ToolGrains.Silo.dll</c>) on ports of its own, killed or stopped by the test.</summary>
internal sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    private SiloProcess(Process process, int siloPort, int gatewayPort, int httpPort)
    {
        _process = process;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
        HttpPort = httpPort;
    }

    public int SiloPort { get; }
    public int GatewayPort { get; }
    public int HttpPort { get; }
    public string Gateway => $"127.0.0.1:{GatewayPort}";
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public string Log { get { lock (_log) return _log.ToString(); } }

    /// <summary>Starts a silo with <c>ToolGrains:*</c> settings and waits for <c>/health/ready</c>.</summary>
    /// <param name="viaDotnetRun">Start it as the README does, <c>dotnet run --project silo</c> (built, not rebuilt),
    /// which picks its own working directory; otherwise <c>dotnet ToolGrains.Silo.dll</c> in <paramref name="workingDirectory"/>.</param>
    public static async Task<SiloProcess> StartAsync(string workingDirectory, Dictionary<string, string> settings,
        int? siloPort = null, int? gatewayPort = null, int? httpPort = null, bool waitReady = true, bool viaDotnetRun = false)
    {
        var ports = (Silo: siloPort ?? Repo.FreePort(), Gateway: gatewayPort ?? Repo.FreePort(), Http: httpPort ?? Repo.FreePort());
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        if (viaDotnetRun)
        {
            foreach (var arg in new[] { "run", "--no-build", "-c", Repo.Configuration, "--project", Repo.PathOf("silo") }) start.ArgumentList.Add(arg);
        }
        else
        {
            start.ArgumentList.Add(Repo.SiloDll);
        }
        start.Environment["ToolGrains__SiloPort"] = ports.Silo.ToString();
        start.Environment["ToolGrains__GatewayPort"] = ports.Gateway.ToString();
        start.Environment["ToolGrains__HttpPort"] = ports.Http.ToString();
        start.Environment["DOTNET_gcServer"] = "0";
        foreach (var (key, value) in settings) start.Environment["ToolGrains__" + key.Replace(":", "__")] = value;
        var process = Process.Start(start)!;
        var silo = new SiloProcess(process, ports.Silo, ports.Gateway, ports.Http);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (silo._log) silo._log.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (silo._log) silo._log.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (waitReady && !await Repo.WaitUntilAsync(silo.IsReadyAsync, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(250)))
        {
            await silo.DisposeAsync();
            throw new InvalidOperationException($"Silo did not become ready within 60 s:\n{silo.Log}");
        }
        return silo;
    }

    public async Task<bool> IsReadyAsync()
    {
        if (_process.HasExited) throw new InvalidOperationException($"Silo exited with {_process.ExitCode}:\n{Log}");
        try
        {
            using var response = await Http.GetAsync($"http://127.0.0.1:{HttpPort}/health/ready");
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    public Task<string> GetAsync(string path) => Http.GetStringAsync($"http://127.0.0.1:{HttpPort}{path}");

    /// <summary>SIGKILL: no shutdown code runs, as when a node dies.</summary>
    public async Task KillAsync()
    {
        if (_disposed || _process.HasExited) return;
        Process.Start("kill", ["-9", _process.Id.ToString()])!.WaitForExit();
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM: the graceful stop a Kubernetes pod gets.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            Process.Start("kill", ["-TERM", _process.Id.ToString()])!.WaitForExit();
            using var cts = new CancellationTokenSource(timeout);
            await _process.WaitForExitAsync(cts.Token);
        }
        return _process.ExitCode;
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    private bool _disposed;

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        if (!_process.HasExited)
        {
            try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
