using System.Text.Json;
using ToolGrains.Tests.Infrastructure;

namespace ToolGrains.Tests.Processes;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
/// <summary>What a silo must not do: leak its connection string into logs, or run executables from anywhere.</summary>
[Collection(ProcessCollection.Name)]
public sealed class SecurityTests(PostgresServer server) : IClassFixture<PostgresServer>
{
    [Fact]
    public async Task The_connection_string_never_reaches_the_log()
    {
        var connection = await server.CreateDatabaseAsync("secrets");
        var dir = Repo.NewTempDir("secrets");
        await using var silo = await SiloProcess.StartAsync(dir, new()
        {
            ["Storage"] = "postgres",
            ["ConnectionString"] = connection,
            ["AdvertisedIp"] = "127.0.0.1",
        });
        // Exercise storage, reminders and a refused request, so their log lines exist too.
        var write = await ProcessRunner.CliAsync(["--gateway", silo.Gateway, "buffer", "write", "secret-test", "1", "--strategy", "manual"]);
        Assert.Equal(0, write.ExitCode);
        await ProcessRunner.CliAsync(["--gateway", silo.Gateway, "buffer", "write", "secret-test", "1", "--max-size", "0"]);

        var password = connection.Split(';').Single(p => p.StartsWith("Password=", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(password, silo.Log, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(connection, silo.Log);
        Assert.DoesNotContain("Password=", silo.Log, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Executable_tools_outside_the_tools_folder_are_refused()
    {
        var dir = Repo.NewTempDir("allow");
        var tools = Directory.CreateDirectory(Path.Combine(dir, "tools")).FullName;
        var elsewhere = Directory.CreateDirectory(Path.Combine(dir, "elsewhere")).FullName;
        foreach (var folder in new[] { tools, elsewhere })
        {
            Repo.WriteScript(Path.Combine(folder, "echo.sh"), "#!/bin/bash\ncat\n");
            await File.WriteAllTextAsync(Path.Combine(folder, "echo.yaml"), $"""
                id: echo_{Path.GetFileName(folder)}
                description: Echoes its input
                executable:
                  command: ./echo.sh
                """);
        }
        await using var silo = await SiloProcess.StartAsync(dir, new() { ["DataDir"] = Path.Combine(dir, "data"), ["ToolsDir"] = tools });

        var refused = await ProcessRunner.CliAsync(["--gateway", silo.Gateway, "--json", "tools", "register", Path.Combine(elsewhere, "echo.yaml")]);
        Assert.Equal(5, refused.ExitCode);
        var error = JsonDocument.Parse(refused.Stdout).RootElement.GetProperty("error");
        Assert.Equal("forbidden", error.GetProperty("code").GetString());
        Assert.Equal("executable.command", error.GetProperty("field").GetString());
        Assert.Contains("outside the folders", error.GetProperty("message").GetString());

        // The one in the tools folder was registered at start and runs.
        var call = await ProcessRunner.CliAsync(["--gateway", silo.Gateway, "call", "echo_tools"], stdin: """{"hello":"world"}""");
        Assert.True(call.ExitCode == 0, call.ToString());
        Assert.Equal("world", JsonDocument.Parse(call.Stdout).RootElement.GetProperty("hello").GetString());
    }
}
