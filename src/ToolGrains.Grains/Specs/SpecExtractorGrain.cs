using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using ToolGrains.Core.Specs;
using ToolGrains.Grains.Security;

namespace ToolGrains.Grains.Specs;

/// <summary>Stateless: extraction is pure CPU work, so every silo runs it locally and in parallel.</summary>
[StatelessWorker]
public sealed class SpecExtractorGrain(IOptions<SpecExtractorOptions> options) : Grain, ISpecExtractorGrain
{
    public Task<string> ExtractFileAsync(string filePath, bool summarize = true, int maxLength = 10_000) =>
        ExtractFileAsync(filePath, summarize, maxLength, null);

    public Task<string> ExtractTextAsync(string text, bool summarize = true, int maxLength = 10_000) =>
        ExtractTextAsync(text, summarize, maxLength, null);

    public Task<string> ExtractFileAsync(string filePath, bool summarize, int maxLength, int? maxTokens) =>
        Run(() =>
        {
            // The cheap argument checks first, before the path is judged.
            SpecExtractor.ValidateBudgets(maxLength, maxTokens);
            // A caller must not read the silo's files: only those under the folders the operator named.
            if (!string.IsNullOrWhiteSpace(filePath) && filePath.IndexOfAny(Path.GetInvalidPathChars()) < 0)
            {
                var allowed = options.Value.AllowedDirectories;
                if (!Path.IsPathRooted(filePath) || !PathConfinement.IsInsideAny(filePath, allowed))
                    throw new ToolGrainsException(ErrorCodes.Forbidden, allowed.Count == 0
                        ? "This cluster reads no files by file_path (ToolGrains:SpecDirs is empty): send the document as 'text' "
                          + "(the toolgrains CLI reads your file and does), or ask the operator to add its folder to ToolGrains:SpecDirs."
                        : $"file_path must be an absolute path inside ToolGrains:SpecDirs ({string.Join(", ", allowed)}), symbolic links followed.",
                        "file_path");
            }
            return SpecExtractor.Default.ExtractFromFile(filePath, summarize, maxLength, maxTokens);
        }, textField: null);

    public Task<string> ExtractTextAsync(string text, bool summarize, int maxLength, int? maxTokens) =>
        Run(() =>
        {
            if (string.IsNullOrWhiteSpace(text))
                throw new ToolGrainsException(ErrorCodes.EmptyFile, "The specification text is empty.", "text");
            return SpecExtractor.Default.Extract(text, summarize, maxLength, maxTokens);
        }, textField: "text");

    // Errors about the content name the field it came in: file_path for a file, text for a text.
    private static Task<string> Run(Func<SpecExtractionResult> extract, string? textField)
    {
        try
        {
            return Task.FromResult(extract().ToJson());
        }
        catch (ToolGrainsException ex)
        {
            throw new ToolGrainsException(ex.Code, ex.Message, textField is not null && ex.Field == "file_path" ? textField : ex.Field);
        }
    }
}
