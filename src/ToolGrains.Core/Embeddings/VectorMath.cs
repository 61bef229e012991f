using System.Numerics.Tensors;

namespace ToolGrains.Core.Embeddings;

/// <summary>
/// Vector operations on embeddings, vectorized through <see cref="TensorPrimitives"/> (SIMD on
/// every platform .NET supports), so that scoring a scenario against thousands of 384-float
/// vectors stays in the microseconds.
/// </summary>
public static class VectorMath
{
    /// <summary>
    /// Cosine similarity of two vectors of the same length, in [-1, 1]. A zero vector (for example
    /// the embedding of an empty text) is similar to nothing: the result is 0, never NaN, so that
    /// one degenerate embedding cannot poison a ranking.
    /// </summary>
    /// <exception cref="ArgumentException">The vectors differ in length.</exception>
    public static float CosineSimilarity(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        RequireSameLength(a, b);
        if (a.IsEmpty)
            return 0f;
        var dot = TensorPrimitives.Dot(a, b);
        var norms = TensorPrimitives.Norm(a) * TensorPrimitives.Norm(b);
        if (norms <= float.Epsilon || !float.IsFinite(norms))
            return 0f;
        // Rounding can put the ratio of two nearly parallel vectors a hair outside [-1, 1].
        return Math.Clamp(dot / norms, -1f, 1f);
    }

    /// <summary>Dot product of two vectors of the same length; equals the cosine for unit vectors.</summary>
    /// <exception cref="ArgumentException">The vectors differ in length.</exception>
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        RequireSameLength(a, b);
        return TensorPrimitives.Dot(a, b);
    }

    /// <summary>Euclidean (L2) norm.</summary>
    public static float Norm(ReadOnlySpan<float> vector) => TensorPrimitives.Norm(vector);

    /// <summary>
    /// Writes <paramref name="source"/> scaled to unit length into <paramref name="destination"/>
    /// (which may be the same memory). A zero vector is copied unchanged, since it has no direction.
    /// </summary>
    /// <exception cref="ArgumentException">The destination is shorter than the source.</exception>
    public static void Normalize(ReadOnlySpan<float> source, Span<float> destination)
    {
        if (destination.Length < source.Length)
            throw new ArgumentException("The destination is shorter than the source.", nameof(destination));
        var norm = TensorPrimitives.Norm(source);
        if (norm <= float.Epsilon || !float.IsFinite(norm))
        {
            source.CopyTo(destination);
            return;
        }
        TensorPrimitives.Divide(source, norm, destination);
    }

    /// <summary>Normalizes <paramref name="vector"/> in place; see <see cref="Normalize(ReadOnlySpan{float}, Span{float})"/>.</summary>
    public static void NormalizeInPlace(Span<float> vector) => Normalize(vector, vector);

    /// <summary>A new array holding <paramref name="vector"/> scaled to unit length.</summary>
    public static float[] Normalized(ReadOnlySpan<float> vector)
    {
        var result = new float[vector.Length];
        Normalize(vector, result);
        return result;
    }

    /// <summary>
    /// Moves a running mean (<paramref name="centroid"/>, the mean of <paramref name="countBefore"/>
    /// samples) to the mean of those samples and <paramref name="sample"/>:
    /// <c>centroid += (sample - centroid) / (countBefore + 1)</c>. With <paramref name="countBefore"/>
    /// 0 the centroid becomes the sample. The centroid is deliberately left unnormalized: it is the
    /// exact mean, and cosine similarity ignores its length.
    /// </summary>
    /// <exception cref="ArgumentException">The vectors differ in length.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="countBefore"/> is negative.</exception>
    public static void UpdateCentroid(Span<float> centroid, ReadOnlySpan<float> sample, int countBefore)
    {
        RequireSameLength(centroid, sample);
        ArgumentOutOfRangeException.ThrowIfNegative(countBefore);
        if (countBefore == 0)
        {
            sample.CopyTo(centroid);
            return;
        }
        // centroid * n/(n+1) + sample * 1/(n+1): two in-place passes, no temporary vector.
        var n = (float)countBefore;
        TensorPrimitives.Multiply(centroid, n / (n + 1f), centroid);
        TensorPrimitives.MultiplyAdd(sample, 1f / (n + 1f), centroid, centroid);
    }

    private static void RequireSameLength(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
            throw new ArgumentException($"Vectors differ in length ({a.Length} and {b.Length}).");
    }
}
