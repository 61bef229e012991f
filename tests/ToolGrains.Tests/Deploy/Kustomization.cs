using ToolGrains.Tests.Infrastructure;
using k8s;
using k8s.Models;
using YamlDotNet.RepresentationModel;

namespace ToolGrains.Tests.Deploy;

/// <summary>
/// Renders a kustomization for the tests: with <c>kubectl kustomize</c> when kubectl is on PATH, otherwise
/// with <see cref="BuildLocally"/>, which understands exactly the fields our kustomizations use (and
/// refuses any other, so it never silently ignores one). Every object is loaded with KubernetesClient's
/// YAML model in strict mode, so a misspelled field fails.
/// </summary>
internal static class Kustomization
{
    private static readonly HashSet<string> SupportedFields =
        ["apiVersion", "kind", "resources", "configMapGenerator", "labels", "namespace", "images", "replicas"];

    public static List<object> LoadStrict(string yaml) => KubernetesYaml.LoadAllFromString(yaml, strict: true);

    public static async Task<(List<object> Objects, string RenderedBy)> RenderAsync(string dir)
    {
        var kubectl = Repo.FindOnPath("kubectl");
        if (kubectl is null) return (BuildLocally(dir), "the tests' own kustomize subset (kubectl not on PATH)");
        var result = await ProcessRunner.RunAsync(kubectl, ["kustomize", dir], timeout: TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == 0, $"kubectl kustomize {dir} exited {result.ExitCode}: {result.Stderr}");
        return (LoadStrict(result.Stdout), "kubectl kustomize");
    }

    public static YamlMappingNode Read(string dir)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(Path.Combine(dir, "kustomization.yaml"))));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    public static IEnumerable<string> Resources(YamlMappingNode kustomization) => Sequence(kustomization, "resources").Select(Text);

    /// <summary>The file names a configMapGenerator entry reads.</summary>
    public static IEnumerable<string> GeneratorFiles(YamlMappingNode generator) => Sequence(generator, "files").Select(Text);

    public static IEnumerable<YamlMappingNode> Generators(YamlMappingNode kustomization) =>
        Sequence(kustomization, "configMapGenerator").Cast<YamlMappingNode>();

    public static List<object> BuildLocally(string dir)
    {
        var k = Read(dir);
        var unknown = k.Children.Keys.Select(Text).Where(f => !SupportedFields.Contains(f)).ToList();
        if (unknown.Count > 0) throw new NotSupportedException($"{dir}: the tests' kustomize subset does not handle {string.Join(", ", unknown)}");

        var objects = new List<object>();
        foreach (var resource in Resources(k))
        {
            var path = Path.GetFullPath(Path.Combine(dir, resource));
            objects.AddRange(Directory.Exists(path) ? BuildLocally(path) : LoadStrict(File.ReadAllText(path)));
        }
        foreach (var generator in Generators(k))
        {
            var options = generator.Children.TryGetValue(new YamlScalarNode("options"), out var o) ? (YamlMappingNode)o : new YamlMappingNode();
            if (!options.Children.TryGetValue(new YamlScalarNode("disableNameSuffixHash"), out var noHash) || Text(noHash) != "true")
                throw new NotSupportedException($"{dir}: the tests' kustomize subset only generates ConfigMaps with disableNameSuffixHash: true");
            objects.Add(new V1ConfigMap
            {
                ApiVersion = "v1",
                Kind = "ConfigMap",
                Metadata = new V1ObjectMeta
                {
                    Name = Text(generator.Children[new YamlScalarNode("name")]),
                    Labels = options.Children.TryGetValue(new YamlScalarNode("labels"), out var l) ? Pairs((YamlMappingNode)l) : null,
                },
                Data = GeneratorFiles(generator).ToDictionary(f => f, f => File.ReadAllText(Path.Combine(dir, f))),
            });
        }
        foreach (var entry in Sequence(k, "labels").Cast<YamlMappingNode>())
        {
            foreach (var obj in objects.OfType<IMetadata<V1ObjectMeta>>())
            {
                obj.Metadata.Labels ??= new Dictionary<string, string>();
                foreach (var (key, value) in Pairs((YamlMappingNode)entry.Children[new YamlScalarNode("pairs")])) obj.Metadata.Labels[key] = value;
            }
        }
        if (k.Children.TryGetValue(new YamlScalarNode("namespace"), out var ns))
        {
            foreach (var obj in objects.OfType<IKubernetesObject<V1ObjectMeta>>().Where(o => o.Kind != "Namespace"))
                obj.Metadata.NamespaceProperty = Text(ns);
        }
        foreach (var image in Sequence(k, "images").Cast<YamlMappingNode>())
        {
            var pairs = Pairs(image);
            foreach (var container in objects.SelectMany(PodSpecs).SelectMany(s => s.Containers.Concat(s.InitContainers ?? [])))
            {
                if (container.Image.Split(':')[0] != pairs["name"]) continue;
                container.Image = $"{pairs.GetValueOrDefault("newName", pairs["name"])}:{pairs.GetValueOrDefault("newTag", "latest")}";
            }
        }
        foreach (var replicas in Sequence(k, "replicas").Cast<YamlMappingNode>())
        {
            var pairs = Pairs(replicas);
            foreach (var deployment in objects.OfType<V1Deployment>().Where(d => d.Metadata.Name == pairs["name"]))
                deployment.Spec.Replicas = int.Parse(pairs["count"], System.Globalization.CultureInfo.InvariantCulture);
        }
        return objects;
    }

    public static IEnumerable<V1PodSpec> PodSpecs(object obj) => obj switch
    {
        V1Deployment d => [d.Spec.Template.Spec],
        V1Job j => [j.Spec.Template.Spec],
        _ => [],
    };

    private static Dictionary<string, string> Pairs(YamlMappingNode map) =>
        map.Children.ToDictionary(kv => Text(kv.Key), kv => Text(kv.Value));

    private static IEnumerable<YamlNode> Sequence(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var node) ? (YamlSequenceNode)node : [];

    private static string Text(YamlNode node) => ((YamlScalarNode)node).Value ?? "";
}
