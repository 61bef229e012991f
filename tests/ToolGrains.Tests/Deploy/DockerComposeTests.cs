using ToolGrains.Tests.Infrastructure;
using System.Net;
using System.Net.Sockets;
using System.Text;
using YamlDotNet.RepresentationModel;

namespace ToolGrains.Tests.Deploy;

/// <summary>
/// docker-compose.yml as docker-compose itself reads it (<c>docker-compose config</c>, which needs no
/// Docker engine): the services, their ports, health checks, network and the schema mount, and the API
/// keys it takes from an env file (scripts/compose-keys.sh writes one; .env.example shows its shape).
/// </summary>
public sealed class DockerComposeTests
{
    private static readonly string[] Services = ["postgres", "qdrant", "silo1", "silo2"];
    private static readonly string[] KeyVariables = ["TOOLGRAINS_ADMIN_KEY", "TOOLGRAINS_CALLER_KEY", "TOOLGRAINS_READER_KEY"];

    /// <summary>The env file the rendered config is read with: one key per role, as in .env.</summary>
    private static readonly Dictionary<string, string> TestKeys = new()
    {
        ["TOOLGRAINS_ADMIN_KEY"] = "compose-test-admin-key-0001",
        ["TOOLGRAINS_CALLER_KEY"] = "compose-test-caller-key-0002",
        ["TOOLGRAINS_READER_KEY"] = "compose-test-reader-key-0003",
    };

    [Fact]
    public async Task Config_is_valid_and_declares_the_four_services_on_the_private_network()
    {
        var config = await ComposeConfigAsync();
        var services = Map(config, "services");
        foreach (var name in Services) Assert.True(services.Children.ContainsKey(name), $"service '{name}' missing");

        Assert.True(Map(config, "networks").Children.ContainsKey("toolgrains"), "network 'toolgrains' not declared");
        foreach (var name in Services.Append("cli"))
        {
            var networks = Map(services, name).Children[new YamlScalarNode("networks")];
            var names = networks is YamlMappingNode m ? m.Children.Keys.Select(Text) : ((YamlSequenceNode)networks).Select(Text);
            Assert.Equal(["toolgrains"], names);
        }
    }

    [Fact]
    public async Task Postgres_applies_the_schema_folder_at_init_and_reports_healthy_over_tcp()
    {
        var postgres = Map(Map(await ComposeConfigAsync(), "services"), "postgres");
        Assert.StartsWith("postgres:", Scalar(postgres, "image"));

        var mounts = Seq(postgres, "volumes").Select(Text).ToList();
        var schemaMount = Assert.Single(mounts, m => m.Split(':')[1] == "/docker-entrypoint-initdb.d");
        var source = schemaMount.Split(':')[0];
        Assert.Equal(Repo.PathOf("deploy", "sql", "postgresql"), Path.GetFullPath(source));
        // The image runs *.sql there in file-name order; ours are numbered so that order is 001..004.
        var sql = Directory.GetFiles(source, "*.sql").Select(Path.GetFileName).ToList();
        Assert.NotEmpty(sql);
        Assert.Equal(sql.Order(StringComparer.Ordinal), SqlFilesInApplyOrder());

        var env = Map(postgres, "environment");
        Assert.Equal("toolgrains", Scalar(env, "POSTGRES_DB"));
        Assert.Equal("toolgrains", Scalar(env, "POSTGRES_USER"));

        var test = HealthcheckTest(postgres);
        Assert.Contains("pg_isready", test);
        Assert.Contains("-h 127.0.0.1", test);
    }

    [Fact]
    public async Task Qdrant_has_a_readiness_healthcheck()
    {
        var qdrant = Map(Map(await ComposeConfigAsync(), "services"), "qdrant");
        Assert.StartsWith("qdrant/qdrant:", Scalar(qdrant, "image"));
        var test = HealthcheckTest(qdrant);
        Assert.Contains("/dev/tcp/127.0.0.1/6333", test);
        Assert.Contains("/readyz", test);
    }

    [Theory]
    [InlineData("silo1", 30000, 8080)]
    [InlineData("silo2", 30001, 8081)]
    public async Task Silos_run_the_postgres_profile_with_distinct_host_ports_and_a_readiness_healthcheck(string name, int gatewayHostPort, int httpHostPort)
    {
        var silo = Map(Map(await ComposeConfigAsync(), "services"), name);

        var build = Map(silo, "build");
        Assert.Equal("silo/Dockerfile", Scalar(build, "dockerfile"));
        Assert.Equal(Repo.Root, Path.GetFullPath(Scalar(build, "context")));

        var ports = Seq(silo, "ports").Select(ParsePort).ToList();
        Assert.Contains(("127.0.0.1", gatewayHostPort, 30000), ports);
        Assert.Contains(("127.0.0.1", httpHostPort, 8080), ports);
        Assert.Equal(2, ports.Count);

        var env = Map(silo, "environment");
        Assert.Equal("postgres", Scalar(env, "ToolGrains__Storage"));
        Assert.Contains("Host=postgres;", Scalar(env, "ToolGrains__ConnectionString"));
        Assert.Equal("30000", Scalar(env, "ToolGrains__GatewayPort"));
        Assert.Equal("8080", Scalar(env, "ToolGrains__HttpPort"));
        Assert.Equal(name, Scalar(env, "ToolGrains__SiloName"));
        Assert.False(string.IsNullOrWhiteSpace(Scalar(env, "ToolGrains__ClusterId")));
        Assert.StartsWith("http://qdrant:", Scalar(env, "ToolGrains__Qdrant__Url"));

        // Inside the container the silo listens on every interface (silos dial each other on the private
        // network), so it needs keys: one per role, from the env file.
        Assert.Equal("0.0.0.0", Scalar(env, "ToolGrains__ListenAddress"));
        Assert.False(env.Children.ContainsKey(new YamlScalarNode("ToolGrains__AllowAnonymous")), "compose must not allow anonymous callers");
        string[] roles = ["admin", "caller", "reader"];
        for (var i = 0; i < roles.Length; i++)
        {
            Assert.Equal(roles[i], Scalar(env, $"ToolGrains__ApiKeys__{i}__Role"));
            Assert.Equal(TestKeys[KeyVariables[i]], Scalar(env, $"ToolGrains__ApiKeys__{i}__Key"));
        }
        Assert.DoesNotContain(env.Children.Keys.Select(Text), k => k.StartsWith("ToolGrains__ApiKeys__3", StringComparison.Ordinal));

        var dependsOn = Map(silo, "depends_on");
        Assert.Equal("service_healthy", Scalar(Map(dependsOn, "postgres"), "condition"));

        // The aspnet image has no curl: the check is deploy/docker/http-check.sh, copied into the image.
        Assert.Equal(["CMD", "http-check", "8080", "/health/ready"], Seq(Map(silo, "healthcheck"), "test").Select(Text));
        Assert.Contains("deploy/docker/http-check.sh /usr/local/bin/http-check", File.ReadAllText(Repo.PathOf("silo", "Dockerfile")));
    }

    [Fact]
    public async Task Published_host_ports_are_distinct_and_bound_to_the_hosts_loopback_only()
    {
        var services = Map(await ComposeConfigAsync(), "services");
        var published = services.Children.Values.OfType<YamlMappingNode>()
            .Where(s => s.Children.ContainsKey(new YamlScalarNode("ports")))
            .SelectMany(s => Seq(s, "ports").Select(ParsePort))
            .ToList();
        Assert.Equal(4, published.Count);
        Assert.Equal(published.Count, published.Select(p => p.Host).Distinct().Count());
        Assert.All(published, p => Assert.Equal("127.0.0.1", p.Ip));
    }

    [Fact]
    public async Task A_missing_or_empty_key_stops_compose_with_the_variables_name_and_the_script()
    {
        // .env.example as committed: every key empty, so copying it unchanged cannot start a silo.
        var example = await ComposeConfigWithEnvFileAsync(Repo.PathOf(".env.example"));
        Assert.NotEqual(0, example.ExitCode);
        Assert.Contains("TOOLGRAINS_ADMIN_KEY is not set", example.Stderr);
        Assert.Contains("scripts/compose-keys.sh", example.Stderr);

        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, $"TOOLGRAINS_ADMIN_KEY={TestKeys["TOOLGRAINS_ADMIN_KEY"]}\nTOOLGRAINS_READER_KEY={TestKeys["TOOLGRAINS_READER_KEY"]}\n");
            var partial = await ComposeConfigWithEnvFileAsync(file);
            Assert.NotEqual(0, partial.ExitCode);
            Assert.Contains("TOOLGRAINS_CALLER_KEY is not set", partial.Stderr);
            // The message quotes the file's ${...} references, never a value it read.
            Assert.DoesNotContain(TestKeys["TOOLGRAINS_ADMIN_KEY"], partial.Stderr + partial.Stdout);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact, System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task Compose_keys_script_writes_one_random_key_per_role_once_and_compose_passes_them_to_the_silos()
    {
        var dir = Directory.CreateTempSubdirectory("toolgrains-compose-keys-");
        try
        {
            var script = Repo.PathOf("scripts", "compose-keys.sh");
            var file = Path.Combine(dir.FullName, "keys.env");
            var first = await ProcessRunner.RunAsync("bash", [script, file], timeout: TimeSpan.FromSeconds(20));
            Assert.True(first.ExitCode == 0, first.ToString());
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            var keys = ReadEnvFile(file);
            Assert.Equal(KeyVariables, keys.Keys);
            Assert.All(keys.Values, k => Assert.Matches("^[0-9a-f]{48}$", k));
            Assert.Equal(3, keys.Values.Distinct().Count());

            // Again: nothing changes, so keys already handed out stay valid.
            var text = await File.ReadAllTextAsync(file);
            var second = await ProcessRunner.RunAsync("bash", [script, file], timeout: TimeSpan.FromSeconds(20));
            Assert.True(second.ExitCode == 0, second.ToString());
            Assert.Equal(text, await File.ReadAllTextAsync(file));

            var rendered = await ComposeConfigWithEnvFileAsync(file);
            Assert.True(rendered.ExitCode == 0, rendered.ToString());
            var services = Map(LoadYaml(rendered.Stdout), "services");
            foreach (var silo in new[] { "silo1", "silo2" })
                Assert.Equal(keys["TOOLGRAINS_ADMIN_KEY"], Scalar(Map(Map(services, silo), "environment"), "ToolGrains__ApiKeys__0__Key"));
            Assert.Equal(keys["TOOLGRAINS_ADMIN_KEY"], Scalar(Map(Map(services, "cli"), "environment"), "TOOLGRAINS_API_KEY"));

            // A copy of .env.example (empty placeholders, readable by all) is filled in, not shadowed, and made private.
            var copy = Path.Combine(dir.FullName, "copied.env");
            File.Copy(Repo.PathOf(".env.example"), copy);
            File.SetUnixFileMode(copy, File.GetUnixFileMode(copy) | UnixFileMode.OtherRead);
            var filled = await ProcessRunner.RunAsync("bash", [script, copy], timeout: TimeSpan.FromSeconds(20));
            Assert.True(filled.ExitCode == 0, filled.ToString());
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(copy));
            var lines = (await File.ReadAllLinesAsync(copy)).Where(l => l.StartsWith("TOOLGRAINS_", StringComparison.Ordinal)).ToList();
            Assert.Equal(3, lines.Count);
            Assert.All(ReadEnvFile(copy).Values, k => Assert.Matches("^[0-9a-f]{48}$", k));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void No_key_is_written_in_the_compose_file_or_in_the_example_env_file()
    {
        // Every key setting in docker-compose.yml is a required ${VAR:?message} reference to the env file.
        var keyLines = File.ReadAllLines(Repo.PathOf("docker-compose.yml"))
            .Select(l => System.Text.RegularExpressions.Regex.Match(l, @"^\s*(ToolGrains__ApiKeys__\d+__Key|ToolGrains__ApiKey|TOOLGRAINS_API_KEY):\s*(.*)$"))
            .Where(m => m.Success)
            .ToList();
        Assert.Equal(4, keyLines.Count); // three roles for the silos, the admin key for the cli service
        foreach (var line in keyLines)
            Assert.Matches(@"^\$\{TOOLGRAINS_(ADMIN|CALLER|READER)_KEY:\?TOOLGRAINS_\1_KEY is not set", line.Groups[2].Value);

        // The committed example holds no key at all.
        Assert.All(ReadEnvFile(Repo.PathOf(".env.example")), kv => Assert.Equal("", kv.Value));
        Assert.Equal(KeyVariables.Order(StringComparer.Ordinal), ReadEnvFile(Repo.PathOf(".env.example")).Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_env_file_is_ignored_by_git()
    {
        var git = Repo.FindOnPath("git") ?? throw new Xunit.Sdk.XunitException("git is not on PATH");
        var ignored = await ProcessRunner.RunAsync(git, ["check-ignore", "--no-index", ".env"], timeout: TimeSpan.FromSeconds(20));
        Assert.True(ignored.ExitCode == 0, $".env is not ignored by git: {ignored}");
        var example = await ProcessRunner.RunAsync(git, ["check-ignore", "--no-index", ".env.example"], timeout: TimeSpan.FromSeconds(20));
        Assert.Equal(1, example.ExitCode);
    }

    [Fact]
    public async Task Cli_service_is_in_the_tools_profile_and_discovers_gateways_in_postgres()
    {
        var cli = Map(Map(await ComposeConfigAsync(), "services"), "cli");
        Assert.Equal(["tools"], Seq(cli, "profiles").Select(Text));
        Assert.Equal("client/Dockerfile", Scalar(Map(cli, "build"), "dockerfile"));
        Assert.Contains("Host=postgres;", Scalar(Map(cli, "environment"), "TOOLGRAINS_POSTGRES"));
        Assert.Equal(TestKeys["TOOLGRAINS_ADMIN_KEY"], Scalar(Map(cli, "environment"), "TOOLGRAINS_API_KEY"));
    }

    [Fact]
    public async Task Http_check_passes_on_200_and_fails_otherwise()
    {
        var script = Repo.PathOf("deploy", "docker", "http-check.sh");
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var server = ServeAsync(listener, path => path == "/health/ready" ? "200 OK" : "503 Service Unavailable", requests: 2);

        var ready = await ProcessRunner.RunAsync("bash", [script, port, "/health/ready"], timeout: TimeSpan.FromSeconds(20));
        Assert.True(ready.ExitCode == 0, ready.Stderr);
        var notReady = await ProcessRunner.RunAsync("bash", [script, port, "/other"], timeout: TimeSpan.FromSeconds(20));
        Assert.Equal(1, notReady.ExitCode);
        Assert.Contains("503", notReady.Stderr);
        await server;
        listener.Stop();

        var closed = await ProcessRunner.RunAsync("bash", [script, port, "/health/ready"], timeout: TimeSpan.FromSeconds(20));
        Assert.Equal(1, closed.ExitCode);
    }

    private static async Task ServeAsync(TcpListener listener, Func<string, string> status, int requests)
    {
        for (var i = 0; i < requests; i++)
        {
            using var client = await listener.AcceptTcpClientAsync();
            using var stream = client.GetStream();
            using var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
            var requestLine = await reader.ReadLineAsync() ?? "";
            while (!string.IsNullOrEmpty(await reader.ReadLineAsync())) { }
            var path = requestLine.Split(' ') is [_, var p, ..] ? p : "";
            var body = Encoding.ASCII.GetBytes($"HTTP/1.1 {status(path)}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            await stream.WriteAsync(body);
        }
    }

    private static List<string> SqlFilesInApplyOrder() =>
        Directory.GetFiles(Repo.PathOf("deploy", "sql", "postgresql"), "*.sql").Select(f => Path.GetFileName(f)!)
            .Order(StringComparer.Ordinal).ToList();

    private static readonly Lazy<Task<YamlMappingNode>> Config = new(RunComposeConfigAsync);

    private static Task<YamlMappingNode> ComposeConfigAsync() => Config.Value;

    /// <summary><c>docker-compose config</c> read with <see cref="TestKeys"/> as its env file.</summary>
    private static async Task<YamlMappingNode> RunComposeConfigAsync()
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllLinesAsync(file, TestKeys.Select(kv => $"{kv.Key}={kv.Value}"));
            var result = await ComposeConfigWithEnvFileAsync(file);
            Assert.True(result.ExitCode == 0, $"docker-compose config exited {result.ExitCode}: {result.Stderr}");
            return LoadYaml(result.Stdout);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>
    /// Runs <c>docker-compose --env-file FILE config</c> with the key variables removed from its environment
    /// (they would override the file), so neither a developer's .env nor their shell changes the outcome.
    /// A missing docker-compose fails the test, it does not skip it.
    /// </summary>
    private static async Task<ProcessResult> ComposeConfigWithEnvFileAsync(string envFile)
    {
        var compose = Repo.FindOnPath("docker-compose");
        if (compose is null)
            Assert.Fail("docker-compose is not installed, so docker-compose.yml cannot be validated. Install the Debian package: apt-get install -y docker-compose");
        string[] unset = [.. KeyVariables.SelectMany(v => new[] { "-u", v })];
        return await ProcessRunner.RunAsync("env", [.. unset, compose, "-f", "docker-compose.yml", "--env-file", envFile, "config"], timeout: TimeSpan.FromSeconds(60));
    }

    private static YamlMappingNode LoadYaml(string text)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(text));
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    /// <summary>NAME=VALUE lines of an env file; comments and blank lines skipped.</summary>
    private static Dictionary<string, string> ReadEnvFile(string path) =>
        File.ReadAllLines(path)
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('=', 2))
            .ToDictionary(p => p[0], p => p[1]);

    private static YamlMappingNode Map(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var child) ? (YamlMappingNode)child : throw new Xunit.Sdk.XunitException($"key '{key}' missing");

    private static YamlSequenceNode Seq(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var child) ? (YamlSequenceNode)child : throw new Xunit.Sdk.XunitException($"key '{key}' missing");

    private static string Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var child) ? Text(child) : throw new Xunit.Sdk.XunitException($"key '{key}' missing");

    private static string Text(YamlNode node) => ((YamlScalarNode)node).Value ?? "";

    private static string HealthcheckTest(YamlMappingNode service) =>
        Map(service, "healthcheck").Children[new YamlScalarNode("test")] switch
        {
            YamlSequenceNode list => string.Join(' ', list.Select(Text)),
            var scalar => Text(scalar),
        };

    /// <summary>
    /// A port entry in either form compose prints: "[IP:]HOST:CONTAINER[/tcp]" or {host_ip, published, target};
    /// no IP means every interface, reported as "0.0.0.0".
    /// </summary>
    private static (string Ip, int Host, int Container) ParsePort(YamlNode node)
    {
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        if (node is YamlMappingNode map)
        {
            var ip = map.Children.TryGetValue(new YamlScalarNode("host_ip"), out var hostIp) ? Text(hostIp) : "0.0.0.0";
            return (ip, int.Parse(Scalar(map, "published"), culture), int.Parse(Scalar(map, "target"), culture));
        }
        var parts = Text(node).Split('/')[0].Split(':');
        return (parts.Length > 2 ? string.Join(':', parts[..^2]) : "0.0.0.0", int.Parse(parts[^2], culture), int.Parse(parts[^1], culture));
    }
}
