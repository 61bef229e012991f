using Orleans.Concurrency;
using ToolGrains.Core.Specs;

namespace ToolGrains.Grains;

/// <summary>Stateless: extraction is pure CPU work, so every silo runs it locally and in parallel.</summary>
[StatelessWorker]
public sealed class SpecExtractorGrain : Grain, ISpecExtractorGrain
{
    public Task<string> ExtractFileAsync(string filePath, bool summarize = true, int maxLength = 10_000) =>
        Run(() => SpecExtractor.Default.ExtractFromFile(filePath, summarize, maxLength));

    public Task<string> ExtractTextAsync(string text, bool summarize = true, int maxLength = 10_000) =>
        Run(() =>
        {
            if (string.IsNullOrWhiteSpace(text))
                throw new SpecExtractionException(SpecExtractionException.EmptyFile, "The specification text is empty.", "text");
            return SpecExtractor.Default.Extract(text, summarize, maxLength);
        });

    private static Task<string> Run(Func<SpecExtractionResult> extract)
    {
        try
        {
            return Task.FromResult(extract().ToJson());
        }
        catch (SpecExtractionException ex)
        {
            throw new ToolGrainsException(ex.Code, ex.Message, ex.Field);
        }
    }
}
