using Microsoft.Extensions.AI;

namespace ToolGrains.Core.Embeddings;

/// <summary>
/// Remembers the embeddings of the most recently used texts (a bounded LRU keyed by the exact,
/// ordinal text) so that a scenario or a tool description seen again is not embedded again.
/// Misses of one call go to the inner generator as one batch, each distinct text once.
/// Thread-safe; two callers missing the same text at the same moment may both embed it (the
/// result is the same), which is cheaper than making every caller wait on a per-text lock.
/// Calls that pass <see cref="EmbeddingGenerationOptions"/> bypass the cache, since options can
/// change the vector.
/// </summary>
public sealed class LruCachingEmbeddingGenerator : DelegatingEmbeddingGenerator<string, Embedding<float>>
{
    /// <summary>The default capacity: 10,000 texts (about 15 MB of 384-float vectors).</summary>
    public const int DefaultCapacity = 10_000;

    /// <summary>The default bound on what the cache holds, texts and vectors together: 64 MiB.</summary>
    public const long DefaultMaxBytes = 64L * 1024 * 1024;

    private readonly Dictionary<string, LinkedListNode<(string Text, float[] Vector)>> _index = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Text, float[] Vector)> _lru = new();
    private readonly Lock _gate = new();
    private long _hits;
    private long _misses;
    private long _bytes;

    /// <param name="inner">The generator that computes vectors on a miss; disposed with this one.</param>
    /// <param name="capacity">Most texts kept; the least recently used is evicted first. Default 10,000.</param>
    /// <param name="maxBytes">Most bytes of texts and vectors kept, so long texts cannot grow it past a bound. Default 64 MiB.</param>
    public LruCachingEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> inner, int capacity = DefaultCapacity, long maxBytes = DefaultMaxBytes)
        : base(inner)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        Capacity = capacity;
        MaxBytes = maxBytes;
    }

    public int Capacity { get; }

    public long MaxBytes { get; }

    /// <summary>Bytes of texts (UTF-16) and vectors held now.</summary>
    public long Bytes { get { lock (_gate) return _bytes; } }

    private static long SizeOf(string text, float[] vector) => 2L * text.Length + 4L * vector.Length;

    /// <summary>Texts currently cached.</summary>
    public int Count { get { lock (_gate) return _index.Count; } }

    /// <summary>Texts answered from the cache since creation.</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Texts sent to the inner generator since creation.</summary>
    public long Misses => Interlocked.Read(ref _misses);

    public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (options is not null)
            return await base.GenerateAsync(values, options, cancellationToken).ConfigureAwait(false);

        var texts = values.ToArray();
        var vectors = new float[]?[texts.Length];
        List<string>? missing = null;
        lock (_gate)
        {
            for (var i = 0; i < texts.Length; i++)
            {
                ArgumentNullException.ThrowIfNull(texts[i], nameof(values));
                if (_index.TryGetValue(texts[i], out var node))
                {
                    _lru.Remove(node);
                    _lru.AddFirst(node);
                    vectors[i] = node.Value.Vector;
                }
                else
                {
                    missing ??= [];
                    missing.Add(texts[i]);
                }
            }
        }

        var distinctMisses = 0;
        if (missing is not null)
        {
            var distinct = missing.Distinct(StringComparer.Ordinal).ToArray();
            distinctMisses = distinct.Length;
            Interlocked.Add(ref _misses, distinct.Length);
            var generated = await base.GenerateAsync(distinct, options: null, cancellationToken).ConfigureAwait(false);
            if (generated.Count != distinct.Length)
                throw new InvalidOperationException($"The inner embedding generator returned {generated.Count} vectors for {distinct.Length} texts.");
            var fresh = new Dictionary<string, float[]>(distinct.Length, StringComparer.Ordinal);
            lock (_gate)
            {
                for (var j = 0; j < distinct.Length; j++)
                {
                    // A private copy: callers own the arrays behind the embeddings they were handed.
                    var vector = generated[j].Vector.ToArray();
                    fresh[distinct[j]] = vector;
                    Put(distinct[j], vector);
                }
            }
            for (var i = 0; i < texts.Length; i++)
                vectors[i] ??= fresh[texts[i]];
        }

        // A text repeated within one call is embedded once; its repeats count as hits.
        Interlocked.Add(ref _hits, texts.Length - distinctMisses);
        var result = new GeneratedEmbeddings<Embedding<float>>(texts.Length);
        foreach (var vector in vectors)
            result.Add(new Embedding<float>(vector!));
        return result;
    }

    private void Put(string text, float[] vector)
    {
        if (_index.TryGetValue(text, out var existing))
        {
            _lru.Remove(existing);
            _index.Remove(text);
            _bytes -= SizeOf(existing.Value.Text, existing.Value.Vector);
        }
        // A single entry larger than the whole bound is returned to its caller but never kept.
        if (SizeOf(text, vector) > MaxBytes) return;
        _index[text] = _lru.AddFirst((text, vector));
        _bytes += SizeOf(text, vector);
        while (_index.Count > Capacity || _bytes > MaxBytes)
        {
            var stalest = _lru.Last!;
            _lru.RemoveLast();
            _index.Remove(stalest.Value.Text);
            _bytes -= SizeOf(stalest.Value.Text, stalest.Value.Vector);
        }
    }
}
