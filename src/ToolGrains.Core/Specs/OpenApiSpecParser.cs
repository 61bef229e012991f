using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ToolGrains.Core.Protocol;
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

    [GeneratedRegex(@"^[A-Za-z_$""'][^\s:]*\s*:(?:\s|$)", RegexOptions.CultureInvariant)]
    private static partial Regex YamlKeyLine();

    /// <summary>
    /// When <paramref name="text"/> is not OpenAPI 3 but is a YAML or JSON document (a Kubernetes
    /// manifest, a Swagger 2.0 file, a config), what it looks like, e.g. <c>YAML (kind: Deployment)</c>;
    /// null for Markdown and prose. Markdown with front matter is Markdown.
    /// </summary>
    public static string? DescribeStructuredNonOpenApi(string text)
    {
        var trimmed = text.AsSpan().TrimStart();
        if (trimmed.StartsWith("{") || trimmed.StartsWith("["))
        {
            try
            {
                using var doc = JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = YamlLimits.MaxDepth });
                return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("swagger", out _) ? "JSON (Swagger 2.0)" : "JSON";
            }
            catch (JsonException)
            {
                return null;
            }
        }
        if (!IsYamlShaped(text))
        {
            return null;
        }
        try
        {
            var stream = YamlLimits.Load(text);
            if (stream.Documents.Count == 0 || stream.Documents.Any(d => d.RootNode is not (YamlMappingNode or YamlSequenceNode)))
            {
                return null;
            }
            if (stream.Documents[0].RootNode is YamlMappingNode root)
            {
                if (root.Children.TryGetValue(new YamlScalarNode("swagger"), out var v) && v is YamlScalarNode version)
                {
                    return $"YAML (Swagger {version.Value})";
                }
                if (root.Children.TryGetValue(new YamlScalarNode("kind"), out var k) && k is YamlScalarNode kind)
                {
                    return $"YAML (kind: {kind.Value})";
                }
            }
            return "YAML";
        }
        catch (Exception e) when (e is YamlException or YamlLimitException or InvalidOperationException)
        {
            return null;
        }
    }

    // The first lines at the margin are "key:" entries, "- " items or "---" (comments and blank
    // lines aside), and the first is a key or a document marker: prose breaks it at once.
    private static bool IsYamlShaped(string text)
    {
        int seen = 0;
        foreach (var range in text.AsSpan().Split('\n'))
        {
            var line = text.AsSpan(range.Start.Value, range.End.Value - range.Start.Value).TrimEnd();
            if (line.IsEmpty || line[0] is '#' or ' ' or '\t' || line.StartsWith("%"))
            {
                continue;
            }
            bool key = YamlKeyLine().IsMatch(line);
            bool marker = line is "---" or "...";
            if (seen == 0 && !key && !marker)
            {
                return false;
            }
            if (!key && !marker && !line.StartsWith("- "))
            {
                return false;
            }
            if (++seen >= 50)
            {
                break;
            }
        }
        return seen > 0;
    }

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
        catch (YamlLimitException e)
        {
            // Not a fallback to Markdown: an alias bomb is refused, whatever else it might be.
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, e.Message, "file_path");
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

        AddSecurity(root, requirements);

        var context = new List<string>();
        CollectLimits(root, context, null, constraints);

        var examples = new List<string>();
        var codeBlocks = new List<SpecCodeBlock>();
        CollectExamples(root, examples, codeBlocks);
        return new SpecSections(overview, requirements, constraints, examples, codeBlocks, []);
    }

    // Who may call: each scheme of components.securitySchemes, and which the API requires.
    private static void AddSecurity(JsonObject root, List<Requirement> requirements)
    {
        if (root["components"] is JsonObject { } components && components["securitySchemes"] is JsonObject schemes)
        {
            foreach (var (name, node) in schemes)
            {
                if (node is not JsonObject scheme)
                {
                    continue;
                }
                string type = Scalar(scheme["type"]);
                string detail = type switch
                {
                    "http" => $"HTTP {Scalar(scheme["scheme"])}{(scheme["bearerFormat"] is { } f ? $" ({Scalar(f)})" : "")}",
                    "apiKey" => $"API key in {Scalar(scheme["in"])} '{Scalar(scheme["name"])}'",
                    "oauth2" => "OAuth 2.0" + OAuthFlows(scheme["flows"]),
                    "openIdConnect" => $"OpenID Connect ({Scalar(scheme["openIdConnectUrl"])})",
                    _ => type,
                };
                requirements.Add(new Requirement($"Security scheme {name}: {detail}", RequirementLevel.Unspecified));
            }
        }
        if (root["security"] is JsonArray { Count: > 0 } security)
        {
            var names = security.OfType<JsonObject>().SelectMany(o => o.Select(kv => kv.Key)).Distinct().ToList();
            if (names.Count > 0)
            {
                requirements.Add(new Requirement($"Every operation requires {string.Join(" or ", names)} unless it says otherwise", RequirementLevel.Unspecified));
            }
        }
    }

    private static string OAuthFlows(JsonNode? flows)
    {
        if (flows is not JsonObject obj)
        {
            return "";
        }
        var parts = new List<string>();
        foreach (var (flow, node) in obj)
        {
            var scopes = node is JsonObject f && f["scopes"] is JsonObject s ? string.Join(", ", s.Select(kv => kv.Key)) : "";
            parts.Add(scopes.Length > 0 ? $"{flow} (scopes {scopes})" : flow);
        }
        return parts.Count == 0 ? "" : ": " + string.Join("; ", parts);
    }

    // Request and response examples of each operation, shown as a code block with where they stand.
    private static void CollectExamples(JsonObject root, List<string> examples, List<SpecCodeBlock> codeBlocks)
    {
        if (root["paths"] is not JsonObject paths)
        {
            return;
        }
        foreach (var (path, item) in paths)
        {
            if (item is not JsonObject pathItem)
            {
                continue;
            }
            foreach (var method in Methods)
            {
                if (pathItem[method] is not JsonObject operation)
                {
                    continue;
                }
                string head = $"{method.ToUpperInvariant()} {path}";
                if (operation["requestBody"] is JsonObject body)
                {
                    AddMediaExamples($"{head} request", body["content"], examples, codeBlocks);
                }
                if (operation["responses"] is JsonObject responses)
                {
                    foreach (var (status, response) in responses)
                    {
                        if (response is JsonObject r)
                        {
                            AddMediaExamples($"{head} response {status}", r["content"], examples, codeBlocks);
                        }
                    }
                }
            }
        }
    }

    private static void AddMediaExamples(string where, JsonNode? content, List<string> examples, List<SpecCodeBlock> codeBlocks)
    {
        if (content is not JsonObject media)
        {
            return;
        }
        foreach (var (type, node) in media)
        {
            if (node is not JsonObject m)
            {
                continue;
            }
            var values = new List<(string Name, JsonNode? Value)>();
            if (m.ContainsKey("example"))
            {
                values.Add(("", m["example"]));
            }
            if (m["examples"] is JsonObject named)
            {
                foreach (var (name, ex) in named)
                {
                    if (ex is JsonObject e && e.ContainsKey("value"))
                    {
                        values.Add((name, e["value"]));
                    }
                }
            }
            foreach (var (name, value) in values)
            {
                string language = type.Contains("json", StringComparison.OrdinalIgnoreCase) ? "json" : type.Contains("xml", StringComparison.OrdinalIgnoreCase) ? "xml" : "";
                string code = value is JsonValue v && v.TryGetValue<string>(out var str) ? str
                    : value?.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) ?? "null";
                codeBlocks.Add(new SpecCodeBlock(language, code));
                string label = name.Length > 0 ? $"{where} ({type}, {name}):" : $"{where} ({type}):";
                examples.Add($"{label}\n\n```{language}\n{code}\n```");
            }
        }
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
                if (obj["pattern"] is JsonValue pattern)
                {
                    (limits ??= []).Add($"pattern {Scalar(pattern)}");
                }
                if (obj["enum"] is JsonArray { Count: > 0 } values)
                {
                    var shown = values.Take(20).Select(Scalar).ToList();
                    (limits ??= []).Add($"one of {string.Join(", ", shown)}{(values.Count > shown.Count ? $" (and {values.Count - shown.Count} more)" : "")}");
                }
                if (limits is not null)
                {
                    constraints.Add($"{Context(context)}: {string.Join(", ", limits)}");
                }
                foreach (var (key, value) in obj)
                {
                    if (key is "example" or "examples" or "enum")
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
        var stream = YamlLimits.Load(text);
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
