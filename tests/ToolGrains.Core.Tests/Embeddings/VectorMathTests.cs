using ToolGrains.Core.Embeddings;

namespace ToolGrains.Core.Tests.Embeddings;

public sealed class VectorMathTests
{
    [Fact]
    public void Cosine_of_parallel_orthogonal_and_opposite_vectors()
    {
        Assert.Equal(1f, VectorMath.CosineSimilarity([1, 2, 3], [2, 4, 6]), 5);
        Assert.Equal(0f, VectorMath.CosineSimilarity([1, 0], [0, 5]), 6);
        Assert.Equal(-1f, VectorMath.CosineSimilarity([1, -2, 3], [-1, 2, -3]), 5);
    }

    [Fact]
    public void Cosine_matches_the_textbook_formula_on_long_vectors()
    {
        // Longer than any SIMD width, and not a multiple of it, so the vector loop and its tail both run.
        var random = new Random(7);
        var a = Enumerable.Range(0, 389).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        var b = Enumerable.Range(0, 389).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
        Assert.Equal(dot / Math.Sqrt(na * nb), VectorMath.CosineSimilarity(a, b), 4);
    }

    [Fact]
    public void A_zero_or_empty_vector_is_similar_to_nothing()
    {
        Assert.Equal(0f, VectorMath.CosineSimilarity([0, 0, 0], [1, 2, 3]));
        Assert.Equal(0f, VectorMath.CosineSimilarity([], []));
    }

    [Fact]
    public void Vectors_of_different_lengths_are_refused()
    {
        Assert.Throws<ArgumentException>(() => VectorMath.CosineSimilarity([1, 2], [1, 2, 3]));
        Assert.Throws<ArgumentException>(() => VectorMath.Dot([1], [1, 2]));
        Assert.Throws<ArgumentException>(() => VectorMath.UpdateCentroid(new float[2], [1, 2, 3], 1));
    }

    [Fact]
    public void Normalize_gives_unit_length_and_keeps_direction()
    {
        var v = VectorMath.Normalized([3, 4]);
        Assert.Equal(0.6f, v[0], 6);
        Assert.Equal(0.8f, v[1], 6);
        Assert.Equal(1f, VectorMath.Norm(v), 6);
    }

    [Fact]
    public void Normalize_leaves_a_zero_vector_zero_instead_of_NaN()
    {
        float[] v = [0, 0, 0];
        VectorMath.NormalizeInPlace(v);
        Assert.Equal([0f, 0f, 0f], v);
    }

    [Fact]
    public void Running_centroid_is_the_mean_of_its_samples()
    {
        float[][] samples = [[1, 0, 2], [3, 4, 0], [5, 2, 1], [-1, 6, 5]];
        var centroid = new float[3];
        for (var i = 0; i < samples.Length; i++)
            VectorMath.UpdateCentroid(centroid, samples[i], i);
        Assert.Equal(2f, centroid[0], 5);
        Assert.Equal(3f, centroid[1], 5);
        Assert.Equal(2f, centroid[2], 5);
    }

    [Fact]
    public void The_first_sample_becomes_the_centroid()
    {
        var centroid = new float[] { 9, 9 };
        VectorMath.UpdateCentroid(centroid, [1, 2], 0);
        Assert.Equal([1f, 2f], centroid);
        Assert.Throws<ArgumentOutOfRangeException>(() => VectorMath.UpdateCentroid(centroid, [1, 2], -1));
    }
}
