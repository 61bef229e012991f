using Microsoft.ML.Tokenizers;

namespace ToolGrains.Core.Specs;

/// <summary>
/// Counts tokens as OpenAI's o200k_base encoding does (GPT-4o and later), with Microsoft.ML.Tokenizers.
/// The vocabulary comes from the Microsoft.ML.Tokenizers.Data.O200kBase package, never from the network;
/// it loads once, on first use (about half a second).
/// </summary>
public static class SpecTokens
{
    /// <summary>The encoding <c>max_tokens</c> is counted in.</summary>
    public const string Encoding = "o200k_base";

    private static readonly Lazy<Tokenizer> Tokenizer = new(() => TiktokenTokenizer.CreateForEncoding(Encoding));

    /// <summary>Tokens of <paramref name="text"/> in <see cref="Encoding"/>.</summary>
    public static int Count(string text) => text.Length == 0 ? 0 : Tokenizer.Value.CountTokens(text);
}
