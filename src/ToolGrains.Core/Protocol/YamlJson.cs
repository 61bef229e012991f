using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace ToolGrains.Core.Protocol;

/// <summary>Reads a YAML mapping as the equivalent JSON object (scalars become strings, <c>null</c>/<c>~</c> become null).</summary>
public static class YamlJson
{
    public static JsonElement ReadFile(string path)
    {
        if (!File.Exists(path))
            throw new ToolGrainsException(ErrorCodes.FileNotFound, $"'{path}' does not exist.", "file");
        YamlStream yaml;
        try
        {
            // Bounded: an alias bomb in a tool file is refused, not expanded (see YamlLimits).
            yaml = YamlLimits.Load(File.ReadAllText(path));
        }
        catch (YamlDotNet.Core.YamlException ex)
        {
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, $"{path}: not valid YAML: {ex.Message}", "file");
        }
        catch (YamlLimitException ex)
        {
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, $"{path}: {ex.Message}", "file");
        }
        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode root)
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, $"{path}: expected a YAML mapping of fields.", "file");
        return JsonSerializer.SerializeToElement(ToPlain(root));
    }

    private static object? ToPlain(YamlNode node) => node switch
    {
        YamlMappingNode m => m.Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value ?? "", kv => ToPlain(kv.Value)),
        YamlSequenceNode s => s.Children.Select(ToPlain).ToList(),
        YamlScalarNode { Value: null or "" or "~" or "null", Style: YamlDotNet.Core.ScalarStyle.Plain } => null,
        YamlScalarNode sc => sc.Value,
        _ => null,
    };
}
