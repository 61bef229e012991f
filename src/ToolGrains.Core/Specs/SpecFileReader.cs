using System.Text;

namespace ToolGrains.Core.Specs;

/// <summary>
/// Loads a specification file as text, refusing what is not one with the protocol's error codes:
/// <c>file_not_found</c>, <c>invalid_request</c> (a directory, no path), <c>file_too_large</c>,
/// <c>empty_file</c>, <c>not_utf8</c>, <c>not_text</c> (binary) and <c>file_not_readable</c>.
/// </summary>
public static class SpecFileReader
{
    // Strict: a file that is not valid UTF-8 is refused rather than read with U+FFFD in it.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Reads <paramref name="path"/> as UTF-8 text (a UTF-8 byte order mark is dropped).</summary>
    /// <param name="path">The file.</param>
    /// <param name="maxBytes">Larger files are refused. Default 50 MiB, as <see cref="SpecExtractionOptions.MaxFileSizeBytes"/>.</param>
    public static string ReadAllText(string path, long maxBytes = 50L * 1024 * 1024)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, "file_path is required", "file_path");
        }
        if (path.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
        {
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, "file_path contains a NUL or another character no path may hold", "file_path");
        }
        if (Directory.Exists(path))
        {
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, $"{path} is a directory, not a file", "file_path");
        }
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new ToolGrainsException(ErrorCodes.FileNotFound, $"file not found: {path}", "file_path");
        }
        // Checked before reading so a huge file costs a stat, not its memory.
        if (info.Length > maxBytes)
        {
            throw new ToolGrainsException(ErrorCodes.FileTooLarge,
                $"{path} is {info.Length} bytes, more than the limit of {maxBytes}", "file_path");
        }
        if (info.Length == 0)
        {
            throw new ToolGrainsException(ErrorCodes.EmptyFile, $"{path} is empty", "file_path");
        }

        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ToolGrainsException(ErrorCodes.FileNotReadable, $"cannot read {path}: {e.Message}", "file_path");
        }
        // The file may have grown between the stat and the read.
        if (bytes.LongLength > maxBytes)
        {
            throw new ToolGrainsException(ErrorCodes.FileTooLarge,
                $"{path} is {bytes.LongLength} bytes, more than the limit of {maxBytes}", "file_path");
        }
        return Decode(bytes, path);
    }

    /// <summary>Decodes file content with the same checks as <see cref="ReadAllText"/>.</summary>
    public static string Decode(ReadOnlySpan<byte> bytes, string path = "input")
    {
        // UTF-16 and UTF-32 text is text, but not UTF-8: say so before the NUL check calls it binary.
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF])
            || bytes.StartsWith((ReadOnlySpan<byte>)[0x00, 0x00, 0xFE, 0xFF]))
        {
            throw new ToolGrainsException(ErrorCodes.NotUtf8, $"{path} is UTF-16 or UTF-32, not UTF-8", "file_path");
        }
        // NUL never occurs in text documents and is valid UTF-8, so strict decoding would not catch it.
        if (bytes.IndexOf((byte)0) >= 0)
        {
            throw new ToolGrainsException(ErrorCodes.NotText, $"{path} is binary (contains NUL bytes), not text", "file_path");
        }
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            bytes = bytes[3..];
        }
        string text;
        try
        {
            text = StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new ToolGrainsException(ErrorCodes.NotUtf8, $"{path} is not valid UTF-8: {e.Message}", "file_path");
        }
        if (text.AsSpan().IsWhiteSpace())
        {
            throw new ToolGrainsException(ErrorCodes.EmptyFile, $"{path} holds only whitespace", "file_path");
        }
        return text;
    }
}
