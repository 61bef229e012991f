using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ToolGrains.Core.Specs;

/// <summary>
/// OpenAPI 3 documents (YAML or JSON) as a specification: each operation is a requirement
/// <c>METHOD /path — summary</c>; documented limits (maxLength, maximum, minimum, maxItems...) and
/// rate limits mentioned in descriptions are constraints; <c>info.description</c> is the overview.
/// </summary>
public static partial class OpenApiSpecParser
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

    // The JSON Schema keywords that bound a value, in the order they are reported.
    private static readonly string[] LimitKeywords =
    [
        "minLength", "maxLength", "minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum",
        "minItems", "maxItems", "minProperties", "maxProperties",
    ];

    // Keys that only give structure; a constraint's context names schemas, properties, operations.
    private static readonly HashSet<string> StructuralKeys = new(StringComparer.Ordinal)
    {
        "components", "schemas", "properties", "content", "schema", "items", "requestBody", "responses",
        "parameters", "headers", "allOf", "anyOf", "oneOf", "not", "additionalProperties", "paths", "info",
    };

    // Detection by content, not file name: an OpenAPI document names its version in a top-level
    // "openapi" key. The YAML form must start at column 0 so an indented example inside a
    // Markdown file does not count; a false positive still falls back when parsing fails.
    [GeneratedRegex(@"^openapi\s*:", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex YamlOpenApiKey();

    [GeneratedRegex(@"rate[- ]?limit|throttl|requests?\s*(?:per|/)\s*(?:second|sec|s|minute|min|m|hour|hr|h|day|d)\b|\bquota",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RateLimitMention();

    /// <summary>True when <paramref name="text"/> looks like an OpenAPI 3 document by its content.</summary>
    public static bool LooksLikeOpenApi(string text)
    {
        var trimmed = text.AsSpan().TrimStart();
        if (trimmed.StartsWith("{"))
        {
            return text.Contains("\"openapi\"", StringComparison.Ordinal);
        }
        return YamlOpenApiKey().IsMatch(text);
    }

    /// <summary>
    /// The sections of an OpenAPI 3 document, or null when <paramref name="text"/> is not one
    /// (it does not parse, or its root has no <c>openapi</c> key), so the caller reads it as Markdown.
    /// </summary>
    public static SpecSections? TryParse(string text)
    {
        if (!LooksLikeOpenApi(text))
        {
            return null;
        }
        JsonObject? root;
        try
        {
            root = text.AsSpan().TrimStart().StartsWith("{")
                ? JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip }) as JsonObject
                : FromYaml(text) as JsonObject;
        }
        catch (Exception e) when (e is JsonException or YamlException or InvalidOperationException)
        {
            return null;
        }
        if (root is null || root["openapi"] is null)
        {
            return null;
        }
        return Read(root);
    }

    private static SpecSections Read(JsonObject root)
    {
        var requirements = new List<Requirement>();
        var constraints = new List<string>();

        string overview = "";
        if (root["info"] is JsonObject info)
        {
            string description = Scalar(info["description"]).Trim();
            int paragraphEnd = description.IndexOf("\n\n", StringComparison.Ordinal);
            overview = paragraphEnd >= 0 ? description[..paragraphEnd] : description;
            if (overview.Length == 0)
            {
                overview = Scalar(info["title"]).Trim();
            }
        }

        if (root["paths"] is JsonObject paths)
        {
            foreach (var (path, item) in paths)
            {
                if (item is not JsonObject pathItem)
                {
                    continue;
                }
                foreach (var method in Methods)
                {
                    if (pathItem[method] is JsonObject operation)
                    {
                        requirements.Add(new Requirement(OperationText(method, path, operation), RequirementLevel.Unspecified));
                    }
                }
            }
        }

        var context = new List<string>();
        CollectLimits(root, context, null, constraints);
        return new SpecSections(overview, requirements, constraints, [], [], []);
    }

    private static string OperationText(string method, string path, JsonObject operation)
    {
        string summary = Scalar(operation["summary"]).Trim();
        if (summary.Length == 0)
        {
            string description = Scalar(operation["description"]).Trim();
            int lineEnd = description.IndexOf('\n');
            summary = lineEnd >= 0 ? description[..lineEnd].Trim() : description;
        }
        if (summary.Length == 0)
        {
            summary = Scalar(operation["operationId"]).Trim();
        }
        string head = $"{method.ToUpperInvariant()} {path}";
        return summary.Length == 0 ? head : $"{head} — {summary}";
    }

    // One constraint per schema object that sets limits, named by where it stands, e.g.
    // "GET /users › limit: minimum 1, maximum 100" or "User › name: maxLength 64".
    private static void CollectLimits(JsonNode? node, List<string> context, string? parentKey, List<string> constraints)
    {
        switch (node)
        {
            case JsonObject obj:
            {
                List<string>? limits = null;
                foreach (var keyword in LimitKeywords)
                {
                    if (obj[keyword] is JsonValue v)
                    {
                        (limits ??= []).Add($"{keyword} {Scalar(v)}");
                    }
                }
                if (limits is not null)
                {
                    constraints.Add($"{Context(context)}: {string.Join(", ", limits)}");
                }
                foreach (var (key, value) in obj)
                {
                    if (key is "example" or "examples")
                    {
                        continue; // sample data, not schema: a "maximum" there is a value, not a limit
                    }
                    if (key.StartsWith("x-rate", StringComparison.OrdinalIgnoreCase))
                    {
                        constraints.Add($"{Context(context)}: {key} {(value is JsonValue ? Scalar(value) : value?.ToJsonString())}");
                        continue;
                    }
                    if (key is "description" or "summary" && value is JsonValue)
                    {
                        AddRateLimitSentences(Context(context), Scalar(value), constraints);
                        continue;
                    }
                    string? label = Label(key, parentKey);
                    if (label is not null)
                    {
                        context.Add(label);
                    }
                    CollectLimits(value, context, key, constraints);
                    if (label is not null)
                    {
                        context.RemoveAt(context.Count - 1);
                    }
                }
                break;
            }
            case JsonArray array:
                foreach (var element in array)
                {
                    // Parameters are named by their "name", which is what a reader looks for.
                    string? name = element is JsonObject o && o["name"] is JsonValue n ? Scalar(n) : null;
                    if (name is not null)
                    {
                        context.Add(name);
                    }
                    CollectLimits(element, context, parentKey, constraints);
                    if (name is not null)
                    {
                        context.RemoveAt(context.Count - 1);
                    }
                }
                break;
        }
    }

    private static string? Label(string key, string? parentKey)
    {
        if (parentKey is not null && parentKey.StartsWith('/') && Array.IndexOf(Methods, key) >= 0)
        {
            return key.ToUpperInvariant(); // followed by the path label already on the stack
        }
        if (StructuralKeys.Contains(key) || (key.Contains('/') && !key.StartsWith('/')))
        {
            return null; // media types such as application/json
        }
        if (parentKey == "responses")
        {
            return $"response {key}";
        }
        return key;
    }

    private static string Context(List<string> context)
    {
        if (context.Count == 0)
        {
            return "API";
        }
        // "/users", "GET" reads better as "GET /users".
        var parts = new List<string>(context.Count);
        for (int i = 0; i < context.Count; i++)
        {
            if (i + 1 < context.Count && context[i].StartsWith('/') && Array.IndexOf(Methods, context[i + 1].ToLowerInvariant()) >= 0
                && context[i + 1] == context[i + 1].ToUpperInvariant())
            {
                parts.Add($"{context[i + 1]} {context[i]}");
                i++;
            }
            else
            {
                parts.Add(context[i]);
            }
        }
        return string.Join(" › ", parts);
    }

    private static void AddRateLimitSentences(string context, string description, List<string> constraints)
    {
        var text = description.AsSpan();
        int consumedUpTo = 0;
        foreach (var m in RateLimitMention().EnumerateMatches(text))
        {
            if (m.Index < consumedUpTo)
            {
                continue;
            }
            int start = m.Index;
            while (start > 0 && !(text[start - 1] is '\n' || (char.IsWhiteSpace(text[start - 1]) && start > 1 && text[start - 2] is '.' or '!' or '?')))
            {
                start--;
            }
            int end = m.Index + m.Length;
            while (end < text.Length && text[end] != '\n' && !(text[end] is '.' or '!' or '?' && (end + 1 == text.Length || char.IsWhiteSpace(text[end + 1]))))
            {
                end++;
            }
            if (end < text.Length && text[end] != '\n')
            {
                end++; // keep the full stop
            }
            constraints.Add($"{context}: {text[start..end].Trim()}");
            consumedUpTo = end;
        }
    }

    private static string Scalar(JsonNode? node) => node switch
    {
        null => "",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => node.ToJsonString(),
    };

    // YAML through the same walker as JSON: mappings become objects, sequences arrays, and
    // scalars strings (limits are reported as written, so no number typing is needed).
    private static JsonNode? FromYaml(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents.Count == 0 ? null : Convert(stream.Documents[0].RootNode, 0);
    }

    private static JsonNode? Convert(YamlNode node, int depth)
    {
        // Anchors can make a graph with cycles; a real OpenAPI document is nowhere near this deep.
        if (depth > 64)
        {
            return null;
        }
        switch (node)
        {
            case YamlMappingNode mapping:
                var obj = new JsonObject();
                foreach (var (key, value) in mapping.Children)
                {
                    if (key is YamlScalarNode { Value: { } name })
                    {
                        obj[name] = Convert(value, depth + 1);
                    }
                }
                return obj;
            case YamlSequenceNode sequence:
                var array = new JsonArray();
                foreach (var child in sequence.Children)
                {
                    array.Add(Convert(child, depth + 1));
                }
                return array;
            case YamlScalarNode scalar:
                return scalar.Value is null ? null : JsonValue.Create(scalar.Value);
            default:
                return null;
        }
    }
}
