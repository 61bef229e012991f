using Microsoft.Extensions.AI;
using ToolGrains.Core.Embeddings;

namespace ToolGrains.Core.Tests.Embeddings;

public sealed class LruCachingEmbeddingGeneratorTests
{
    /// <summary>Counts the texts it is asked to embed.</summary>
    private sealed class CountingGenerator : IEmbeddingGenerator<string, Embedding<float>>
    {
        private readonly HashingEmbeddingGenerator _inner = new(16);
        public List<string> Seen { get; } = [];
        public int Calls { get; private set; }

        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
            IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            Calls++;
            var list = values.ToList();
            Seen.AddRange(list);
            return _inner.GenerateAsync(list, options, cancellationToken);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;
        public void Dispose() { }
    }

    [Fact]
    public async Task Repeated_texts_are_embedded_once()
    {
        var inner = new CountingGenerator();
        using var cache = new LruCachingEmbeddingGenerator(inner, capacity: 10);
        var first = await cache.GenerateAsync(["a b", "c d", "a b"]);
        var second = await cache.GenerateAsync(["c d", "e f"]);
        Assert.Equal(["a b", "c d", "e f"], inner.Seen);
        Assert.Equal(2, inner.Calls); // misses of one call go as one batch
        Assert.Equal(first[1].Vector.ToArray(), second[0].Vector.ToArray());
        Assert.Equal(first[0].Vector.ToArray(), first[2].Vector.ToArray());
        Assert.Equal(3, cache.Misses);
        Assert.Equal(2, cache.Hits);
        Assert.Equal(3, cache.Count);
    }

    [Fact]
    public async Task The_least_recently_used_text_is_evicted_past_capacity()
    {
        var inner = new CountingGenerator();
        using var cache = new LruCachingEmbeddingGenerator(inner, capacity: 2);
        await cache.GenerateAsync(["one"]);
        await cache.GenerateAsync(["two"]);
        await cache.GenerateAsync(["one"]);   // "one" is now the most recent
        await cache.GenerateAsync(["three"]); // evicts "two"
        await cache.GenerateAsync(["one"]);
        await cache.GenerateAsync(["two"]);
        Assert.Equal(["one", "two", "three", "two"], inner.Seen);
        Assert.Equal(2, cache.Count);
    }

    [Fact]
    public async Task Long_texts_are_evicted_by_bytes_and_one_larger_than_the_bound_is_not_kept()
    {
        var inner = new CountingGenerator();
        // 16-float vectors are 64 bytes; a 1,000-character text is 2,000 bytes: room for two such entries.
        using var cache = new LruCachingEmbeddingGenerator(inner, capacity: 100, maxBytes: 4_200);
        await cache.GenerateAsync([new string('a', 1000)]);
        await cache.GenerateAsync([new string('b', 1000)]);
        Assert.Equal(2, cache.Count);
        await cache.GenerateAsync([new string('c', 1000)]); // evicts the a's
        Assert.Equal(2, cache.Count);
        Assert.InRange(cache.Bytes, 1, 4_200);
        var huge = await cache.GenerateAsync([new string('d', 10_000)]);
        Assert.Single(huge); // answered, but not kept
        Assert.Equal(2, cache.Count);
        await cache.GenerateAsync([new string('a', 1000)]);
        Assert.Equal(4, inner.Seen.Count(t => t[0] != 'd') );
    }

    [Fact]
    public async Task Callers_cannot_corrupt_the_cache_through_returned_vectors()
    {
        using var cache = new LruCachingEmbeddingGenerator(new CountingGenerator());
        var v = await cache.GenerateVectorAsync("hello");
        var expected = v.ToArray();
        // The inner generator's array is copied into the cache on a miss.
        var again = await cache.GenerateVectorAsync("hello");
        Assert.Equal(expected, again.ToArray());
    }

    [Fact]
    public async Task Calls_with_options_bypass_the_cache()
    {
        var inner = new CountingGenerator();
        using var cache = new LruCachingEmbeddingGenerator(inner);
        await cache.GenerateAsync(["x"], new EmbeddingGenerationOptions());
        await cache.GenerateAsync(["x"], new EmbeddingGenerationOptions());
        Assert.Equal(2, inner.Calls);
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public async Task Concurrent_callers_get_consistent_vectors()
    {
        using var cache = new LruCachingEmbeddingGenerator(new HashingEmbeddingGenerator(), capacity: 50);
        var texts = Enumerable.Range(0, 200).Select(i => $"text number {i % 80}").ToArray();
        var results = await Task.WhenAll(texts.Select(t => Task.Run(() => cache.GenerateVectorAsync(t))));
        var reference = new HashingEmbeddingGenerator();
        for (var i = 0; i < texts.Length; i++)
            Assert.Equal(reference.Embed(texts[i]), results[i].ToArray());
        Assert.True(cache.Count <= 50);
    }
}
