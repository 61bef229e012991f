namespace ToolGrains;

/// <summary>Spec extraction on the cluster (docs/architecture.md <c>extract_spec_from_file</c>).</summary>
[Alias("ToolGrains.ISpecExtractorGrain")]
public interface ISpecExtractorGrain : IGrainWithIntegerKey
{
    /// <summary>Extracts a Markdown or OpenAPI file that the silo can read; returns the §5 JSON document.</summary>
    [Alias("ExtractFile")] Task<string> ExtractFileAsync(string filePath, bool summarize = true, int maxLength = 10_000);

    /// <summary>Extracts a text the caller sends (its file need not be on the silo's disk); returns the §5 JSON document.</summary>
    [Alias("ExtractText")] Task<string> ExtractTextAsync(string text, bool summarize = true, int maxLength = 10_000);

    /// <summary>
    /// As <see cref="ExtractFileAsync(string, bool, int)"/>, with the summary also within <paramref name="maxTokens"/>
    /// o200k tokens when it is set.
    /// </summary>
    [Alias("ExtractFileTokens")] Task<string> ExtractFileAsync(string filePath, bool summarize, int maxLength, int? maxTokens);

    /// <summary>As <see cref="ExtractTextAsync(string, bool, int)"/>, with a token budget.</summary>
    [Alias("ExtractTextTokens")] Task<string> ExtractTextAsync(string text, bool summarize, int maxLength, int? maxTokens);
}
