using System.Diagnostics;
using System.Text;

namespace ToolGrains.Tests.Infrastructure;

internal sealed record ProcessResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}

internal static class ProcessRunner
{
    public static async Task<ProcessResult> RunAsync(string file, IEnumerable<string> args, string? stdin = null,
        IDictionary<string, string?>? env = null, string? workingDirectory = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Repo.Root,
        };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var (key, value) in env ?? new Dictionary<string, string?>()) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null) await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not exit within {timeout}: {await stdout} {await stderr}");
        }
        return new ProcessResult(process.ExitCode, (await stdout).Trim(), (await stderr).Trim());
    }

    /// <summary>Runs the built <c>toolgrains</c> CLI.</summary>
    public static Task<ProcessResult> CliAsync(IEnumerable<string> args, string? stdin = null, IDictionary<string, string?>? env = null,
        TimeSpan? timeout = null, string? workingDirectory = null) =>
        RunAsync("dotnet", [Repo.CliDll, .. args], stdin, env, workingDirectory, timeout ?? TimeSpan.FromSeconds(60));
}
