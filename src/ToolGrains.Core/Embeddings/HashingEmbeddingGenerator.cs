using System.Text;
using Microsoft.Extensions.AI;

namespace ToolGrains.Core.Embeddings;

/// <summary>
/// A deterministic, model-free embedder: the lower-cased word unigrams and bigrams of a text are
/// feature-hashed (FNV-1a, with a hash bit choosing the sign so collisions cancel out on average)
/// into <see cref="Dimensions"/> buckets, and the vector is L2-normalized. Texts that share words
/// are similar, texts that share none are orthogonal; it knows no synonyms. Same text, same
/// vector, on every machine and run: meant for tests and benchmarks that do not test semantics,
/// and for hosts that cannot afford the MiniLM model (<c>ToolGrains:Embeddings=hashing</c>).
/// </summary>
public sealed class HashingEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    /// <summary>The default dimension count, 384, the same as MiniLM's so the two are interchangeable in storage.</summary>
    public const int DefaultDimensions = 384;

    /// <summary>The model id reported in metadata and on each embedding.</summary>
    public const string ModelId = "toolgrains-hashing-v1";

    private readonly EmbeddingGeneratorMetadata _metadata;

    /// <param name="dimensions">Length of each vector. Default 384.</param>
    public HashingEmbeddingGenerator(int dimensions = DefaultDimensions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        Dimensions = dimensions;
        _metadata = new EmbeddingGeneratorMetadata("toolgrains-hashing", providerUri: null, ModelId, dimensions);
    }

    public int Dimensions { get; }

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var result = new GeneratedEmbeddings<Embedding<float>>();
        foreach (var text in values)
        {
            cancellationToken.ThrowIfCancellationRequested();
            result.Add(new Embedding<float>(Embed(text)) { ModelId = ModelId });
        }
        return Task.FromResult(result);
    }

    /// <summary>The normalized vector of one text (a zero vector when it has no words).</summary>
    public float[] Embed(string? text)
    {
        var vector = new float[Dimensions];
        string? previous = null;
        foreach (var word in Words(text ?? ""))
        {
            Add(vector, word);
            if (previous is not null)
                Add(vector, previous + " " + word);
            previous = word;
        }
        VectorMath.NormalizeInPlace(vector);
        return vector;
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
            return null;
        if (serviceType == typeof(EmbeddingGeneratorMetadata))
            return _metadata;
        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    public void Dispose() { }

    private void Add(float[] vector, string feature)
    {
        var hash = Fnv1a(feature);
        var index = (int)(hash % (ulong)Dimensions);
        vector[index] += (hash >> 63) == 0 ? 1f : -1f;
    }

    /// <summary>Maximal runs of letters and digits, lower-cased (invariant culture).</summary>
    internal static IEnumerable<string> Words(string text)
    {
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var inWord = i < text.Length && char.IsLetterOrDigit(text[i]);
            if (inWord && start < 0)
                start = i;
            else if (!inWord && start >= 0)
            {
                yield return text[start..i].ToLowerInvariant();
                start = -1;
            }
        }
    }

    // FNV-1a over UTF-8: stable across processes and runtimes, unlike string.GetHashCode.
    private static ulong Fnv1a(string s)
    {
        var hash = 14695981039346656037UL;
        Span<byte> buffer = stackalloc byte[256];
        var bytes = Encoding.UTF8.GetByteCount(s) <= buffer.Length
            ? buffer[..Encoding.UTF8.GetBytes(s, buffer)]
            : Encoding.UTF8.GetBytes(s);
        foreach (var b in bytes)
        {
            hash ^= b;
            hash *= 1099511628211UL;
        }
        return hash;
    }
}
