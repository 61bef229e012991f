using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using ToolGrains.Core.Protocol;

namespace ToolGrains.Grains.Catalog;

/// <summary>
/// Reads a tool's YAML (or the same fields as JSON) into a <see cref="ToolDescriptor"/>, refusing fields of the wrong
/// shape with the field named. What a descriptor's values must be is <see cref="ToolDescriptorRules"/>, which the
/// catalog applies to every registration, typed ones included.
/// </summary>
public static class ToolDescriptorParser
{
    public const double DefaultQuality = 0.75;
    public const double DefaultTimeoutSeconds = 30;

    public static ToolDescriptor ParseYamlFile(string path)
    {
        var full = Path.GetFullPath(path);
        return Parse(YamlJson.ReadFile(full), Path.GetDirectoryName(full)!);
    }

    /// <summary>Parses the fields of a tool's YAML (docs/architecture.md, "A tool kind"); <paramref name="baseDirectory"/> anchors a relative command.</summary>
    public static ToolDescriptor Parse(JsonElement fields, string? baseDirectory)
    {
        if (fields.ValueKind != JsonValueKind.Object)
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, "A tool descriptor must be an object of fields.");
        var id = RequiredString(fields, "id");
        var description = RequiredString(fields, "description");
        var version = OptionalString(fields, "version") ?? "1.0.0";
        var quality = DefaultQuality;
        if (fields.TryGetProperty("quality", out var q) && q.ValueKind != JsonValueKind.Null)
        {
            if (!TryNumber(q, out quality))
                throw new ToolGrainsException(ErrorCodes.InvalidRequest, $"'quality' must be a number from 0 to 1, not {q.GetRawText()}.", "quality");
        }
        var tags = ImmutableArray<string>.Empty;
        if (fields.TryGetProperty("tags", out var t) && t.ValueKind != JsonValueKind.Null)
        {
            if (t.ValueKind != JsonValueKind.Array || t.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(x.GetString())))
                throw new ToolGrainsException(ErrorCodes.InvalidRequest, "'tags' must be a list of non-empty strings.", "tags");
            tags = [.. t.EnumerateArray().Select(x => x.GetString()!)];
        }
        var settings = "{}";
        if (fields.TryGetProperty("settings", out var s) && s.ValueKind != JsonValueKind.Null)
        {
            if (s.ValueKind != JsonValueKind.Object)
                throw new ToolGrainsException(ErrorCodes.InvalidRequest, "'settings' must be a mapping.", "settings");
            settings = s.GetRawText();
        }

        var kinds = new[] { "executable", "http", "builtin" }
            .Where(k => fields.TryGetProperty(k, out var v) && v.ValueKind != JsonValueKind.Null).ToArray();
        if (kinds.Length != 1)
            throw new ToolGrainsException(ErrorCodes.InvalidRequest,
                kinds.Length == 0 ? "A tool needs exactly one of 'executable', 'http' or 'builtin'; it has none."
                                  : $"A tool needs exactly one of 'executable', 'http' or 'builtin'; it has {string.Join(" and ", kinds)}.",
                kinds.Length == 0 ? "executable" : kinds[1]);
        var kindField = fields.GetProperty(kinds[0]);
        switch (kinds[0])
        {
            case "builtin":
            {
                var name = kindField.ValueKind == JsonValueKind.String ? kindField.GetString()! : "";
                return new(id, version, description, tags, quality, ToolKind.Builtin, name, [], DefaultTimeoutSeconds, baseDirectory, settings);
            }
            case "http":
            {
                RequireObject(kindField, "http");
                var url = RequiredString(kindField, "url", "http.url");
                return new(id, version, description, tags, quality, ToolKind.Http, url, [], Timeout(kindField, "http"), baseDirectory, settings);
            }
            default:
            {
                RequireObject(kindField, "executable");
                var command = RequiredString(kindField, "command", "executable.command");
                var resolved = Path.IsPathRooted(command) || baseDirectory is null ? command : Path.GetFullPath(Path.Combine(baseDirectory, command));
                if (!File.Exists(resolved))
                    throw new ToolGrainsException(ErrorCodes.InvalidRequest, $"'executable.command': '{resolved}' does not exist.", "executable.command");
                var args = ImmutableArray<string>.Empty;
                if (kindField.TryGetProperty("args", out var a) && a.ValueKind != JsonValueKind.Null)
                {
                    if (a.ValueKind != JsonValueKind.Array)
                        throw new ToolGrainsException(ErrorCodes.InvalidRequest, "'executable.args' must be a list of strings.", "executable.args");
                    args = [.. a.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString()! : x.GetRawText())];
                }
                return new(id, version, description, tags, quality, ToolKind.Executable, resolved, args,
                    Timeout(kindField, "executable"), baseDirectory ?? Path.GetDirectoryName(resolved), settings);
            }
        }
    }

    private static double Timeout(JsonElement kindField, string prefix)
    {
        if (!kindField.TryGetProperty("timeout_seconds", out var v) || v.ValueKind == JsonValueKind.Null) return DefaultTimeoutSeconds;
        if (!TryNumber(v, out var d))
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, $"'{prefix}.timeout_seconds' must be a number of seconds from 0 to 3600, not {v.GetRawText()}.", $"{prefix}.timeout_seconds");
        return d;
    }

    private static void RequireObject(JsonElement e, string field)
    {
        if (e.ValueKind != JsonValueKind.Object)
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, $"'{field}' must be a mapping.", field);
    }

    private static bool TryNumber(JsonElement e, out double value)
    {
        value = 0;
        return e.ValueKind switch
        {
            JsonValueKind.Number => e.TryGetDouble(out value),
            // YAML scalars arrive as strings.
            JsonValueKind.String => double.TryParse(e.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value),
            _ => false,
        };
    }

    private static string RequiredString(JsonElement e, string name, string? field = null) =>
        OptionalString(e, name, field) is { } s && !string.IsNullOrWhiteSpace(s)
            ? s.Trim()
            : throw new ToolGrainsException(ErrorCodes.InvalidRequest, $"'{field ?? name}' is required.", field ?? name);

    private static string? OptionalString(JsonElement e, string name, string? field = null)
    {
        if (!e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Number => v.GetRawText(),
            _ => throw new ToolGrainsException(ErrorCodes.InvalidRequest, $"'{field ?? name}' must be a string.", field ?? name),
        };
    }
}
