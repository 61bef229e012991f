using ToolGrains.Core.Specs;

namespace ToolGrains.Core.Tests.Specs;

public sealed class MarkdownSpecParserTests
{
    private static SpecSections Parse(string md) => MarkdownSpecParser.Parse(md);

    // ---- section classes -------------------------------------------------------------------

    [Fact]
    public void Overview_is_the_first_prose_paragraph()
    {
        var s = Parse("# Title\n\nVersion 2\n\nThe billing service charges customers monthly.\n\nSecond paragraph here too.\n");
        Assert.Equal("The billing service charges customers monthly.", s.Overview);
    }

    [Fact]
    public void Overview_prefers_a_paragraph_under_an_overview_heading()
    {
        var s = Parse("# Title\n\nDraft notes written by the team.\n\n## Overview\n\nThe service stores invoices for ten years.\n");
        Assert.Equal("The service stores invoices for ten years.", s.Overview);
    }

    [Theory]
    [InlineData("Requirements")]
    [InlineData("Must Have")]
    [InlineData("Features")]
    [InlineData("Functional requirements")]
    [InlineData("Goals")]
    public void Requirement_headings_classify_their_items(string heading)
    {
        var s = Parse($"## {heading}\n\n- users can sign in\n- users can sign out\n");
        Assert.Equal(["users can sign in", "users can sign out"], s.Requirements.Select(r => r.Text));
        Assert.All(s.Requirements, r => Assert.Equal(RequirementLevel.Unspecified, r.Level));
        Assert.Empty(s.Constraints);
    }

    [Theory]
    [InlineData("Constraints")]
    [InlineData("Limitations")]
    [InlineData("Restrictions")]
    [InlineData("Non-functional requirements")]
    [InlineData("Performance")]
    [InlineData("Security requirements")]
    public void Constraint_headings_classify_their_items(string heading)
    {
        var s = Parse($"## {heading}\n\n- p99 latency under 200 ms\n- at most 5 retries\n");
        Assert.Equal(["p99 latency under 200 ms", "at most 5 retries"], s.Constraints);
        Assert.Empty(s.Requirements);
    }

    [Theory]
    [InlineData("Examples")]
    [InlineData("Sample requests")]
    [InlineData("Demo")]
    [InlineData("Usage")]
    public void Example_headings_classify_their_items(string heading)
    {
        var s = Parse($"## {heading}\n\nList the users:\n\n```sh\ncurl https://api/users\n```\n");
        var example = Assert.Single(s.Examples);
        Assert.Equal("List the users:\n\n```sh\ncurl https://api/users\n```", example);
        Assert.Equal(new SpecCodeBlock("sh", "curl https://api/users"), Assert.Single(s.CodeBlocks));
    }

    [Fact]
    public void Code_blocks_fenced_and_indented_keep_their_language()
    {
        var s = Parse("Intro text for the code.\n\n```python\nprint(1)\n```\n\n~~~\nplain\n~~~\n\n    indented code\n    line two\n");
        Assert.Equal(
            [new SpecCodeBlock("python", "print(1)"), new SpecCodeBlock("", "plain"), new SpecCodeBlock("", "indented code\nline two")],
            s.CodeBlocks);
    }

    [Fact]
    public void Indented_code_in_examples_keeps_its_indent()
    {
        var s = Parse("## Examples\n\n    GET /users\n");
        Assert.Equal("    GET /users", Assert.Single(s.Examples));
    }

    [Fact]
    public void Bullets_are_outermost_list_items_anywhere()
    {
        var s = Parse("# Notes\n\n- alpha\n- beta\n  - beta child\n\n1. gamma\n");
        Assert.Equal(["alpha", "beta\n  - beta child", "gamma"], s.Bullets);
        Assert.Empty(s.Requirements);
    }

    [Fact]
    public void Nested_sections_inherit_their_parents_class()
    {
        var s = Parse("# Spec\n\n## Requirements\n\n### Authentication\n\n#### Tokens\n\n- tokens expire after one hour\n");
        Assert.Equal("tokens expire after one hour", Assert.Single(s.Requirements).Text);
    }

    [Fact]
    public void A_document_title_classifies_only_the_text_directly_under_it()
    {
        var s = Parse("# Payment Requirements\n\n- charge cards\n\n## Notes\n\n- changelog kept\n");
        Assert.Equal("charge cards", Assert.Single(s.Requirements).Text);
        Assert.Equal(["charge cards", "changelog kept"], s.Bullets);
    }

    [Fact]
    public void Several_level_one_headings_are_sections_not_a_title()
    {
        var s = Parse("# Requirements\n\n## Authentication\n\n- sign in\n\n# Appendix\n\n- glossary\n");
        Assert.Equal("sign in", Assert.Single(s.Requirements).Text);
    }

    [Fact]
    public void A_nested_heading_with_its_own_keyword_overrides_the_parent()
    {
        var s = Parse("# Requirements\n\n- sign in\n\n## Security\n\n- passwords hashed with argon2\n\n## Login flow\n\n- sign out\n\n# Appendix\n\n- glossary entry\n");
        Assert.Equal(["sign in", "sign out"], s.Requirements.Select(r => r.Text));
        Assert.Equal(["passwords hashed with argon2"], s.Constraints);
        Assert.Contains("glossary entry", s.Bullets);
    }

    [Fact]
    public void Setext_headings_classify_like_atx()
    {
        var s = Parse("Constraints\n===========\n\n- only UTF-8\n\nExamples\n--------\n\n- `tool --help`\n");
        Assert.Equal(["only UTF-8"], s.Constraints);
        Assert.Equal(["`tool --help`"], s.Examples);
    }

    [Fact]
    public void A_list_item_with_nested_lines_is_one_item()
    {
        var s = Parse("## Requirements\n\n- The export covers\n  all accounts, including:\n  - closed ones\n  - frozen ones\n\n  and it runs nightly.\n- Second item\n");
        Assert.Equal(2, s.Requirements.Count);
        Assert.Equal("The export covers\n  all accounts, including:\n  - closed ones\n  - frozen ones\n\n  and it runs nightly.", s.Requirements[0].Text);
    }

    [Fact]
    public void A_lead_in_paragraph_is_not_a_requirement()
    {
        var s = Parse("## Requirements\n\nThe service provides:\n\n- search\n\nIt keeps an audit trail.\n");
        Assert.Equal(["search", "It keeps an audit trail."], s.Requirements.Select(r => r.Text));
    }

    // ---- RFC 2119 ----------------------------------------------------------------------------

    [Theory]
    [InlineData("The client MUST send a token.", RequirementLevel.Must)]
    [InlineData("The client MUST NOT retry.", RequirementLevel.MustNot)]
    [InlineData("Servers SHALL log.", RequirementLevel.Shall)]
    [InlineData("Servers SHALL NOT log secrets.", RequirementLevel.ShallNot)]
    [InlineData("A token is REQUIRED.", RequirementLevel.Required)]
    [InlineData("Clients SHOULD cache.", RequirementLevel.Should)]
    [InlineData("Clients SHOULD NOT poll.", RequirementLevel.ShouldNot)]
    [InlineData("Gzip is RECOMMENDED.", RequirementLevel.Recommended)]
    [InlineData("Polling is NOT RECOMMENDED.", RequirementLevel.NotRecommended)]
    [InlineData("Clients MAY batch.", RequirementLevel.May)]
    [InlineData("The field is OPTIONAL.", RequirementLevel.Optional)]
    public void Rfc2119_keywords_anywhere_make_requirements_with_their_level(string sentence, RequirementLevel level)
    {
        var s = Parse($"# Notes\n\nSome context first. {sentence} More context after.\n");
        var r = Assert.Single(s.Requirements);
        Assert.Equal(sentence, r.Text);
        Assert.Equal(level, r.Level);
    }

    [Theory]
    [InlineData("The client must send a token.")]
    [InlineData("The client Must send a token.")]
    [InlineData("MUSTARD is not a keyword, nor is SHALLOW or MAYBE.")]
    [InlineData("You may leave.")]
    public void Lower_case_or_partial_keywords_are_not_requirements(string sentence)
    {
        var s = Parse($"# Notes\n\n{sentence}\n\n- also optional and required here\n");
        Assert.Empty(s.Requirements);
    }

    [Fact]
    public void Rfc2119_list_items_in_general_sections_are_requirements_and_still_bullets()
    {
        var s = Parse("# Notes\n\n- Clients SHOULD retry with backoff\n- nice to have\n");
        var r = Assert.Single(s.Requirements);
        Assert.Equal(("Clients SHOULD retry with backoff", RequirementLevel.Should), (r.Text, r.Level));
        Assert.Equal(2, s.Bullets.Count);
    }

    [Fact]
    public void Requirement_section_items_keep_their_level()
    {
        var s = Parse("## Requirements\n\n- Tokens MUST NOT be logged\n- Sessions time out\n");
        Assert.Equal([RequirementLevel.MustNot, RequirementLevel.Unspecified], s.Requirements.Select(r => r.Level));
    }

    [Fact]
    public void Keyword_rows_of_a_table_are_requirements()
    {
        var s = Parse("# Matrix\n\n| id | rule |\n|----|------|\n| R1 | The API MUST answer |\n| R2 | plain row |\n");
        var r = Assert.Single(s.Requirements);
        Assert.Equal("| R1 | The API MUST answer |", r.Text);
    }

    // ---- robustness --------------------------------------------------------------------------

    [Fact]
    public void Hash_lines_inside_code_fences_are_not_headings()
    {
        var s = Parse("## Requirements\n\n```bash\n# Examples\n## Constraints\necho hi\n```\n\n- still a requirement\n");
        Assert.Equal("still a requirement", Assert.Single(s.Requirements).Text);
        Assert.Empty(s.Examples);
        Assert.Empty(s.Constraints);
        Assert.Equal("# Examples\n## Constraints\necho hi", Assert.Single(s.CodeBlocks).Code);
    }

    [Fact]
    public void An_unclosed_fence_runs_to_the_end_without_swallowing_what_precedes_it()
    {
        var s = Parse("# Spec\n\nThe overview paragraph stands first.\n\n## Requirements\n\n- one\n- two\n\n## Examples\n\n```js\nconsole.log(1)\n## not a heading\n");
        Assert.Equal("The overview paragraph stands first.", s.Overview);
        Assert.Equal(["one", "two"], s.Requirements.Select(r => r.Text));
        var code = Assert.Single(s.CodeBlocks);
        Assert.Equal("js", code.Language);
        Assert.Equal("console.log(1)\n## not a heading", code.Code);
        Assert.Single(s.Examples);
    }

    [Fact]
    public void Tables_rows_are_items_of_their_section()
    {
        var s = Parse("## Constraints\n\n| limit | value |\n|-------|-------|\n| size  | 10 MB |\n| rate  | 5/s   |\n");
        Assert.Equal(["| size  | 10 MB |", "| rate  | 5/s   |"], s.Constraints);
    }

    [Fact]
    public void Html_blocks_are_skipped_and_do_not_break_classification()
    {
        var s = Parse("<div align=\"center\">\n# Not a heading\n<img src=\"logo.png\">\n</div>\n\nThe real overview sentence is here.\n\n## Requirements\n\n<!-- MUST be hidden -->\n\n- visible requirement\n");
        Assert.Equal("The real overview sentence is here.", s.Overview);
        Assert.Equal("visible requirement", Assert.Single(s.Requirements).Text);
    }

    [Fact]
    public void Front_matter_is_metadata_not_prose_or_a_heading()
    {
        var s = Parse("---\ntitle: Requirements\nowner: MUST team\n---\n\nThe overview after the front matter.\n\n- a bullet\n");
        Assert.Equal("The overview after the front matter.", s.Overview);
        Assert.Empty(s.Requirements);
        Assert.Empty(s.CodeBlocks);
        Assert.Equal(["a bullet"], s.Bullets);
    }

    [Fact]
    public void Links_and_emphasis_stay_as_markdown_source_of_the_item()
    {
        var s = Parse("## Requirements\n\n- Follow **[RFC 7807](https://www.rfc-editor.org/rfc/rfc7807)** for _errors_\n");
        Assert.Equal("Follow **[RFC 7807](https://www.rfc-editor.org/rfc/rfc7807)** for _errors_", Assert.Single(s.Requirements).Text);
    }

    [Fact]
    public void Crlf_documents_give_the_same_sections_once_normalized()
    {
        var lf = RestApiSpecDocument.Build();
        var crlf = RestApiSpecDocument.Build(newline: "\r\n");
        var a = SpecExtractor.Default.Extract(lf, summarize: false);
        var b = SpecExtractor.Default.Extract(crlf, summarize: false);
        Assert.Equal(a.Sections.Requirements, b.Sections.Requirements);
        Assert.Equal(a.Sections.Constraints, b.Sections.Constraints);
        Assert.Equal(a.Sections.Examples, b.Sections.Examples);
        Assert.Equal(a.Sections.Overview, b.Sections.Overview);
        Assert.DoesNotContain('\r', b.FullSpec);
    }

    [Fact]
    public void Repeated_headings_each_keep_their_items()
    {
        var s = Parse("## Requirements\n\n- first\n\n## Notes\n\n- note\n\n## Requirements\n\n- second\n\n## Requirements\n\n- third\n");
        Assert.Equal(["first", "second", "third"], s.Requirements.Select(r => r.Text));
    }

    [Fact]
    public void Generated_rest_api_spec_has_all_classes()
    {
        var s = Parse(RestApiSpecDocument.Build());
        Assert.Equal(RestApiSpecDocument.OverviewText, s.Overview);
        Assert.Equal(60, s.Requirements.Count);
        Assert.StartsWith(RestApiSpecDocument.Requirement(1), s.Requirements[0].Text);
        Assert.All(s.Requirements, r => Assert.Equal(RequirementLevel.Must, r.Level));
        Assert.Equal(25, s.Constraints.Count);
        Assert.Equal(24, s.Examples.Count); // per example: the request with its lead, then the response
        Assert.Equal(24, s.CodeBlocks.Count);
    }
}
