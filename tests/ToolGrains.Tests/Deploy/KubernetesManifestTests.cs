using ToolGrains.Tests.Infrastructure;
using k8s;
using k8s.Models;
using Xunit.Abstractions;

namespace ToolGrains.Tests.Deploy;

/// <summary>The example overlay, rendered once for the class.</summary>
public sealed class RenderedOverlay : IAsyncLifetime
{
    public static string OverlayDir => Repo.PathOf("deploy", "k8s", "overlays", "example");

    public List<object> Objects { get; private set; } = [];
    public string RenderedBy { get; private set; } = "";

    public async Task InitializeAsync() => (Objects, RenderedBy) = await Kustomization.RenderAsync(OverlayDir);

    public Task DisposeAsync() => Task.CompletedTask;

    public T Single<T>(string name) where T : IKubernetesObject<V1ObjectMeta> =>
        Assert.Single(Objects.OfType<T>(), o => o.Metadata.Name == name);
}

/// <summary>
/// deploy/k8s: every manifest loads with KubernetesClient's model in strict mode, and the rendered example
/// overlay has what issue 8 asks for (Orleans-on-Kubernetes settings, probes, graceful termination,
/// PodDisruptionBudget, rolling update, Services, Secret, schema Job) and issue 13's (API keys from a
/// Secret, a NetworkPolicy letting only silos and labelled clients in).
/// </summary>
public sealed class KubernetesManifestTests(RenderedOverlay overlay, ITestOutputHelper output) : IClassFixture<RenderedOverlay>
{
    private const string Namespace = "toolgrains";
    private const string ApiKeysSecret = "toolgrains-api-keys";
    private const string ClientLabel = "toolgrains.io/client";
    private static string K8sDir => Repo.PathOf("deploy", "k8s");
    private static string SqlDir => Repo.PathOf("deploy", "sql", "postgresql");

    private static readonly string[] KustomizationDirs =
        [Path.Combine(K8sDir, "base"), Path.Combine(K8sDir, "overlays", "example"), SqlDir];

    public static TheoryData<string> ManifestFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(K8sDir, "*.yaml", SearchOption.AllDirectories).Where(f => Path.GetFileName(f) != "kustomization.yaml").Order(StringComparer.Ordinal))
            data.Add(Path.GetRelativePath(Repo.Root, file));
        return data;
    }

    [Theory]
    [MemberData(nameof(ManifestFiles))]
    public void Every_manifest_loads_strictly(string file)
    {
        var objects = Kustomization.LoadStrict(File.ReadAllText(Repo.PathOf(file)));
        Assert.NotEmpty(objects);
        foreach (var obj in objects)
        {
            var typed = Assert.IsAssignableFrom<IKubernetesObject<V1ObjectMeta>>(obj);
            Assert.False(string.IsNullOrEmpty(typed.Metadata?.Name), $"{file}: an object without metadata.name");
        }
    }

    [Fact]
    public void Strict_loading_rejects_a_misspelled_field()
    {
        const string yaml = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: typo
            spec:
              template:
                spec:
                  terminationGracePeriodSecond: 60
            """;
        Assert.ThrowsAny<Exception>(() => Kustomization.LoadStrict(yaml));
        Assert.Single(KubernetesYaml.LoadAllFromString(yaml, strict: false));
    }

    [Fact]
    public void Every_kustomization_lists_only_resources_that_exist()
    {
        foreach (var dir in KustomizationDirs)
        {
            foreach (var resource in Kustomization.Resources(Kustomization.Read(dir)))
            {
                var path = Path.GetFullPath(Path.Combine(dir, resource));
                Assert.True(File.Exists(path) || File.Exists(Path.Combine(path, "kustomization.yaml")), $"{dir}: resource {resource} not found");
            }
            foreach (var generator in Kustomization.Generators(Kustomization.Read(dir)))
            foreach (var file in Kustomization.GeneratorFiles(generator))
                Assert.True(File.Exists(Path.Combine(dir, file)), $"{dir}: generator file {file} not found");
        }
    }

    [Fact]
    public void Schema_configmap_holds_exactly_the_sql_files_in_deploy_sql_postgresql()
    {
        output.WriteLine($"rendered by {overlay.RenderedBy}");
        var expected = Directory.GetFiles(SqlDir, "*.sql").Order(StringComparer.Ordinal).ToDictionary(f => Path.GetFileName(f), File.ReadAllText);
        Assert.NotEmpty(expected);

        var generator = Assert.Single(Kustomization.Generators(Kustomization.Read(SqlDir)));
        Assert.Equal(expected.Keys, Kustomization.GeneratorFiles(generator));

        var configMap = overlay.Single<V1ConfigMap>("toolgrains-schema");
        Assert.Equal(Namespace, configMap.Metadata.NamespaceProperty);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), configMap.Data.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, text) in expected) Assert.Equal(text, configMap.Data[name]);
    }

    [Fact]
    public void Silo_deployment_follows_the_orleans_kubernetes_guidance()
    {
        var deployment = overlay.Single<V1Deployment>("toolgrains-silo");
        Assert.Equal(Namespace, deployment.Metadata.NamespaceProperty);
        Assert.Equal(3, deployment.Spec.Replicas);

        Assert.Equal("RollingUpdate", deployment.Spec.Strategy.Type);
        Assert.Equal("0", deployment.Spec.Strategy.RollingUpdate.MaxUnavailable.Value);
        Assert.NotEqual("0", deployment.Spec.Strategy.RollingUpdate.MaxSurge.Value);

        var pod = deployment.Spec.Template;
        foreach (var (key, value) in deployment.Spec.Selector.MatchLabels) Assert.Equal(value, pod.Metadata.Labels[key]);
        Assert.Equal("toolgrains", pod.Metadata.Labels["orleans/serviceId"]);
        Assert.Equal("toolgrains", pod.Metadata.Labels["orleans/clusterId"]);

        // HostOptions.ShutdownTimeout is 30 s: the kubelet must wait longer before SIGKILL.
        Assert.True(pod.Spec.TerminationGracePeriodSeconds > 30, $"terminationGracePeriodSeconds {pod.Spec.TerminationGracePeriodSeconds} must exceed the 30 s shutdown timeout");
        Assert.True(pod.Spec.SecurityContext.RunAsNonRoot);
        Assert.Single(overlay.Objects.OfType<V1ServiceAccount>(), sa => sa.Metadata.Name == pod.Spec.ServiceAccountName);

        var silo = Assert.Single(pod.Spec.Containers);
        Assert.Equal("registry.example/toolgrains/silo:0.1.0", silo.Image);
        var env = silo.Env.ToDictionary(e => e.Name);
        Assert.Equal(env.Count, silo.Env.Count);
        Assert.Equal("status.podIP", env["POD_IP"].ValueFrom.FieldRef.FieldPath);
        Assert.Equal("status.podIP", env["ToolGrains__AdvertisedIp"].ValueFrom.FieldRef.FieldPath);
        Assert.Equal("metadata.name", env["ToolGrains__SiloName"].ValueFrom.FieldRef.FieldPath);
        Assert.Equal("metadata.name", env["POD_NAME"].ValueFrom.FieldRef.FieldPath);
        Assert.Equal("postgres", env["ToolGrains__Storage"].Value);
        Assert.False(string.IsNullOrWhiteSpace(env["ToolGrains__ClusterId"].Value));
        Assert.False(string.IsNullOrWhiteSpace(env["ToolGrains__ServiceId"].Value));
        Assert.Equal("30000", env["ToolGrains__GatewayPort"].Value);
        Assert.Equal("8080", env["ToolGrains__HttpPort"].Value);

        var secretRef = env["ToolGrains__ConnectionString"].ValueFrom.SecretKeyRef;
        Assert.NotNull(secretRef);
        Assert.Null(env["ToolGrains__ConnectionString"].Value);
        AssertSecretHasKey(secretRef.Name, secretRef.Key);

        // Every interface (probes dial the pod IP, port-forward the pod's loopback), hence keys: one per role,
        // each from the Secret, never a literal.
        Assert.Equal("0.0.0.0", env["ToolGrains__ListenAddress"].Value);
        Assert.False(env.ContainsKey("ToolGrains__AllowAnonymous"), "the silos must not allow anonymous callers");
        string[] roles = ["admin", "caller", "reader"];
        for (var i = 0; i < roles.Length; i++)
        {
            Assert.Equal(roles[i], env[$"ToolGrains__ApiKeys__{i}__Role"].Value);
            var key = env[$"ToolGrains__ApiKeys__{i}__Key"];
            Assert.Null(key.Value);
            Assert.Equal(ApiKeysSecret, key.ValueFrom.SecretKeyRef.Name);
            Assert.Equal($"{roles[i]}-key", key.ValueFrom.SecretKeyRef.Key);
            Assert.NotEqual(true, key.ValueFrom.SecretKeyRef.Optional);
            AssertSecretHasKey(key.ValueFrom.SecretKeyRef.Name, key.ValueFrom.SecretKeyRef.Key);
        }
        Assert.DoesNotContain(env.Keys, k => k.StartsWith("ToolGrains__ApiKeys__3", StringComparison.Ordinal));

        var ports = silo.Ports.ToDictionary(p => p.Name, p => p.ContainerPort);
        Assert.Equal(new Dictionary<string, int> { ["silo"] = 11111, ["gateway"] = 30000, ["http"] = 8080 }, ports);

        AssertHttpProbe(silo.ReadinessProbe, "/health/ready");
        AssertHttpProbe(silo.LivenessProbe, "/health/live");
        AssertHttpProbe(silo.StartupProbe, "/health/live");

        foreach (var resource in new[] { "cpu", "memory" })
        {
            Assert.True(silo.Resources.Requests.ContainsKey(resource), $"no {resource} request");
            Assert.True(silo.Resources.Limits.ContainsKey(resource), $"no {resource} limit");
        }
        Assert.True(silo.Resources.Requests["memory"].ToDecimal() <= silo.Resources.Limits["memory"].ToDecimal());

        // A read-only root file system needs a writable /tmp for the runtime.
        Assert.True(silo.SecurityContext.ReadOnlyRootFilesystem);
        Assert.Contains(silo.VolumeMounts, m => m.MountPath == "/tmp");
    }

    [Fact]
    public void Pod_disruption_budget_covers_the_silos()
    {
        var pdb = overlay.Single<V1PodDisruptionBudget>("toolgrains-silo");
        Assert.Equal("policy/v1", pdb.ApiVersion);
        Assert.Equal(Namespace, pdb.Metadata.NamespaceProperty);
        Assert.True(pdb.Spec.MaxUnavailable is not null || pdb.Spec.MinAvailable is not null);
        var podLabels = overlay.Single<V1Deployment>("toolgrains-silo").Spec.Template.Metadata.Labels;
        foreach (var (key, value) in pdb.Spec.Selector.MatchLabels) Assert.Equal(value, podLabels[key]);
        Assert.Equal("1", pdb.Spec.MaxUnavailable?.Value);
    }

    [Theory]
    [InlineData("toolgrains-gateway", 30000, "gateway")]
    [InlineData("toolgrains-http", 8080, "http")]
    public void Services_expose_the_gateway_and_http(string name, int port, string targetPort)
    {
        var service = overlay.Single<V1Service>(name);
        Assert.Equal(Namespace, service.Metadata.NamespaceProperty);
        var servicePort = Assert.Single(service.Spec.Ports);
        Assert.Equal(port, servicePort.Port);
        Assert.Equal(targetPort, servicePort.TargetPort.Value);

        var pod = overlay.Single<V1Deployment>("toolgrains-silo").Spec.Template;
        foreach (var (key, value) in service.Spec.Selector) Assert.Equal(value, pod.Metadata.Labels[key]);
        Assert.Contains(pod.Spec.Containers[0].Ports, p => p.Name == targetPort && p.ContainerPort == port);
    }

    [Fact]
    public void Schema_job_applies_the_configmap_with_the_connection_string_from_the_secret()
    {
        var job = overlay.Single<V1Job>("toolgrains-schema");
        Assert.Equal(Namespace, job.Metadata.NamespaceProperty);
        Assert.True(job.Spec.BackoffLimit > 0);
        Assert.NotNull(job.Spec.ActiveDeadlineSeconds);
        var pod = job.Spec.Template.Spec;
        Assert.Contains(pod.RestartPolicy, new[] { "OnFailure", "Never" });

        var volume = Assert.Single(pod.Volumes, v => v.ConfigMap is not null);
        Assert.Equal("toolgrains-schema", volume.ConfigMap.Name);
        overlay.Single<V1ConfigMap>(volume.ConfigMap.Name);

        var container = Assert.Single(pod.Containers);
        Assert.StartsWith("postgres:", container.Image);
        var mount = Assert.Single(container.VolumeMounts, m => m.Name == volume.Name);
        var script = string.Join('\n', container.Command.Concat(container.Args));
        Assert.Contains($"{mount.MountPath}/0*.sql", script);
        Assert.Contains("ON_ERROR_STOP=1", script);
        Assert.Contains("--single-transaction", script);

        var secretRef = Assert.Single(container.Env, e => e.ValueFrom?.SecretKeyRef is not null).ValueFrom.SecretKeyRef;
        AssertSecretHasKey(secretRef.Name, secretRef.Key);
        Assert.NotNull(container.Resources.Requests);
    }

    [Fact]
    public void Overlay_puts_everything_in_its_namespace_and_marks_the_secret_as_an_example()
    {
        output.WriteLine($"rendered by {overlay.RenderedBy}");
        var kinds = overlay.Objects.Cast<IKubernetesObject<V1ObjectMeta>>().ToList();
        Assert.Single(kinds.OfType<V1Namespace>(), n => n.Metadata.Name == Namespace);
        foreach (var obj in kinds.Where(o => o.Kind != "Namespace"))
            Assert.True(obj.Metadata.NamespaceProperty == Namespace, $"{obj.Kind}/{obj.Metadata.Name} is in namespace '{obj.Metadata.NamespaceProperty}'");
        Assert.Equal(
            ["ConfigMap/toolgrains-schema", "Deployment/toolgrains-silo", "Job/toolgrains-schema", "Namespace/toolgrains", "NetworkPolicy/toolgrains-silo",
             "PodDisruptionBudget/toolgrains-silo", "Secret/toolgrains-api-keys", "Secret/toolgrains-postgres", "Service/toolgrains-gateway", "Service/toolgrains-http",
             "ServiceAccount/toolgrains"],
            kinds.Select(o => $"{o.Kind}/{o.Metadata.Name}").Order(StringComparer.Ordinal));

        foreach (var secret in overlay.Objects.OfType<V1Secret>())
            Assert.StartsWith("true", secret.Metadata.Annotations["toolgrains/example"]);
        Assert.Contains("EXAMPLE", File.ReadAllText(Path.Combine(RenderedOverlay.OverlayDir, "secret.example.yaml")));
        // The base carries no Secret: a real overlay brings its own.
        Assert.DoesNotContain(Kustomization.BuildLocally(Path.Combine(K8sDir, "base")), o => o is V1Secret);
    }

    [Fact]
    public void No_api_key_is_written_in_the_manifests()
    {
        // Nowhere in deploy/k8s does a key setting carry a value of its own: it comes from a Secret.
        foreach (var file in Directory.GetFiles(K8sDir, "*.yaml", SearchOption.AllDirectories).Where(f => Path.GetFileName(f) != "kustomization.yaml"))
        foreach (var obj in Kustomization.LoadStrict(File.ReadAllText(file)))
        foreach (var container in Kustomization.PodSpecs(obj).SelectMany(p => p.Containers.Concat(p.InitContainers ?? [])))
        foreach (var env in container.Env ?? [])
        {
            var isKey = env.Name is "ToolGrains__ApiKey" or "TOOLGRAINS_API_KEY"
                || System.Text.RegularExpressions.Regex.IsMatch(env.Name, @"^ToolGrains__ApiKeys__\d+__Key$");
            if (isKey) Assert.True(env.Value is null && env.ValueFrom?.SecretKeyRef is not null, $"{file}: {env.Name} must come from a Secret");
            Assert.False(env.Name == "ToolGrains__AllowAnonymous", $"{file}: sets AllowAnonymous");
        }

        // The base brings no Secret, and the example's placeholders are too short to be accepted as keys
        // (16 characters at least), so an unedited example never runs with a published key.
        Assert.DoesNotContain(Kustomization.BuildLocally(Path.Combine(K8sDir, "base")), o => o is V1Secret);
        var example = overlay.Single<V1Secret>(ApiKeysSecret);
        Assert.Equal(["admin-key", "caller-key", "reader-key"], example.StringData.Keys.Order(StringComparer.Ordinal));
        Assert.Null(example.Data);
        Assert.All(example.StringData.Values, v => Assert.True(v.Length < 16, $"example key '{v}' is long enough to be accepted"));

        // The README's command creates the Secret with exactly the keys the Deployment reads, from random bytes.
        var readme = File.ReadAllText(Path.Combine(K8sDir, "README.md"));
        var command = System.Text.RegularExpressions.Regex.Match(readme, @"create secret generic " + ApiKeysSecret + @"((?:[^\n]*\\\n)*[^\n]*)");
        Assert.True(command.Success, "deploy/k8s/README.md shows no `kubectl create secret generic toolgrains-api-keys` command");
        var literals = System.Text.RegularExpressions.Regex.Matches(command.Groups[1].Value, @"--from-literal=([a-z-]+)=""\$\(openssl rand -hex 24\)""")
            .Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal);
        var referenced = overlay.Single<V1Deployment>("toolgrains-silo").Spec.Template.Spec.Containers[0].Env
            .Where(e => e.ValueFrom?.SecretKeyRef?.Name == ApiKeysSecret).Select(e => e.ValueFrom.SecretKeyRef.Key).Order(StringComparer.Ordinal);
        Assert.Equal(referenced, literals);
    }

    [Fact]
    public void Network_policy_lets_only_silos_and_labelled_clients_reach_the_silos()
    {
        var policy = overlay.Single<V1NetworkPolicy>("toolgrains-silo");
        Assert.Equal(Namespace, policy.Metadata.NamespaceProperty);
        Assert.Equal(["Ingress"], policy.Spec.PolicyTypes);

        var template = overlay.Single<V1Deployment>("toolgrains-silo").Spec.Template;
        var siloLabels = template.Metadata.Labels;
        Assert.True(Selects(policy.Spec.PodSelector, siloLabels), "the NetworkPolicy does not select the silo pods");
        Assert.False(Selects(policy.Spec.PodSelector, overlay.Single<V1Job>("toolgrains-schema").Spec.Template.Metadata.Labels));
        Assert.False(Selects(policy.Spec.PodSelector, new Dictionary<string, string>()), "the NetworkPolicy selects every pod");

        // Peers are pods of this namespace only: no ipBlock, no namespaceSelector (an overlay may widen that).
        foreach (var peer in policy.Spec.Ingress.SelectMany(r => r.FromProperty ?? []))
        {
            Assert.Null(peer.IpBlock);
            Assert.Null(peer.NamespaceSelector);
            Assert.NotNull(peer.PodSelector);
        }

        var containerPorts = template.Spec.Containers[0].Ports.ToDictionary(p => p.Name, p => p.ContainerPort);
        var client = new Dictionary<string, string> { [ClientLabel] = "true", ["app"] = "my-app" };
        var notAClient = new Dictionary<string, string> { [ClientLabel] = "false", ["app"] = "my-app" };
        var other = new Dictionary<string, string> { ["app"] = "my-app" };
        var schemaJob = overlay.Single<V1Job>("toolgrains-schema").Spec.Template.Metadata.Labels;
        var cases = new (string Who, IDictionary<string, string> Labels, int Port, bool Allowed)[]
        {
            ("silo", siloLabels, 11111, true), ("silo", siloLabels, 30000, true), ("silo", siloLabels, 8080, true),
            ("silo", siloLabels, 5432, false),
            ("client", client, 30000, true), ("client", client, 8080, true), ("client", client, 11111, false),
            ("client=false", notAClient, 30000, false), ("client=false", notAClient, 8080, false),
            ("unlabelled pod", other, 30000, false), ("unlabelled pod", other, 8080, false), ("unlabelled pod", other, 11111, false),
            ("schema job", schemaJob, 30000, false), ("schema job", schemaJob, 11111, false),
        };
        foreach (var (who, labels, port, allowed) in cases)
            Assert.True(Allows(policy, labels, port, containerPorts) == allowed, $"{who} -> {port}: expected {(allowed ? "allowed" : "refused")}");

        // What the policy lets clients reach is what the Services publish.
        foreach (var service in new[] { "toolgrains-gateway", "toolgrains-http" })
        {
            var targetPort = overlay.Single<V1Service>(service).Spec.Ports[0].TargetPort.Value;
            Assert.True(Allows(policy, client, containerPorts[targetPort], containerPorts), $"{service} is not reachable for a labelled client");
        }
    }

    /// <summary>
    /// NetworkPolicy ingress semantics for a source pod in the policy's namespace: allowed when some rule's peers
    /// (none = everyone) include the pod and its ports (none = all) include the TCP port, by number or by the
    /// container port's name.
    /// </summary>
    private static bool Allows(V1NetworkPolicy policy, IDictionary<string, string> source, int port, IDictionary<string, int> containerPorts) =>
        (policy.Spec.Ingress ?? []).Any(rule =>
            (rule.FromProperty is null || rule.FromProperty.Count == 0 || rule.FromProperty.Any(peer => peer.PodSelector is not null && peer.NamespaceSelector is null && peer.IpBlock is null && Selects(peer.PodSelector, source)))
            && (rule.Ports is null || rule.Ports.Count == 0 || rule.Ports.Any(p =>
                (p.Protocol ?? "TCP") == "TCP"
                && (p.Port is null
                    || (int.TryParse(p.Port.Value, out var number) ? number == port : containerPorts.TryGetValue(p.Port.Value, out var named) && named == port)))));

    private static bool Selects(V1LabelSelector selector, IDictionary<string, string> labels)
    {
        Assert.True(selector.MatchExpressions is null || selector.MatchExpressions.Count == 0, "matchExpressions are not evaluated by this test");
        return (selector.MatchLabels ?? new Dictionary<string, string>()).All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value);
    }

    [Fact]
    public async Task The_tests_kustomize_subset_agrees_with_kubectl_when_it_is_installed()
    {
        var local = Kustomization.BuildLocally(RenderedOverlay.OverlayDir);
        var (rendered, by) = await Kustomization.RenderAsync(RenderedOverlay.OverlayDir);
        output.WriteLine($"compared with {by}");
        static IEnumerable<string> Describe(IEnumerable<object> objects) => objects.Cast<IKubernetesObject<V1ObjectMeta>>()
            .Select(o => $"{o.Kind}/{o.Metadata.NamespaceProperty}/{o.Metadata.Name}").Order(StringComparer.Ordinal);
        Assert.Equal(Describe(local), Describe(rendered));
        Assert.Equal(
            local.OfType<V1Deployment>().Single().Spec.Template.Spec.Containers[0].Image,
            rendered.OfType<V1Deployment>().Single().Spec.Template.Spec.Containers[0].Image);
        Assert.Equal(local.OfType<V1Deployment>().Single().Spec.Replicas, rendered.OfType<V1Deployment>().Single().Spec.Replicas);
        Assert.Equal(local.OfType<V1ConfigMap>().Single().Data, rendered.OfType<V1ConfigMap>().Single().Data);
        // The security objects, field for field: the NetworkPolicy's selectors and rules, and the silos' environment.
        Assert.Equal(Canonical(local.OfType<V1NetworkPolicy>().Single().Spec), Canonical(rendered.OfType<V1NetworkPolicy>().Single().Spec));
        Assert.Equal(
            Canonical(local.OfType<V1Deployment>().Single().Spec.Template.Spec.Containers[0].Env),
            Canonical(rendered.OfType<V1Deployment>().Single().Spec.Template.Spec.Containers[0].Env));
    }

    /// <summary>JSON with every object's properties sorted: kubectl prints map keys sorted, the files need not.</summary>
    private static string Canonical(object value)
    {
        static System.Text.Json.Nodes.JsonNode? Sort(System.Text.Json.Nodes.JsonNode? node) => node switch
        {
            System.Text.Json.Nodes.JsonObject o => new System.Text.Json.Nodes.JsonObject(
                o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sort(p.Value)))),
            System.Text.Json.Nodes.JsonArray a => new System.Text.Json.Nodes.JsonArray([.. a.Select(Sort)]),
            null => null,
            var leaf => leaf.DeepClone(),
        };
        return Sort(System.Text.Json.Nodes.JsonNode.Parse(KubernetesJson.Serialize(value)))!.ToJsonString();
    }

    private void AssertSecretHasKey(string name, string key)
    {
        var secret = overlay.Single<V1Secret>(name);
        Assert.True(secret.StringData?.ContainsKey(key) == true || secret.Data?.ContainsKey(key) == true, $"Secret {name} has no key {key}");
    }

    private static void AssertHttpProbe(V1Probe probe, string path)
    {
        Assert.NotNull(probe);
        Assert.Equal(path, probe.HttpGet.Path);
        Assert.Equal("http", probe.HttpGet.Port.Value);
    }
}
