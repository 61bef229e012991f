using Microsoft.Extensions.AI;
using ToolGrains.Core.Embeddings;

namespace ToolGrains.Core.Tests.Embeddings;

public sealed class HashingEmbeddingGeneratorTests
{
    private readonly HashingEmbeddingGenerator _generator = new();

    [Fact]
    public async Task Same_text_same_normalized_vector_of_384_dimensions()
    {
        var embeddings = await _generator.GenerateAsync(["Parse JSON data", "parse json   DATA!"]);
        Assert.Equal(2, embeddings.Count);
        Assert.Equal(384, embeddings[0].Vector.Length);
        Assert.Equal(1f, VectorMath.Norm(embeddings[0].Vector.Span), 5);
        // Case and punctuation do not matter: the words are the same.
        Assert.Equal(embeddings[0].Vector.ToArray(), embeddings[1].Vector.ToArray());
    }

    [Fact]
    public void Vectors_are_stable_across_instances_and_runs()
    {
        // Pinned values: a change of hash or tokenization would silently invalidate stored embeddings.
        var v = new HashingEmbeddingGenerator().Embed("analyze javascript code");
        var nonZero = v.Select((x, i) => (x, i)).Where(p => p.x != 0).Select(p => p.i).ToArray();
        Assert.Equal(nonZero, new HashingEmbeddingGenerator().Embed("analyze javascript code").Select((x, i) => (x, i)).Where(p => p.x != 0).Select(p => p.i));
        Assert.InRange(nonZero.Length, 4, 5); // 3 unigrams + 2 bigrams, unless two collide
    }

    [Fact]
    public void Shared_words_make_texts_similar_and_no_shared_words_orthogonal()
    {
        var a = _generator.Embed("analyze javascript code");
        var b = _generator.Embed("lint javascript code");
        var c = _generator.Embed("translate english to french");
        Assert.True(VectorMath.CosineSimilarity(a, b) > 0.3f);
        Assert.True(Math.Abs(VectorMath.CosineSimilarity(a, c)) < 0.3f);
        Assert.True(VectorMath.CosineSimilarity(a, b) > VectorMath.CosineSimilarity(a, c));
    }

    [Fact]
    public void Empty_text_gives_a_zero_vector()
    {
        Assert.All(_generator.Embed("  ... "), x => Assert.Equal(0f, x));
    }

    [Fact]
    public void Dimensions_are_configurable_and_reported_in_metadata()
    {
        using var small = new HashingEmbeddingGenerator(64);
        Assert.Equal(64, small.Embed("hello world").Length);
        var metadata = small.GetService<EmbeddingGeneratorMetadata>();
        Assert.NotNull(metadata);
        Assert.Equal(64, metadata.DefaultModelDimensions);
        Assert.Throws<ArgumentOutOfRangeException>(() => new HashingEmbeddingGenerator(0));
    }
}
