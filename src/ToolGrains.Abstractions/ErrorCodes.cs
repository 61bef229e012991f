namespace ToolGrains;

/// <summary>The stable error codes of the JSON protocol (DESIGN.md §5).</summary>
public static class ErrorCodes
{
    public const string InvalidRequest = "invalid_request";
    public const string UnknownOperation = "unknown_operation";
    public const string BufferFull = "buffer_full";
    public const string ItemTooLarge = "item_too_large";
    public const string ToolNotFound = "tool_not_found";
    public const string FileNotFound = "file_not_found";
    public const string NotUtf8 = "not_utf8";
    public const string NoCandidates = "no_candidates";
    public const string ClusterUnreachable = "cluster_unreachable";
    public const string Internal = "internal_error";
    /// <summary>A chat model endpoint (spec plan) did not answer: not the caller's request at fault.</summary>
    public const string ModelUnavailable = "model_unavailable";
    /// <summary>The database did not answer: nothing was acknowledged, and the same request may be retried.</summary>
    public const string StorageUnavailable = "storage_unavailable";

    /// <summary>Process exit code for an error code: 2 bad request, 3 not found, 4 cluster unreachable, 1 anything else (including a retriable storage_unavailable).</summary>
    public static int ExitCode(string code) => code switch
    {
        ToolNotFound or FileNotFound => 3,
        ClusterUnreachable => 4,
        Internal or ModelUnavailable or StorageUnavailable => 1,
        _ => 2,
    };
}
