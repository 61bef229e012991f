using System.Text.Json;
using ToolGrains.Core.Specs;

namespace ToolGrains.Core.Tests.Specs;

public sealed class SpecExtractionResultJsonTests
{
    [Fact]
    public void ToJson_has_the_design_keys_and_requirements_as_strings()
    {
        const string md = "# Spec\n\nThe überall service — naïve and fast.\n\n## Requirements\n\n- Clients MUST authenticate\n\n## Examples\n\n```sh\nls -la\n```\n\n- a bullet\n";
        var result = SpecExtractor.Default.Extract(md, SummarizeMode.Always, 5_000);
        string json = result.ToJson();
        Assert.Contains("überall", json); // non-ASCII kept readable

        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Equal(["overseer_spec", "full_spec", "sections", "stats", "warnings"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.Array, root.GetProperty("warnings").ValueKind);
        Assert.Equal(result.OverseerSpec, root.GetProperty("overseer_spec").GetString());
        Assert.Equal(md, root.GetProperty("full_spec").GetString());

        var sections = root.GetProperty("sections");
        Assert.Equal(["overview", "requirements", "constraints", "examples", "code_blocks", "bullets"],
            sections.EnumerateObject().Select(p => p.Name));
        Assert.Equal("The überall service — naïve and fast.", sections.GetProperty("overview").GetString());
        Assert.Equal("Clients MUST authenticate", sections.GetProperty("requirements")[0].GetString());
        var code = sections.GetProperty("code_blocks")[0];
        Assert.Equal(("sh", "ls -la"), (code.GetProperty("language").GetString(), code.GetProperty("code").GetString()));
        Assert.Equal(2, sections.GetProperty("bullets").GetArrayLength());

        var stats = root.GetProperty("stats");
        Assert.Equal(["chars", "words", "lines", "summarized", "summary_chars"], stats.EnumerateObject().Select(p => p.Name));
        Assert.Equal(md.Length, stats.GetProperty("chars").GetInt32());
        Assert.Equal(result.Stats.Words, stats.GetProperty("words").GetInt32());
        Assert.Equal(15, stats.GetProperty("lines").GetInt32());
        Assert.True(stats.GetProperty("summarized").GetBoolean());
        Assert.Equal(result.OverseerSpec.Length, stats.GetProperty("summary_chars").GetInt32());
        Assert.Equal(RequirementLevel.Must, result.Sections.Requirements[0].Level); // the level stays in the model
    }

    [Theory]
    [InlineData("", 0, 0)]
    [InlineData("one", 1, 1)]
    [InlineData("one two\n", 2, 1)]
    [InlineData("a\n\nb c\td", 4, 3)]
    [InlineData("  日本語 テキスト 🚀  ", 3, 1)]
    public void Words_and_lines_are_counted_like_wc(string text, int words, int lines)
    {
        Assert.Equal(words, SpecText.CountWords(text));
        Assert.Equal(lines, SpecText.CountLines(text));
    }
}
