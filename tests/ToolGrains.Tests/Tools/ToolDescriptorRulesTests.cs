using System.Collections.Immutable;
using ToolGrains.Grains.Catalog;
using ToolGrains.Tests.Infrastructure;

namespace ToolGrains.Tests.Tools;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
/// <summary>What every registration must be (<see cref="ToolDescriptorRules"/>), typed descriptors included.</summary>
public sealed class ToolDescriptorRulesTests
{
    private static readonly ISet<string> Builtins = new HashSet<string> { "noop", "log_batch_writer" };

    private static ToolDescriptor Valid() =>
        new("ok_tool", "1.0.0", "does a thing", ["code"], 0.5, ToolKind.Builtin, "noop", [], 30, null, "{}");

    public static TheoryData<string, ToolDescriptor, string> Invalid()
    {
        var v = Valid();
        var script = Path.Combine(Repo.NewTempDir("rules"), "run.sh");
        Repo.WriteScript(script, "#!/bin/bash\necho '{}'\n");
        return new()
        {
            { "operation name", v with { Id = "resilient_tool_call" }, "id" },
            { "path in id", v with { Id = "../x" }, "id" },
            { "upper case id", v with { Id = "Tool" }, "id" },
            { "empty id", v with { Id = "" }, "id" },
            { "101-character id", v with { Id = new string('a', 101) }, "id" },
            { "blank version", v with { Version = " " }, "version" },
            { "blank description", v with { Description = "\t" }, "description" },
            { "huge description", v with { Description = new string('d', ToolDescriptorRules.MaxDescriptionChars + 1) }, "description" },
            { "quality above 1", v with { Quality = 1.01 }, "quality" },
            { "negative quality", v with { Quality = -0.1 }, "quality" },
            { "NaN quality", v with { Quality = double.NaN }, "quality" },
            { "blank tag", v with { Tags = ["code", " "] }, "tags" },
            { "too many tags", v with { Tags = [.. Enumerable.Range(0, ToolDescriptorRules.MaxTags + 1).Select(i => $"t{i}")] }, "tags" },
            { "unknown kind", v with { Kind = (ToolKind)7 }, "kind" },
            { "unknown builtin", v with { Target = "rm_rf" }, "builtin" },
            { "relative url", v with { Kind = ToolKind.Http, Target = "/api" }, "http.url" },
            { "file url", v with { Kind = ToolKind.Http, Target = "file:///etc/passwd" }, "http.url" },
            { "relative command", v with { Kind = ToolKind.Executable, Target = "run.sh" }, "executable.command" },
            { "missing command", v with { Kind = ToolKind.Executable, Target = script + ".missing" }, "executable.command" },
            { "args on a builtin", v with { Args = ["-x"] }, "executable.args" },
            { "zero timeout", v with { TimeoutSeconds = 0 }, "timeout_seconds" },
            { "infinite http timeout", v with { Kind = ToolKind.Http, Target = "http://127.0.0.1:1/", TimeoutSeconds = double.PositiveInfinity }, "http.timeout_seconds" },
            { "two-hour executable timeout", v with { Kind = ToolKind.Executable, Target = script, TimeoutSeconds = 7200 }, "executable.timeout_seconds" },
            { "relative working directory", v with { WorkingDirectory = "tools" }, "working_directory" },
            { "settings not JSON", v with { SettingsJson = "path: x" }, "settings" },
            { "settings an array", v with { SettingsJson = "[]" }, "settings" },
            { "settings huge", v with { SettingsJson = $$"""{"x":"{{new string('x', ToolDescriptorRules.MaxSettingsChars)}}"}""" }, "settings" },
        };
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public void An_invalid_descriptor_is_refused_naming_its_field(string why, ToolDescriptor tool, string field)
    {
        var error = Assert.Throws<ToolGrainsException>(() => ToolDescriptorRules.Checked(tool, Builtins));
        Assert.True(error.Code == ErrorCodes.InvalidRequest && error.Field == field, $"{why}: {error.Code} on {error.Field}: {error.Message}");
    }

    [Fact]
    public void Tags_are_compared_trimmed_and_lower_cased_and_absent_lists_are_empty()
    {
        var tool = Valid() with { Tags = [" Code ", "code", "JSON"], Args = default };
        var admitted = ToolDescriptorRules.Checked(tool, Builtins);
        Assert.Equal(new[] { "code", "json" }, admitted.Tags);
        Assert.Empty(admitted.Args);
        Assert.Empty(ToolDescriptorRules.Checked(Valid() with { Tags = default }, Builtins).Tags);
    }

    [Fact]
    public void A_valid_descriptor_of_each_kind_is_kept_as_it_is()
    {
        var script = Path.Combine(Repo.NewTempDir("rules"), "run.sh");
        Repo.WriteScript(script, "#!/bin/bash\necho '{}'\n");
        foreach (var tool in new[]
        {
            Valid(),
            Valid() with { Kind = ToolKind.Http, Target = "https://example.test/api", TimeoutSeconds = 3600 },
            Valid() with { Kind = ToolKind.Executable, Target = script, Args = ["--json", ""], WorkingDirectory = Path.GetDirectoryName(script) },
            Valid() with { Id = new string('a', 100), Quality = 0, Description = new string('d', ToolDescriptorRules.MaxDescriptionChars) },
        })
            Assert.Equal(tool, ToolDescriptorRules.Checked(tool, Builtins));
    }
}
