using System.Diagnostics;
using System.Text;
using ToolGrains.Core.Protocol;
using ToolGrains.Core.Specs;

namespace ToolGrains.Core.Tests.Specs;

/// <summary>Real public specifications (excerpts in Specs/Data, sources and licences in its README).</summary>
public sealed class RealSpecTests
{
    private static string Data(string name) => Path.Combine(AppContext.BaseDirectory, "Specs", "Data", name);

    [Fact]
    public void Kep_non_goals_checklists_and_questionnaire_answers_are_not_requirements()
    {
        var r = SpecExtractor.Default.ExtractFromFile(Data("kep-2727-grpc-probe.md"), SummarizeMode.Always, 4_000);
        var s = r.Sections;
        Assert.Equal("Add gRPC probe to Pod.Spec.Container.{Liveness,Readiness,Startup}Probe.", s.Overview);
        // Goals are requirements; the Non-Goal is not, nor anything else.
        Assert.Contains(s.Requirements, q => q.Text.StartsWith("Enable gRPC probe natively from Kubelet", StringComparison.Ordinal));
        Assert.DoesNotContain(s.Requirements, q => q.Text.Contains("other areas of K8s", StringComparison.Ordinal));
        Assert.DoesNotContain("other areas of K8s", r.OverseerSpec);
        // Questionnaire answers, the signoff checklist and the table of contents are gone everywhere.
        string[] boilerplate = ["No.", "No", "N/A", "None"];
        foreach (var list in new[] { s.Requirements.Select(q => q.Text), s.Constraints, s.Bullets, s.KeyPoints! })
        {
            Assert.DoesNotContain(list, i => boilerplate.Contains(i));
            Assert.DoesNotContain(list, i => i.StartsWith("[X]", StringComparison.Ordinal) || i.StartsWith("[Summary](#summary)", StringComparison.Ordinal));
        }
        Assert.DoesNotContain("Enhancement issue in release milestone", r.OverseerSpec);
        Assert.DoesNotContain("(#non-goals)", r.OverseerSpec);
        // "Feature Enablement and Rollback", "Scalability" questions: not requirements nor constraints.
        Assert.DoesNotContain(s.Constraints, c => c.Contains("API calls", StringComparison.Ordinal));
        Assert.True(r.OverseerSpec.Length <= 4_000);
    }

    [Fact]
    public void Otel_trace_api_keeps_musts_first_and_drops_the_table_of_contents()
    {
        var r = SpecExtractor.Default.ExtractFromFile(Data("otel-trace-api.md"), SummarizeMode.Always, 2_500);
        var requirements = r.Sections.Requirements;
        Assert.True(requirements.Count >= 15, $"{requirements.Count} requirements");
        Assert.DoesNotContain("(#data-types)", r.OverseerSpec); // the doctoc list
        Assert.DoesNotContain("Status", r.Sections.Overview);

        // Shown requirements: every MUST before any SHOULD, every SHOULD before any MAY.
        var shown = SpecSummaryBuilder.Build(r.Sections, r.Stats.Chars, r.Stats.Words, 2_500)
            .Items.Where(i => i.Section == SummarySection.Requirements).ToList();
        var ranks = shown.Select(i => Requirement.Rank(requirements.First(q => q.Text.StartsWith(i.Text, StringComparison.Ordinal)).Level)).ToList();
        Assert.Equal(ranks.Order(), ranks);
        Assert.Equal(0, ranks[0]);
        Assert.Contains("- The `TracerProvider` MUST provide the following functions:", r.OverseerSpec);
        // A lead-in keeps its list: the requirement is the sentence and what it lists.
        Assert.Contains(requirements, q => q.Text.StartsWith("The `TracerProvider` MUST provide the following functions:\n\n- Get a `Tracer`", StringComparison.Ordinal));
        // With breadcrumbs.
        Assert.Contains("### TracerProvider › TracerProvider operations", r.OverseerSpec);
        Assert.Contains(r.Warnings!, w => w.Code == "summary_truncated");
    }

    [Fact]
    public void Otel_trace_api_summary_grows_with_the_budget_up_to_the_whole()
    {
        string text = File.ReadAllText(Data("otel-trace-api.md"));
        var sizes = new[] { 4_000, 10_000, 50_000 }.Select(n => SpecExtractor.Default.Extract(text, SummarizeMode.Always, n).OverseerSpec.Length).ToList();
        Assert.True(sizes[0] <= 4_000 && sizes[0] > 3_600, string.Join(",", sizes));
        Assert.True(sizes[1] > sizes[0], string.Join(",", sizes));
        Assert.True(sizes[2] >= sizes[1], string.Join(",", sizes));
    }

    [Fact]
    public void A_kubernetes_manifest_is_read_with_a_warning_not_as_openapi()
    {
        var r = SpecExtractor.Default.ExtractFromFile(Data("k8s-deployment.yaml"));
        var w = Assert.Single(r.Warnings!, w => w.Code == "yaml_not_openapi");
        Assert.Contains("kind: Deployment", w.Message);
        Assert.Contains("\"yaml_not_openapi\"", r.ToJson());
        // Markdown with front matter is Markdown, no warning.
        var md = SpecExtractor.Default.Extract("---\ntitle: Spec\n---\n\n# Spec\n\nThe service stores invoices.\n");
        Assert.Empty(md.Warnings!);
    }

    [Fact]
    public void An_unclosed_fence_at_the_top_is_reported_and_the_rest_read_as_markdown()
    {
        string otel = File.ReadAllText(Data("otel-trace-api.md"));
        string broken = "# Tracing\n\n```yaml\nkey: value\n\n" + otel;
        var r = SpecExtractor.Default.Extract(broken, SummarizeMode.Always, 4_000);
        Assert.Contains(r.Warnings!, w => w.Code == "unclosed_fence" && w.Message.Contains("line 3", StringComparison.Ordinal));
        Assert.True(r.Sections.Requirements.Count >= 15);
        // An unclosed fence that swallowed only code: said so, read as code.
        var code = SpecExtractor.Default.Extract("# Spec\n\nIntro text here.\n\n```sh\necho hi\n");
        Assert.Contains(code.Warnings!, w => w.Code == "unclosed_fence" && w.Message.Contains("read as code", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("list", 64)]
    [InlineData("quote", 128)]
    [InlineData("same-line", 80)]
    public void Deep_nesting_is_a_clean_invalid_request_at_once(string shape, int depth)
    {
        string text = shape switch
        {
            "list" => string.Concat(Enumerable.Range(0, depth).Select(i => new string(' ', 2 * i) + "- item\n")),
            "quote" => new string('>', depth) + " deep\n",
            _ => string.Concat(Enumerable.Repeat("- ", depth)) + "x\n",
        };
        var sw = Stopwatch.StartNew();
        var e = Assert.Throws<ToolGrainsException>(() => SpecExtractor.Default.Extract(text));
        Assert.Equal((ErrorCodes.InvalidRequest, "file_path"), (e.Code, e.Field));
        Assert.True(sw.ElapsedMilliseconds < 1_000, $"{sw.ElapsedMilliseconds} ms");
    }

    [Fact]
    public void A_4_MB_list_nested_2000_deep_is_refused_in_well_under_a_second()
    {
        var sb = new StringBuilder();
        while (sb.Length < 4_000_000)
        {
            for (int i = 0; i < 2_000 && sb.Length < 4_000_000; i++)
            {
                sb.Append(' ', 2 * i).Append("- item\n");
            }
        }
        string text = sb.ToString();
        var sw = Stopwatch.StartNew();
        var e = Assert.Throws<ToolGrainsException>(() => SpecExtractor.Default.Extract(text));
        Assert.Equal(ErrorCodes.InvalidRequest, e.Code);
        Assert.True(sw.ElapsedMilliseconds < 1_000, $"{sw.ElapsedMilliseconds} ms");
        // Ordinary nesting still parses.
        Assert.NotEmpty(MarkdownSpecParser.Parse(string.Concat(Enumerable.Range(0, 10).Select(i => new string(' ', 2 * i) + "- item MUST hold\n"))).Bullets);
    }

    /// <summary>The 422-byte "billion laughs": nine levels of nine aliases, 9^9 nodes once expanded.</summary>
    public const string AliasBomb = """
        openapi: 3.0.0
        a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
        b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
        c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
        d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
        e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
        f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
        g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
        h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
        i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
        """;

    [Fact]
    public void A_yaml_alias_bomb_is_refused_in_well_under_a_second_with_bounded_memory()
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var sw = Stopwatch.StartNew();
        var e = Assert.Throws<ToolGrainsException>(() => SpecExtractor.Default.Extract(AliasBomb));
        Assert.Equal((ErrorCodes.InvalidRequest, "file_path"), (e.Code, e.Field));
        Assert.Contains("aliases", e.Message);
        Assert.True(sw.ElapsedMilliseconds < 1_000, $"{sw.ElapsedMilliseconds} ms");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 50_000_000, "allocated more than 50 MB");
        // The tool-descriptor loader refuses it the same way.
        string file = Path.Combine(Path.GetTempPath(), $"bomb-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, AliasBomb.Replace("openapi: 3.0.0", "id: bomb"));
        try
        {
            var pe = Assert.Throws<ToolGrainsException>(() => YamlJson.ReadFile(file));
            Assert.Equal("invalid_request", pe.Code);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("a: &a [*a]\n")]
    [InlineData("a: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[x]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n")]
    public void Yaml_cycles_and_deep_nesting_are_refused(string yaml)
    {
        Assert.ThrowsAny<Exception>(() => YamlLimits.Check(yaml));
        // Small honest aliases are fine.
        var stream = YamlLimits.Load("base: &b {x: 1}\nuse: *b\nalso: *b\n");
        Assert.Single(stream.Documents);
    }
}
