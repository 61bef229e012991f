namespace ToolGrains;

/// <summary>The stable error codes of the JSON protocol (docs/architecture.md).</summary>
public static class ErrorCodes
{
    public const string InvalidRequest = "invalid_request";
    public const string UnknownOperation = "unknown_operation";
    public const string BufferFull = "buffer_full";
    public const string ItemTooLarge = "item_too_large";
    public const string ToolNotFound = "tool_not_found";
    public const string FileNotFound = "file_not_found";
    public const string NotUtf8 = "not_utf8";
    /// <summary>Binary content (NUL bytes): UTF-8 in form perhaps, but not a text document.</summary>
    public const string NotText = "not_text";
    public const string FileTooLarge = "file_too_large";
    public const string EmptyFile = "empty_file";
    /// <summary>The file exists but the OS refused to read it (permissions, locks, I/O errors).</summary>
    public const string FileNotReadable = "file_not_readable";
    public const string NoCandidates = "no_candidates";
    public const string ClusterUnreachable = "cluster_unreachable";
    public const string Internal = "internal_error";
    /// <summary>A registered tool called directly failed or timed out (HTTP 502): the tool's fault, not the request's.</summary>
    public const string ToolFailed = "tool_failed";
    /// <summary>A manual flush's batch was not confirmed by its tool (HTTP 502); it stays buffered and is retried.</summary>
    public const string FlushFailed = "flush_failed";
    /// <summary>No valid API key was presented to a silo that requires one (HTTP 401).</summary>
    public const string Unauthorized = "unauthorized";
    /// <summary>The key is valid but its role may not do this, or the request names something outside what the operator allowed (HTTP 403).</summary>
    public const string Forbidden = "forbidden";
    /// <summary>A chat model endpoint (spec plan) did not answer: not the caller's request at fault.</summary>
    public const string ModelUnavailable = "model_unavailable";
    /// <summary>The database did not answer: nothing was acknowledged, and the same request may be retried.</summary>
    public const string StorageUnavailable = "storage_unavailable";

    /// <summary>Process exit code for an error code: 2 bad request, 3 not found, 4 cluster unreachable, 5 unauthorized or forbidden, 1 anything else (including a retriable storage_unavailable).</summary>
    public static int ExitCode(string code) => code switch
    {
        ToolNotFound or FileNotFound => 3,
        ClusterUnreachable => 4,
        Unauthorized or Forbidden => 5,
        Internal or ModelUnavailable or ToolFailed or FlushFailed or StorageUnavailable => 1,
        _ => 2,
    };

    /// <summary>HTTP status of an error answer of <c>POST /api/call/{tool}</c>: 401, 403, 502 for a tool's failure,
    /// 503 for storage, else by the exit code's class (400 bad request, 404 not found, 500 anything else).</summary>
    public static int HttpStatus(string code) => code switch
    {
        Unauthorized => 401,
        Forbidden => 403,
        ToolFailed or FlushFailed => 502,
        StorageUnavailable => 503,
        _ => ExitCode(code) switch
        {
            2 => 400,
            3 => 404,
            _ => 500,
        },
    };
}
