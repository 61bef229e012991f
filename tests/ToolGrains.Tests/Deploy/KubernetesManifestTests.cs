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
/// PodDisruptionBudget, rolling update, Services, Secret, schema Job).
/// </summary>
public sealed class KubernetesManifestTests(RenderedOverlay overlay, ITestOutputHelper output) : IClassFixture<RenderedOverlay>
{
    private const string Namespace = "toolgrains";
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
            ["ConfigMap/toolgrains-schema", "Deployment/toolgrains-silo", "Job/toolgrains-schema", "Namespace/toolgrains", "PodDisruptionBudget/toolgrains-silo",
             "Secret/toolgrains-postgres", "Service/toolgrains-gateway", "Service/toolgrains-http", "ServiceAccount/toolgrains"],
            kinds.Select(o => $"{o.Kind}/{o.Metadata.Name}").Order(StringComparer.Ordinal));

        var secret = overlay.Single<V1Secret>("toolgrains-postgres");
        Assert.StartsWith("true", secret.Metadata.Annotations["toolgrains/example"]);
        Assert.Contains("EXAMPLE", File.ReadAllText(Path.Combine(RenderedOverlay.OverlayDir, "secret.example.yaml")));
        // The base carries no Secret: a real overlay brings its own.
        Assert.DoesNotContain(Kustomization.BuildLocally(Path.Combine(K8sDir, "base")), o => o is V1Secret);
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
