using System.Diagnostics;

namespace ToolGrains.Bench;

/// <summary>What the load drivers need from the repository: its root, a private PostgreSQL, the built silo.</summary>
internal static class BenchEnvironment
{
    public static string Root { get; } = FindRoot();

    private static string PostgresScript => Path.Combine(Root, "scripts", "postgres.sh");

    /// <summary>Starts a private PostgreSQL with the schema applied (scripts/postgres.sh); returns its connection string.</summary>
    public static string StartPostgres(out string? dir)
    {
        dir = Path.Combine(Path.GetTempPath(), "toolgrains-bench-pg-" + Guid.NewGuid().ToString("N")[..8]);
        return Run("bash", $"{PostgresScript} start {dir}").Trim().Split('\n').Last();
    }

    public static void StopPostgres(string dir) => Run("bash", $"{PostgresScript} stop {dir}");

    /// <summary>The Release build of the silo, built first when it is missing.</summary>
    public static string SiloDll()
    {
        var dll = Path.Combine(Root, "silo", "bin", "Release", "net10.0", "ToolGrains.Silo.dll");
        if (!File.Exists(dll))
        {
            Console.Error.WriteLine("building the silo (Release) ...");
            Run("dotnet", $"build -c Release \"{Path.Combine(Root, "silo")}\" -v quiet -nologo");
        }
        return dll;
    }

    public static string Run(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true })!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} {arguments} exited {process.ExitCode}");
        return output;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ToolGrains.sln"))) return dir.FullName;
        return Directory.GetCurrentDirectory();
    }
}
