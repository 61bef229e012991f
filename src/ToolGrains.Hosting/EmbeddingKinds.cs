namespace ToolGrains.Hosting;

/// <summary>The <c>ToolGrains:Embeddings</c> values.</summary>
public static class EmbeddingKinds
{
    public const string MiniLm = "minilm";
    public const string Hashing = "hashing";

    public static bool IsKnown(string? kind) =>
        string.Equals(kind, MiniLm, StringComparison.OrdinalIgnoreCase) || string.Equals(kind, Hashing, StringComparison.OrdinalIgnoreCase);
}
