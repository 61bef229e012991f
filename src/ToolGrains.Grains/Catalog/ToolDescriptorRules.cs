using System.Collections.Immutable;
using System.Text.Json;
using System.Text.RegularExpressions;
using ToolGrains.Grains.Protocol;

namespace ToolGrains.Grains.Catalog;

/// <summary>
/// What a registered tool must be, whichever way it arrives: a YAML file, <c>register_tool</c>, or a typed client's
/// <see cref="IToolCatalogGrain.RegisterAsync"/>. <see cref="ToolCatalogGrain"/> applies it to every registration;
/// <see cref="ToolDescriptorParser"/> only turns fields into a descriptor. Errors are <c>invalid_request</c> naming
/// the field as the YAML and the protocol spell it.
/// </summary>
public static partial class ToolDescriptorRules
{
    /// <summary>Longest description, in characters: it is embedded and held in every invoker's copy of the catalog.</summary>
    public const int MaxDescriptionChars = 4096;

    /// <summary>Longest version and tag, in characters: labels, not documents.</summary>
    public const int MaxLabelChars = 100;

    /// <summary>Most tags a tool carries (and so the most a resilient call may require).</summary>
    public const int MaxTags = 64;

    /// <summary>Most arguments of an executable.</summary>
    public const int MaxArgs = 256;

    /// <summary>Longest <c>settings</c> object, in characters.</summary>
    public const int MaxSettingsChars = 64 * 1024;

    /// <summary>Most seconds a tool may be given per call.</summary>
    public const double MaxTimeoutSeconds = 3600;

    [GeneratedRegex("^[a-z0-9_.-]{1,100}$")]
    private static partial Regex IdPattern();

    /// <summary>
    /// <paramref name="tool"/> checked, with its tags trimmed, lower-cased and without repeats (negative tags and
    /// requested tags compare that way), and absent lists as empty ones; throws <c>invalid_request</c> naming the field.
    /// </summary>
    public static ToolDescriptor Checked(ToolDescriptor tool, ISet<string> builtinNames)
    {
        ArgumentNullException.ThrowIfNull(tool);
        if (tool.Id is null || !IdPattern().IsMatch(tool.Id))
            throw Invalid("id", $"'id' must match [a-z0-9_.-] and be at most 100 characters, not '{tool.Id}'.");
        if (ProtocolGrain.OperationNames.Contains(tool.Id))
            throw Invalid("id", $"'id' '{tool.Id}' is an operation of the protocol: a tool of that name could never be called.");
        if (string.IsNullOrWhiteSpace(tool.Version) || tool.Version.Length > MaxLabelChars)
            throw Invalid("version", $"'version' must be a non-empty string of at most {MaxLabelChars} characters.");
        if (string.IsNullOrWhiteSpace(tool.Description))
            throw Invalid("description", "'description' is required.");
        if (tool.Description.Length > MaxDescriptionChars)
            throw Invalid("description", $"'description' is {tool.Description.Length} characters; at most {MaxDescriptionChars}.");
        if (!double.IsFinite(tool.Quality) || tool.Quality is < 0 or > 1)
            throw Invalid("quality", $"'quality' must be a number from 0 to 1, not {tool.Quality}.");

        var tags = tool.Tags.IsDefault ? [] : tool.Tags;
        if (tags.Any(t => string.IsNullOrWhiteSpace(t) || t.Length > MaxLabelChars))
            throw Invalid("tags", $"'tags' must be a list of non-empty strings of at most {MaxLabelChars} characters.");
        tags = [.. tags.Select(t => t.Trim().ToLowerInvariant()).Distinct()];
        if (tags.Length > MaxTags)
            throw Invalid("tags", $"'tags' holds {tags.Length} tags; at most {MaxTags}.");

        var args = tool.Args.IsDefault ? [] : tool.Args;
        var (kindField, timeoutField) = tool.Kind switch
        {
            ToolKind.Builtin => ("builtin", "timeout_seconds"),
            ToolKind.Http => ("http.url", "http.timeout_seconds"),
            ToolKind.Executable => ("executable.command", "executable.timeout_seconds"),
            _ => throw Invalid("kind", $"'kind' {(int)tool.Kind} is not a tool kind; a tool is executable, http or builtin."),
        };
        switch (tool.Kind)
        {
            case ToolKind.Builtin when tool.Target is null || !builtinNames.Contains(tool.Target):
                throw Invalid(kindField, $"Unknown builtin '{tool.Target}'; known: {string.Join(", ", builtinNames.Order())}.");
            case ToolKind.Http when !Uri.TryCreate(tool.Target, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"):
                throw Invalid(kindField, $"'http.url' must be an absolute http(s) URL, not '{tool.Target}'.");
            case ToolKind.Executable when string.IsNullOrWhiteSpace(tool.Target) || !Path.IsPathRooted(tool.Target) || !File.Exists(tool.Target):
                throw Invalid(kindField, $"'executable.command': '{tool.Target}' is not an existing file given by its full path.");
        }
        if (tool.Kind != ToolKind.Executable && args.Length > 0)
            throw Invalid("executable.args", "Only an executable tool takes 'args'.");
        if (args.Length > MaxArgs || args.Any(a => a is null))
            throw Invalid("executable.args", $"'executable.args' must be at most {MaxArgs} strings.");
        if (!double.IsFinite(tool.TimeoutSeconds) || tool.TimeoutSeconds <= 0 || tool.TimeoutSeconds > MaxTimeoutSeconds)
            throw Invalid(timeoutField, $"'{timeoutField}' must be a number of seconds from 0 to {MaxTimeoutSeconds}, not {tool.TimeoutSeconds}.");
        if (tool.WorkingDirectory is not null && !Path.IsPathRooted(tool.WorkingDirectory))
            throw Invalid("working_directory", $"The working directory must be a full path, not '{tool.WorkingDirectory}'.");
        if (!IsJsonObject(tool.SettingsJson))
            throw Invalid("settings", $"'settings' must be a mapping (a JSON object of at most {MaxSettingsChars} characters).");

        return tool with { Tags = tags, Args = args };
    }

    private static bool IsJsonObject(string? json)
    {
        if (json is null || json.Length > MaxSettingsChars) return false;
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static ToolGrainsException Invalid(string field, string message) => new(ErrorCodes.InvalidRequest, message, field);
}
