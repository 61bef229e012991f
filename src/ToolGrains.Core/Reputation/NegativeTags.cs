using System.Collections.Frozen;

namespace ToolGrains.Core.Reputation;

/// <summary>
/// Negative tags: what a tool's failure says about the domain it cannot handle. A failure on
/// "parse JSON data" gives <c>not-for-json</c>, one on "analyze javascript code" gives
/// <c>not-for-javascript</c>.
/// <para>
/// The rule, kept predictable on purpose (no guessing at unknown nouns, which would turn words like
/// "data" or "file" into tags that demote tools everywhere):
/// </para>
/// <list type="number">
/// <item>The scenario is split into words: maximal runs of letters, digits and the characters
/// <c># + .</c>, lower-cased, with leading and trailing dots trimmed ("Node.js," → "node.js",
/// "C#" → "c#", "javascript-based" → "javascript", "based").</item>
/// <item>A word that is a term of the <see cref="NegativeTagVocabulary"/> names that term's domain
/// (synonyms such as js, node, nodejs → javascript; yml → yaml; py → python).</item>
/// <item>A word that looks like a file name with a known extension names the extension's domain
/// ("app.ts" → typescript, "config.yml" → yaml, ".csv" → csv).</item>
/// <item>Every domain named gives the tag <c>not-for-DOMAIN</c>, in order of first mention,
/// without repeats. A scenario that names no known domain gives no tag.</item>
/// </list>
/// A scenario hits a negative tag when it names the tag's domain by the same rule. A tag whose
/// domain is not in the vocabulary (added by hand, say <c>not-for-cobol2</c>) is hit when the
/// scenario contains the domain as a word.
/// </summary>
public sealed class NegativeTags
{
    /// <summary>The prefix of every negative tag.</summary>
    public const string Prefix = "not-for-";

    /// <summary>Derivation with <see cref="NegativeTagVocabulary.Default"/>.</summary>
    public static NegativeTags Default { get; } = new(NegativeTagVocabulary.Default);

    private readonly NegativeTagVocabulary _vocabulary;

    public NegativeTags(NegativeTagVocabulary vocabulary)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        _vocabulary = vocabulary;
    }

    /// <summary>The tag of a domain: <c>not-for-</c> + the domain.</summary>
    public static string TagFor(string domain) => Prefix + domain;

    /// <summary>The domain of a tag (<c>not-for-json</c> → <c>json</c>), or null when it is not a negative tag.</summary>
    public static string? DomainOf(string tag) =>
        tag.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) && tag.Length > Prefix.Length
            ? tag[Prefix.Length..].ToLowerInvariant()
            : null;

    /// <summary>The canonical domains a scenario names, in order of first mention, without repeats.</summary>
    public IReadOnlyList<string> Domains(string? scenario)
    {
        var domains = new List<string>();
        foreach (var word in Words(scenario))
        {
            var domain = _vocabulary.DomainOfWord(word);
            if (domain is not null && !domains.Contains(domain))
                domains.Add(domain);
        }
        return domains;
    }

    /// <summary>The negative tags a failure on <paramref name="scenario"/> earns (see the class remarks).</summary>
    public IReadOnlyList<string> Derive(string? scenario) => [.. Domains(scenario).Select(TagFor)];

    /// <summary>Whether <paramref name="scenario"/> names the domain of <paramref name="negativeTag"/>.</summary>
    public bool Hits(string? scenario, string negativeTag) => Hits(scenario, [negativeTag]).Count > 0;

    /// <summary>The tags among <paramref name="negativeTags"/> that <paramref name="scenario"/> hits, in their given order.</summary>
    public IReadOnlyList<string> Hits(string? scenario, IEnumerable<string> negativeTags)
    {
        ArgumentNullException.ThrowIfNull(negativeTags);
        List<string>? hits = null;
        HashSet<string>? domains = null;
        HashSet<string>? words = null;
        foreach (var tag in negativeTags)
        {
            var domain = tag is null ? null : DomainOf(tag);
            if (domain is null)
                continue;
            bool hit;
            if (_vocabulary.IsDomain(domain))
            {
                domains ??= [.. Domains(scenario)];
                hit = domains.Contains(domain);
            }
            else
            {
                words ??= [.. Words(scenario)];
                hit = words.Contains(domain);
            }
            if (hit)
                (hits ??= []).Add(tag!);
        }
        return hits ?? (IReadOnlyList<string>)[];
    }

    /// <summary>The words of a text by rule 1 of the class remarks.</summary>
    public static IEnumerable<string> Words(string? text)
    {
        if (string.IsNullOrEmpty(text))
            yield break;
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var inWord = i < text.Length && IsWordChar(text[i]);
            if (inWord && start < 0)
                start = i;
            else if (!inWord && start >= 0)
            {
                var word = text[start..i].Trim('.').ToLowerInvariant();
                if (word.Length > 0)
                    yield return word;
                start = -1;
            }
        }
    }

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c is '#' or '+' or '.';
}

/// <summary>
/// The curated domains negative tags are made of: programming languages, data and document
/// formats, natural languages and media types, each with its synonyms and file extensions.
/// </summary>
public sealed class NegativeTagVocabulary
{
    /// <summary>The built-in vocabulary (see the source for the full list; it is the documentation).</summary>
    public static NegativeTagVocabulary Default { get; } = new(DefaultDomains());

    private readonly FrozenDictionary<string, string> _terms;
    private readonly FrozenDictionary<string, string> _extensions;
    private readonly FrozenSet<string> _domains;

    /// <param name="domains">Each domain: its canonical name (the tag's suffix; a lower-case word),
    /// the words that name it (the canonical name is always one) and file extensions without the dot.</param>
    public NegativeTagVocabulary(IEnumerable<NegativeTagDomain> domains)
    {
        ArgumentNullException.ThrowIfNull(domains);
        var terms = new Dictionary<string, string>(StringComparer.Ordinal);
        var extensions = new Dictionary<string, string>(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var d in domains)
        {
            var name = d.Name.ToLowerInvariant();
            if (!names.Add(name))
                throw new ArgumentException($"The domain '{name}' is listed twice.", nameof(domains));
            foreach (var term in d.Terms.Append(name))
                if (!terms.TryAdd(term.ToLowerInvariant(), name) && terms[term.ToLowerInvariant()] != name)
                    throw new ArgumentException($"The term '{term}' names two domains.", nameof(domains));
            foreach (var ext in d.Extensions)
                extensions[ext.TrimStart('.').ToLowerInvariant()] = name;
        }
        _terms = terms.ToFrozenDictionary(StringComparer.Ordinal);
        _extensions = extensions.ToFrozenDictionary(StringComparer.Ordinal);
        _domains = names.ToFrozenSet(StringComparer.Ordinal);
    }

    /// <summary>Canonical domain names.</summary>
    public IReadOnlySet<string> DomainNames => _domains;

    public bool IsDomain(string domain) => _domains.Contains(domain);

    /// <summary>The domain a lower-cased word names: a term, else a file name's known extension, else null.</summary>
    public string? DomainOfWord(string word)
    {
        if (_terms.TryGetValue(word, out var domain))
            return domain;
        var dot = word.LastIndexOf('.');
        if (dot >= 0 && dot < word.Length - 1 && _extensions.TryGetValue(word[(dot + 1)..], out domain))
            return domain;
        return null;
    }

    private static IEnumerable<NegativeTagDomain> DefaultDomains()
    {
        // Deliberately absent: words that are also everyday English ("go", "c", "r", "swift", "word",
        // "polish" are verbs, letters or adjectives) unless unambiguous in a tool scenario, and generic nouns
        // ("code", "data", "file", "text") that would tag every scenario.
        // Programming languages
        yield return new("javascript", ["js", "node", "nodejs", "node.js", "ecmascript", "jsx", "es6"], ["js", "mjs", "cjs", "jsx"]);
        yield return new("typescript", ["ts", "tsx"], ["ts", "tsx", "mts", "cts"]);
        yield return new("python", ["py", "python2", "python3"], ["py", "pyi", "ipynb"]);
        yield return new("java", ["jvm"], ["java", "jar"]);
        yield return new("kotlin", ["kt"], ["kt", "kts"]);
        yield return new("scala", [], ["scala", "sc"]);
        yield return new("csharp", ["c#", "dotnet"], ["cs", "csx"]);
        yield return new("fsharp", ["f#"], ["fs", "fsx"]);
        yield return new("cpp", ["c++", "cplusplus", "cxx"], ["cpp", "cc", "cxx", "hpp", "hh"]);
        yield return new("golang", [], ["go"]);
        yield return new("rust", ["rustlang"], ["rs"]);
        yield return new("ruby", ["rb", "rails"], ["rb"]);
        yield return new("php", [], ["php"]);
        yield return new("perl", [], ["pl", "pm"]);
        yield return new("lua", [], ["lua"]);
        yield return new("haskell", [], ["hs"]);
        yield return new("elixir", [], ["ex", "exs"]);
        yield return new("dart", ["flutter"], ["dart"]);
        yield return new("shell", ["bash", "sh", "zsh", "shellscript"], ["sh", "bash", "zsh"]);
        yield return new("powershell", ["pwsh", "ps1"], ["ps1", "psm1"]);
        yield return new("sql", ["mysql", "postgresql", "postgres", "sqlite", "tsql", "plsql"], ["sql"]);
        // Data and document formats
        yield return new("json", ["jsonl", "ndjson", "geojson"], ["json", "jsonl", "ndjson", "geojson"]);
        yield return new("yaml", ["yml"], ["yaml", "yml"]);
        yield return new("xml", ["xsd", "xslt"], ["xml", "xsd", "xsl", "xslt"]);
        yield return new("csv", ["tsv"], ["csv", "tsv"]);
        yield return new("toml", [], ["toml"]);
        yield return new("html", ["htm", "xhtml"], ["html", "htm", "xhtml"]);
        yield return new("css", ["scss", "sass"], ["css", "scss", "sass", "less"]);
        yield return new("markdown", ["md"], ["md", "markdown"]);
        yield return new("pdf", [], ["pdf"]);
        yield return new("excel", ["xlsx", "xls", "spreadsheet", "spreadsheets"], ["xlsx", "xls"]);
        yield return new("docx", ["msword"], ["docx", "doc"]);
        yield return new("protobuf", ["proto", "protobuf3"], ["proto"]);
        yield return new("parquet", [], ["parquet"]);
        yield return new("graphql", ["gql"], ["graphql", "gql"]);
        // Natural languages
        yield return new("english", [], []);
        yield return new("french", ["francais", "français"], []);
        yield return new("german", ["deutsch"], []);
        yield return new("spanish", ["espanol", "español", "castilian"], []);
        yield return new("italian", [], []);
        yield return new("portuguese", [], []);
        yield return new("dutch", [], []);
        yield return new("russian", [], []);
        yield return new("chinese", ["mandarin", "cantonese"], []);
        yield return new("japanese", [], []);
        yield return new("korean", [], []);
        yield return new("arabic", [], []);
        yield return new("hindi", [], []);
        yield return new("turkish", [], []);
        // Media types
        yield return new("image", ["images", "photo", "photos", "picture", "pictures", "png", "jpg", "jpeg", "gif", "webp", "svg", "screenshot"],
            ["png", "jpg", "jpeg", "gif", "webp", "svg", "bmp"]);
        yield return new("audio", ["sound", "mp3", "wav", "speech", "podcast"], ["mp3", "wav", "flac", "ogg", "m4a"]);
        yield return new("video", ["videos", "mp4", "movie"], ["mp4", "mov", "avi", "mkv", "webm"]);
    }
}

/// <summary>One domain of a <see cref="NegativeTagVocabulary"/>.</summary>
/// <param name="Name">Canonical name, the suffix of its tag (<c>json</c> → <c>not-for-json</c>).</param>
/// <param name="Terms">Other words that name it, lower-case.</param>
/// <param name="Extensions">File extensions, without the dot, that name it in a file name.</param>
public sealed record NegativeTagDomain(string Name, IReadOnlyList<string> Terms, IReadOnlyList<string> Extensions);
