using System.Net;
using System.Net.Sockets;
using System.Reflection;

namespace ToolGrains.Tests.Infrastructure;

internal static class Repo
{
    public static string Root { get; } = FindRoot();

    /// <summary>The configuration this test assembly was built in; the silo and CLI were built in the same one.</summary>
    public static string Configuration { get; } =
        typeof(Repo).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>The full path of <paramref name="command"/> on PATH, or null.</summary>
    public static string? FindOnPath(string command) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, command))
            .FirstOrDefault(File.Exists);

    public static string SiloDll => Path.Combine(Root, "silo", "bin", Configuration, "net10.0", "ToolGrains.Silo.dll");
    public static string CliDll => Path.Combine(Root, "client", "bin", Configuration, "net10.0", "toolgrains.dll");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ToolGrains.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("ToolGrains.sln not found above " + AppContext.BaseDirectory);
    }

    public static string NewTempDir(string prefix)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"toolgrains-{prefix}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/> as a script its owner may run.</summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public static void WriteScript(string path, string text)
    {
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, bool> IssuedPorts = new();

    /// <summary>
    /// A TCP port nothing listens on now (the OS picks it), never one this test run handed out before: the OS can
    /// give the same free port to two listeners opened one after the other, and a silo once got it as both its
    /// silo and gateway port.
    /// </summary>
    public static int FreePort()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            if (IssuedPorts.TryAdd(port, true)) return port;
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds or the deadline passes: no fixed sleeps.</summary>
    public static async Task<bool> WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, TimeSpan? every = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition()) return true;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                // Not there yet (a silo still starting, a grain still activating): try again.
            }
            await Task.Delay(every ?? TimeSpan.FromMilliseconds(100));
        }
        return await condition();
    }
}
