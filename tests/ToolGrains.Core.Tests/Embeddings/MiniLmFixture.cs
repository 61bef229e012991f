using ToolGrains.Embeddings.MiniLM;
using ToolGrains.Core.Embeddings;

namespace ToolGrains.Core.Tests.Embeddings;

/// <summary>
/// The real MiniLM model, loaded once for the whole test run (loading takes about a second) and
/// shared by every test class that needs semantics. Never disposed: the process ends with the run.
/// </summary>
public static class MiniLm
{
    private static readonly Lazy<LruCachingEmbeddingGenerator> Shared =
        new(() => new LruCachingEmbeddingGenerator(new MiniLmEmbeddingGenerator()), LazyThreadSafetyMode.ExecutionAndPublication);

    public static LruCachingEmbeddingGenerator Generator => Shared.Value;

    public static float[] Embed(string text) =>
        Generator.GenerateAsync([text]).GetAwaiter().GetResult()[0].Vector.ToArray();

    public static float Similarity(string a, string b) => VectorMath.CosineSimilarity(Embed(a), Embed(b));
}
