using System.Collections.Immutable;
using System.Text;
using ToolGrains.Core.Protocol;

namespace ToolGrains.Grains.Buffers;

/// <summary>Validation rules shared by the typed grain API and the JSON protocol.</summary>
public static class BufferRules
{
    public const int MaxMaxSize = 100_000;
    public const double MaxFlushIntervalSeconds = 86_400;
    public const int MaxBufferIdLength = 256;

    /// <summary>Whether <see cref="ValidateBufferId"/> accepts <paramref name="bufferId"/>.</summary>
    public static bool IsValidBufferId([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? bufferId) =>
        !string.IsNullOrWhiteSpace(bufferId) && bufferId.Length <= MaxBufferIdLength && !bufferId.Any(char.IsControl);

    public static void ValidateBufferId([System.Diagnostics.CodeAnalysis.NotNull] string? bufferId)
    {
        if (IsValidBufferId(bufferId)) return;
        if (string.IsNullOrWhiteSpace(bufferId))
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, "'buffer_id' is required and must be a non-empty string.", "buffer_id");
        throw new ToolGrainsException(ErrorCodes.InvalidRequest, $"'buffer_id' must be at most {MaxBufferIdLength} characters without control characters.", "buffer_id");
    }

    /// <summary>
    /// Refuses a write's items unless there is at least one and each is one JSON value in valid Unicode text of at
    /// most <paramref name="maxItemBytes"/> bytes as UTF-8; the error names <c>data</c> and the item's index.
    /// </summary>
    public static void ValidateItems(ImmutableArray<string> items, int maxItemBytes)
    {
        if (items.IsDefaultOrEmpty)
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, "A write needs at least one item.", "data");
        for (var i = 0; i < items.Length; i++)
        {
            if (items[i] is not { } item)
                throw new ToolGrainsException(ErrorCodes.InvalidRequest, $"Item {i} is null; an item is one JSON value.", "data");
            var bytes = Encoding.UTF8.GetByteCount(item);
            if (bytes > maxItemBytes)
                throw new ToolGrainsException(ErrorCodes.ItemTooLarge, $"Item {i} is {bytes} bytes; the limit is {maxItemBytes}.", "data");
            if (!JsonText.IsValid(item))
                throw new ToolGrainsException(ErrorCodes.InvalidRequest, $"Item {i} is not one JSON value in valid Unicode text.", "data");
        }
    }

    public static void Validate(BufferSettingsUpdate settings)
    {
        if (settings.MaxSize is { } m && (m < 1 || m > MaxMaxSize))
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, $"'max_size' must be from 1 to {MaxMaxSize}, not {m}.", "max_size");
        if (settings.FlushIntervalSeconds is { } f && (!double.IsFinite(f) || f <= 0 || f > MaxFlushIntervalSeconds))
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, $"'flush_interval_seconds' must be greater than 0 and at most {MaxFlushIntervalSeconds}.", "flush_interval_seconds");
        if (settings.Strategy is { } s && !Enum.IsDefined(s))
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, $"'strategy' {(int)s} is not batched, immediate or manual.", "strategy");
        if (settings.PassThroughTool is { } t && string.IsNullOrWhiteSpace(t))
            throw new ToolGrainsException(ErrorCodes.InvalidRequest, "'pass_through_tool' must be a non-empty tool id.", "pass_through_tool");
    }
}
