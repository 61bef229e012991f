namespace ToolGrains.Grains.Invocation;

/// <summary>How the resilient invoker ranks and tries tools.</summary>
public sealed class ResilientInvokerOptions
{
    /// <summary>Tools whose reputation is fetched per call: the best by the fusion of similarity and BM25 ranks, whatever <c>max_attempts</c>
    /// (at least max_attempts). Ranking 1,000 tools is then this many grain calls, not 1,000. Default 20 (four
    /// times the default max_attempts: enough unless a long run of the most similar tools is heavily demoted).</summary>
    public int ShortlistSize { get; set; } = 20;

    /// <summary>How often, at most, a silo asks the catalog whether its version changed. Default 1 s.
    /// A registration on the same silo refreshes at once.</summary>
    public TimeSpan CatalogRefreshInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Overall deadline of a call when the request names none. Default 60 s.</summary>
    public TimeSpan DefaultDeadline { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Most attempts a request may ask for. Default 50.</summary>
    public int MaxAttemptsLimit { get; set; } = 50;

    /// <summary>Longest <c>Retry-After</c> the invoker waits out to try the same tool again, once no other candidate is
    /// left (and within the call's deadline). Default 10 s.</summary>
    public TimeSpan MaxRetryAfterWait { get; set; } = TimeSpan.FromSeconds(10);
}
