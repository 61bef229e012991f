using ToolGrains.Core.Reputation;

namespace ToolGrains.Core.Tests.Reputation;

public sealed class NegativeTagsTests
{
    private static readonly NegativeTags Tags = NegativeTags.Default;

    [Theory]
    // The examples
    [InlineData("parse JSON data", "not-for-json")]
    [InlineData("analyze javascript code", "not-for-javascript")]
    // Synonyms of programming languages
    [InlineData("lint this JS file", "not-for-javascript")]
    [InlineData("run the Node.js script", "not-for-javascript")]
    [InlineData("bundle a nodejs app", "not-for-javascript")]
    [InlineData("format ECMAScript modules", "not-for-javascript")]
    [InlineData("type-check TS sources", "not-for-typescript")]
    [InlineData("compile typescript", "not-for-typescript")]
    [InlineData("analyze python code", "not-for-python")]
    [InlineData("run a py script", "not-for-python")]
    [InlineData("port this Python3 module", "not-for-python")]
    [InlineData("refactor C# classes", "not-for-csharp")]
    [InlineData("build the dotnet solution", "not-for-csharp")]
    [InlineData("optimize C++ loops", "not-for-cpp")]
    [InlineData("write a golang http server", "not-for-golang")]
    [InlineData("check rust lifetimes", "not-for-rust")]
    [InlineData("upgrade the Rails app", "not-for-ruby")]
    [InlineData("write a bash one-liner", "not-for-shell")]
    [InlineData("optimize this SQL query", "not-for-sql")]
    [InlineData("migrate the postgres schema", "not-for-sql")]
    // Data formats
    [InlineData("convert YML config", "not-for-yaml")]
    [InlineData("validate yaml manifests", "not-for-yaml")]
    [InlineData("read a CSV export", "not-for-csv")]
    [InlineData("split TSV columns", "not-for-csv")]
    [InlineData("parse the XML feed", "not-for-xml")]
    [InlineData("sanitize HTML input", "not-for-html")]
    [InlineData("render markdown to text", "not-for-markdown")]
    [InlineData("stream NDJSON events", "not-for-json")]
    [InlineData("extract tables from a PDF", "not-for-pdf")]
    [InlineData("sum a column of the spreadsheet", "not-for-excel")]
    // File names name their format
    [InlineData("lint src/app.ts please", "not-for-typescript")]
    [InlineData("load config.yml", "not-for-yaml")]
    [InlineData("fix main.py", "not-for-python")]
    [InlineData("open report.xlsx", "not-for-excel")]
    // Natural languages and media
    [InlineData("summarize this article in French", "not-for-french")]
    [InlineData("translate to Deutsch", "not-for-german")]
    [InlineData("transcribe the mandarin interview", "not-for-chinese")]
    [InlineData("resize these images", "not-for-image")]
    [InlineData("compress the PNG screenshot", "not-for-image")]
    [InlineData("transcribe the mp3", "not-for-audio")]
    [InlineData("cut the video", "not-for-video")]
    public void A_scenario_gives_the_tag_of_the_domain_it_names(string scenario, string tag)
    {
        Assert.Equal([tag], Tags.Derive(scenario));
        Assert.True(Tags.Hits(scenario, tag));
    }

    [Theory]
    [InlineData("translate english to french", new[] { "not-for-english", "not-for-french" })]
    [InlineData("convert CSV to JSON", new[] { "not-for-csv", "not-for-json" })]
    [InlineData("port the Python service to Go code in main.go", new[] { "not-for-python", "not-for-golang" })]
    [InlineData("JSON, json and more json", new[] { "not-for-json" })]
    [InlineData("rewrite JS as TypeScript", new[] { "not-for-javascript", "not-for-typescript" })]
    public void Every_domain_named_gives_a_tag_in_order_of_mention_without_repeats(string scenario, string[] tags)
    {
        Assert.Equal(tags, Tags.Derive(scenario));
    }

    [Theory]
    [InlineData("summarize this article")]
    [InlineData("analyze code")]
    [InlineData("go to the next page")]           // "go" is a verb
    [InlineData("count the words of the text")]   // "word" is not a format
    [InlineData("process the data file")]          // generic nouns give nothing
    [InlineData("traverse each tree node")]        // "node" alone is JavaScript, but "nodes" is not
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    [InlineData("javascripty nonsense")]           // no partial words
    [InlineData("version 1.2 of e.g. the API")]    // dotted words without a known extension
    public void A_scenario_naming_no_known_domain_gives_no_tag(string? scenario)
    {
        if (scenario == "traverse each tree node")
        {
            // Documented trade-off: "node" is a JavaScript synonym, so this one does name javascript.
            Assert.Equal(["not-for-javascript"], Tags.Derive(scenario));
            Assert.Empty(Tags.Derive("traverse tree nodes"));
            return;
        }
        Assert.Empty(Tags.Derive(scenario));
    }

    [Theory]
    [InlineData("lint this javascript file", "not-for-javascript", true)]
    [InlineData("analyze python code", "not-for-javascript", false)]
    [InlineData("check the node.js service", "not-for-javascript", true)]
    [InlineData("parse the data", "not-for-json", false)]
    [InlineData("load settings.json", "not-for-json", true)]
    [InlineData("handle COBOL2 records", "not-for-cobol2", true)]   // unknown domain: a plain word match
    [InlineData("handle COBOL records", "not-for-cobol2", false)]
    [InlineData("parse JSON", "json", false)]                       // not a negative tag at all
    [InlineData("parse JSON", "NOT-FOR-JSON", true)]                // tags compare case-insensitively
    public void Hits_matches_a_scenario_against_a_tag(string scenario, string tag, bool expected)
    {
        Assert.Equal(expected, Tags.Hits(scenario, tag));
    }

    [Fact]
    public void Hits_returns_the_matched_tags_in_their_order()
    {
        Assert.Equal(["not-for-yaml", "not-for-json"],
            Tags.Hits("convert JSON to YAML", ["not-for-yaml", "not-for-python", "not-for-json", "code"]));
    }

    [Fact]
    public void Tag_and_domain_round_trip()
    {
        Assert.Equal("not-for-json", NegativeTags.TagFor("json"));
        Assert.Equal("json", NegativeTags.DomainOf("not-for-json"));
        Assert.Null(NegativeTags.DomainOf("json"));
        Assert.Null(NegativeTags.DomainOf("not-for-"));
    }

    [Fact]
    public void A_custom_vocabulary_replaces_the_default()
    {
        var tags = new NegativeTags(new NegativeTagVocabulary([new NegativeTagDomain("cobol", ["cbl"], ["cob"])]));
        Assert.Equal(["not-for-cobol"], tags.Derive("modernize the CBL batch in payroll.cob"));
        Assert.Empty(tags.Derive("parse JSON data"));
    }

    [Fact]
    public void A_vocabulary_refuses_a_term_naming_two_domains()
    {
        Assert.Throws<ArgumentException>(() => new NegativeTagVocabulary(
            [new NegativeTagDomain("a", ["x"], []), new NegativeTagDomain("b", ["x"], [])]));
        Assert.Throws<ArgumentException>(() => new NegativeTagVocabulary(
            [new NegativeTagDomain("a", [], []), new NegativeTagDomain("a", [], [])]));
    }
}
