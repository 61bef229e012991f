using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ToolGrains.Bench;

/// <summary>
/// The cluster a soak runs against: silo processes it starts itself on the postgres profile (each on its own
/// ports on 127.0.0.1, logs in the results folder), or a running cluster named by its gateways.
/// </summary>
internal sealed class SoakCluster : IAsyncDisposable
{
    private readonly string? _postgresDir;

    private SoakCluster(IReadOnlyList<IPEndPoint> gateways, IReadOnlyList<SoakSilo> silos, string description, string? postgresDir)
    {
        Gateways = gateways;
        Silos = silos;
        Description = description;
        _postgresDir = postgresDir;
    }

    public IReadOnlyList<IPEndPoint> Gateways { get; }

    /// <summary>The silos this process started (their memory is read from /proc); empty for a running cluster.</summary>
    public IReadOnlyList<SoakSilo> Silos { get; }

    public string Description { get; }

    public static SoakCluster Existing(string gateways) => new(
        [.. gateways.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(IPEndPoint.Parse)],
        [], "running cluster at " + gateways, null);

    public static async Task<SoakCluster> StartAsync(int count, string? connectionString, string outDir)
    {
        string? postgresDir = null;
        if (connectionString is null)
        {
            Console.Error.WriteLine("starting a private PostgreSQL (scripts/postgres.sh) ...");
            connectionString = BenchEnvironment.StartPostgres(out postgresDir);
        }
        var dll = BenchEnvironment.SiloDll();
        var tools = WriteTools(outDir);
        var silos = new List<SoakSilo>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                Console.Error.WriteLine($"starting silo {i + 1} of {count} ...");
                silos.Add(await SoakSilo.StartAsync(dll, i + 1, connectionString, tools, outDir));
            }
        }
        catch
        {
            foreach (var silo in silos) await silo.DisposeAsync();
            if (postgresDir is not null) BenchEnvironment.StopPostgres(postgresDir);
            throw;
        }
        return new SoakCluster([.. silos.Select(s => new IPEndPoint(IPAddress.Loopback, s.GatewayPort))], silos,
            "postgres profile, silo processes started by the bench", postgresDir);
    }

    /// <summary>A tool folder with one flaky executable, so that resilient calls fail, learn and run real processes.</summary>
    private static string WriteTools(string outDir)
    {
        var tools = Directory.CreateDirectory(Path.Combine(outDir, "tools")).FullName;
        var script = Path.Combine(tools, "flaky.sh");
        // Fails one call in three: the invoker demotes it for the scenarios it failed and falls back to soak_steady.
        File.WriteAllText(script, "#!/bin/sh\nif [ $(( $(od -An -N1 -tu1 /dev/urandom) % 3 )) -eq 0 ]; then echo 'upstream unavailable' >&2; exit 1; fi\necho '{\"ok\":true}'\n");
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(Path.Combine(tools, "flaky.yaml"), """
            id: soak_flaky
            description: Summarizes status reports and incident timelines with an external model
            tags: [soak]
            quality: 0.95
            executable:
              command: ./flaky.sh
              timeout_seconds: 5
            """);
        return tools;
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(Silos.Select(s => s.DisposeAsync().AsTask()));
        if (_postgresDir is not null) BenchEnvironment.StopPostgres(_postgresDir);
    }
}

/// <summary>One silo process of the soak: <c>ToolGrains.Silo.dll</c> with its log in <c>silo-N.log</c>.</summary>
internal sealed class SoakSilo : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly Process _process;
    private readonly StreamWriter _log;

    private SoakSilo(Process process, StreamWriter log, int siloPort, int gatewayPort)
    {
        _process = process;
        _log = log;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
    }

    public int SiloPort { get; }
    public int GatewayPort { get; }

    public static async Task<SoakSilo> StartAsync(string dll, int number, string connectionString, string tools, string outDir)
    {
        var (siloPort, gatewayPort, httpPort) = (FreePort(), FreePort(), FreePort());
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = outDir,
        };
        start.ArgumentList.Add(dll);
        start.Environment["ToolGrains__Storage"] = "postgres";
        start.Environment["ToolGrains__ConnectionString"] = connectionString;
        start.Environment["ToolGrains__AdvertisedIp"] = "127.0.0.1";
        start.Environment["ToolGrains__SiloPort"] = siloPort.ToString(CultureInfo.InvariantCulture);
        start.Environment["ToolGrains__GatewayPort"] = gatewayPort.ToString(CultureInfo.InvariantCulture);
        start.Environment["ToolGrains__HttpPort"] = httpPort.ToString(CultureInfo.InvariantCulture);
        start.Environment["ToolGrains__ToolsDir"] = tools;
        start.Environment["ToolGrains__SiloName"] = $"soak-{number}";
        var log = new StreamWriter(Path.Combine(outDir, $"silo-{number}.log")) { AutoFlush = true };
        var process = Process.Start(start)!;
        var silo = new SoakSilo(process, log, siloPort, gatewayPort);
        process.OutputDataReceived += (_, e) => silo.Append(e.Data);
        process.ErrorDataReceived += (_, e) => silo.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var clock = Stopwatch.StartNew();
        while (!await IsReadyAsync(httpPort))
        {
            if (process.HasExited || clock.Elapsed > TimeSpan.FromSeconds(120))
            {
                await silo.DisposeAsync();
                throw new InvalidOperationException($"silo {number} did not become ready; see {Path.Combine(outDir, $"silo-{number}.log")}");
            }
            await Task.Delay(250);
        }
        return silo;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_log) _log.WriteLine(line);
    }

    private static async Task<bool> IsReadyAsync(int httpPort)
    {
        try
        {
            using var response = await Http.GetAsync($"http://127.0.0.1:{httpPort}/health/ready");
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>Resident set size from /proc: what the process costs its node, managed or not. Null once it exited.</summary>
    public double? ResidentMb()
    {
        try
        {
            var line = File.ReadLines($"/proc/{_process.Id}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? null : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>SIGTERM, the graceful stop; SIGKILL when it takes longer than 45 s.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)])!.WaitForExit();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(45));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync(); // its last lines are written before the log closes
            }
        }
        _process.Dispose();
        lock (_log) _log.Dispose();
    }
}
