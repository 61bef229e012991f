using System.Text.Json;

namespace ToolGrains.Core.Reputation;

/// <summary>
/// The discrete features of a request that decide its "kind" for the competence estimate (issue 15), beside
/// the scenario's embedding: sentence embeddings rate "convert this png to jpeg" and "convert this webp to jpeg"
/// as near paraphrases, and the negative-tag vocabulary folds png and webp into one domain (image), so neither
/// tells a tool that handles png but not webp apart. A request's terms are
/// <list type="number">
/// <item>the scenario's words that the vocabulary knows (<see cref="NegativeTagVocabulary.DomainOfWord"/>), kept
/// as written (<c>png</c>, <c>webp</c>, <c>js</c>; a file name gives its extension), and</item>
/// <item>the input's top-level string fields whose value is one short token (no blank, at most
/// <see cref="MaxTokenLength"/> characters), as <c>key=value</c> in lower case (<c>format=webp</c>,
/// <c>from=btc</c>); free text, numbers and nested values are not kinds.</item>
/// </list>
/// Two requests are of <see cref="Compatible"/> kinds when their scenario terms are the same set and no input key
/// has two different values.
/// </summary>
public static class RequestKind
{
    /// <summary>Longest input value taken as a kind token. 24.</summary>
    public const int MaxTokenLength = 24;

    /// <summary>Most input tokens taken. 8.</summary>
    public const int MaxInputTokens = 8;

    /// <summary>The request's terms (class remarks), sorted, without repeats.</summary>
    public static IReadOnlyList<string> Terms(string? scenario, string? inputJson, NegativeTagVocabulary? vocabulary = null)
    {
        vocabulary ??= NegativeTagVocabulary.Default;
        var terms = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var word in NegativeTags.Words(scenario))
        {
            if (vocabulary.DomainOfWord(word) is null) continue;
            var dot = word.LastIndexOf('.');
            var extension = dot >= 0 && dot < word.Length - 1 ? word[(dot + 1)..] : null;
            terms.Add(extension is not null && vocabulary.DomainOfWord(extension) is not null ? extension : word);
        }
        if (!string.IsNullOrWhiteSpace(inputJson))
        {
            try
            {
                using var document = JsonDocument.Parse(inputJson);
                if (document.RootElement.ValueKind == JsonValueKind.Object)
                {
                    var taken = 0;
                    foreach (var property in document.RootElement.EnumerateObject())
                    {
                        if (taken >= MaxInputTokens) break;
                        if (property.Value.ValueKind != JsonValueKind.String || property.Name.Contains('=')) continue;
                        var value = property.Value.GetString();
                        if (string.IsNullOrEmpty(value) || value.Length > MaxTokenLength || value.Any(char.IsWhiteSpace)) continue;
                        terms.Add($"{property.Name.ToLowerInvariant()}={value.ToLowerInvariant()}");
                        taken++;
                    }
                }
            }
            catch (JsonException)
            {
                // Not JSON: no input tokens (the invoker refuses such input before it gets here).
            }
        }
        return [.. terms];
    }

    /// <summary>Whether two sets of terms are of compatible kinds: the same scenario terms (those without <c>=</c>),
    /// and no input key with two values.</summary>
    public static bool Compatible(IReadOnlyCollection<string> a, IReadOnlyCollection<string> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var aWords = a.Where(t => !t.Contains('=')).ToHashSet(StringComparer.Ordinal);
        var bWords = b.Where(t => !t.Contains('=')).ToHashSet(StringComparer.Ordinal);
        if (!aWords.SetEquals(bWords)) return false;
        foreach (var term in a)
        {
            var eq = term.IndexOf('=');
            if (eq < 0) continue;
            var key = term[..(eq + 1)];
            foreach (var other in b)
                if (other.StartsWith(key, StringComparison.Ordinal) && other != term)
                    return false;
        }
        return true;
    }
}
