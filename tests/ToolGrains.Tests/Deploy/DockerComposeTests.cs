using ToolGrains.Tests.Infrastructure;
using System.Net;
using System.Net.Sockets;
using System.Text;
using YamlDotNet.RepresentationModel;

namespace ToolGrains.Tests.Deploy;

/// <summary>
/// docker-compose.yml as docker-compose itself reads it (<c>docker-compose config</c>, which needs no
/// Docker engine): the services, their ports, health checks, network and the schema mount.
/// </summary>
public sealed class DockerComposeTests
{
    private static readonly string[] Services = ["postgres", "qdrant", "silo1", "silo2"];

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
        Assert.Contains((gatewayHostPort, 30000), ports);
        Assert.Contains((httpHostPort, 8080), ports);
        Assert.Equal(2, ports.Count);

        var env = Map(silo, "environment");
        Assert.Equal("postgres", Scalar(env, "ToolGrains__Storage"));
        Assert.Contains("Host=postgres;", Scalar(env, "ToolGrains__ConnectionString"));
        Assert.Equal("30000", Scalar(env, "ToolGrains__GatewayPort"));
        Assert.Equal("8080", Scalar(env, "ToolGrains__HttpPort"));
        Assert.Equal(name, Scalar(env, "ToolGrains__SiloName"));
        Assert.False(string.IsNullOrWhiteSpace(Scalar(env, "ToolGrains__ClusterId")));
        Assert.StartsWith("http://qdrant:", Scalar(env, "ToolGrains__Qdrant__Url"));

        var dependsOn = Map(silo, "depends_on");
        Assert.Equal("service_healthy", Scalar(Map(dependsOn, "postgres"), "condition"));

        // The aspnet image has no curl: the check is deploy/docker/http-check.sh, copied into the image.
        Assert.Equal(["CMD", "http-check", "8080", "/health/ready"], Seq(Map(silo, "healthcheck"), "test").Select(Text));
        Assert.Contains("deploy/docker/http-check.sh /usr/local/bin/http-check", File.ReadAllText(Repo.PathOf("silo", "Dockerfile")));
    }

    [Fact]
    public async Task Published_host_ports_are_distinct()
    {
        var services = Map(await ComposeConfigAsync(), "services");
        var published = services.Children.Values.OfType<YamlMappingNode>()
            .Where(s => s.Children.ContainsKey(new YamlScalarNode("ports")))
            .SelectMany(s => Seq(s, "ports").Select(ParsePort).Select(p => p.Host))
            .ToList();
        Assert.Equal(4, published.Count);
        Assert.Equal(published.Count, published.Distinct().Count());
    }

    [Fact]
    public async Task Cli_service_is_in_the_tools_profile_and_discovers_gateways_in_postgres()
    {
        var cli = Map(Map(await ComposeConfigAsync(), "services"), "cli");
        Assert.Equal(["tools"], Seq(cli, "profiles").Select(Text));
        Assert.Equal("client/Dockerfile", Scalar(Map(cli, "build"), "dockerfile"));
        Assert.Contains("Host=postgres;", Scalar(Map(cli, "environment"), "TOOLGRAINS_POSTGRES"));
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

    /// <summary>Runs <c>docker-compose config</c>; a missing docker-compose fails the test, it does not skip it.</summary>
    private static async Task<YamlMappingNode> RunComposeConfigAsync()
    {
        var compose = Repo.FindOnPath("docker-compose");
        if (compose is null)
            Assert.Fail("docker-compose is not installed, so docker-compose.yml cannot be validated. Install the Debian package: apt-get install -y docker-compose");
        var result = await ProcessRunner.RunAsync(compose, ["-f", "docker-compose.yml", "config"], timeout: TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 0, $"docker-compose config exited {result.ExitCode}: {result.Stderr}");
        var yaml = new YamlStream();
        yaml.Load(new StringReader(result.Stdout));
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

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

    /// <summary>A port entry in either form compose prints: "HOST:CONTAINER[/tcp]" or {published, target}.</summary>
    private static (int Host, int Container) ParsePort(YamlNode node)
    {
        if (node is YamlMappingNode map)
            return (int.Parse(Scalar(map, "published"), System.Globalization.CultureInfo.InvariantCulture), int.Parse(Scalar(map, "target"), System.Globalization.CultureInfo.InvariantCulture));
        var parts = Text(node).Split('/')[0].Split(':');
        return (int.Parse(parts[^2], System.Globalization.CultureInfo.InvariantCulture), int.Parse(parts[^1], System.Globalization.CultureInfo.InvariantCulture));
    }
}
