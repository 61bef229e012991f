namespace ToolGrains.Core.Reputation;

/// <summary>
/// Okapi BM25 over each tool's id, description and tags, the lexical half of the invoker's hybrid shortlist (issue 15):
/// dense sentence embeddings alone are weak at tool retrieval (ToolRet), missing exact names and rare terms such as
/// <c>geocode</c>, <c>webp</c> or a tool's own id. Tokens are lower-cased runs of letters and digits (an id such as
/// <c>pdf_to_text</c> gives <c>pdf</c>, <c>to</c>, <c>text</c>); a few English stop words are dropped.
/// Immutable once built; built once per catalog version.
/// </summary>
public sealed class Bm25Index
{
    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "a", "an", "and", "the", "of", "to", "in", "on", "for", "with", "by", "at", "from", "into", "this", "that", "these",
        "is", "are", "be", "it", "its", "my", "me", "i", "or", "as", "any", "all", "please", "some",
    };

    private readonly Dictionary<string, int>[] _termCounts;
    private readonly int[] _lengths;
    private readonly Dictionary<string, int> _documentFrequency = new(StringComparer.Ordinal);
    private readonly double _averageLength;
    private readonly double _k1;
    private readonly double _b;

    /// <param name="documents">One text per tool, in candidate order (see <see cref="DocumentOf"/>).</param>
    /// <param name="k1">Term-frequency saturation. Default 1.2.</param>
    /// <param name="b">Length normalisation. Default 0.75.</param>
    public Bm25Index(IReadOnlyList<string> documents, double k1 = 1.2, double b = 0.75)
    {
        ArgumentNullException.ThrowIfNull(documents);
        _k1 = k1;
        _b = b;
        _termCounts = new Dictionary<string, int>[documents.Count];
        _lengths = new int[documents.Count];
        for (var i = 0; i < documents.Count; i++)
        {
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var token in Tokens(documents[i]))
            {
                counts[token] = counts.GetValueOrDefault(token) + 1;
                _lengths[i]++;
            }
            foreach (var term in counts.Keys)
                _documentFrequency[term] = _documentFrequency.GetValueOrDefault(term) + 1;
            _termCounts[i] = counts;
        }
        _averageLength = documents.Count == 0 ? 0 : Math.Max(1, _lengths.Average());
    }

    public int Count => _termCounts.Length;

    /// <summary>The text a tool is indexed by: its id, description and tags.</summary>
    public static string DocumentOf(string id, string description, IEnumerable<string> tags) =>
        string.Join(' ', [id, description, .. tags]);

    /// <summary>The BM25 score of every document for <paramref name="query"/>, by document index; 0 for no shared term.</summary>
    public double[] Scores(string? query)
    {
        var scores = new double[_termCounts.Length];
        var terms = Tokens(query).Distinct(StringComparer.Ordinal).ToList();
        if (terms.Count == 0 || _termCounts.Length == 0) return scores;
        foreach (var term in terms)
        {
            if (!_documentFrequency.TryGetValue(term, out var df)) continue;
            // The "plus one" idf of Lucene: never negative, so a term in most documents still counts a little.
            var idf = Math.Log(1 + (_termCounts.Length - df + 0.5) / (df + 0.5));
            for (var i = 0; i < _termCounts.Length; i++)
            {
                if (!_termCounts[i].TryGetValue(term, out var tf)) continue;
                scores[i] += idf * tf * (_k1 + 1) / (tf + _k1 * (1 - _b + _b * _lengths[i] / _averageLength));
            }
        }
        return scores;
    }

    /// <summary>The tokens of a text (class remarks).</summary>
    public static IEnumerable<string> Tokens(string? text)
    {
        if (string.IsNullOrEmpty(text)) yield break;
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var inToken = i < text.Length && char.IsLetterOrDigit(text[i]);
            if (inToken && start < 0) start = i;
            else if (!inToken && start >= 0)
            {
                var token = text[start..i].ToLowerInvariant();
                start = -1;
                if (!StopWords.Contains(token)) yield return token;
            }
        }
    }
}
