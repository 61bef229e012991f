using ToolGrains.Grains.Buffers;

namespace ToolGrains.Tests.Buffers;

/// <summary>The buffer settings rules on typed values, without a cluster: the protocol tests keep only what JSON adds.</summary>
public sealed class BufferRulesTests
{
    public static TheoryData<BufferSettingsUpdate, string> BadSettings => new()
    {
        { new(MaxSize: 0), "max_size" },
        { new(MaxSize: -3), "max_size" },
        { new(MaxSize: BufferRules.MaxMaxSize + 1), "max_size" },
        { new(FlushIntervalSeconds: 0), "flush_interval_seconds" },
        { new(FlushIntervalSeconds: -1), "flush_interval_seconds" },
        { new(FlushIntervalSeconds: double.PositiveInfinity), "flush_interval_seconds" },
        { new(FlushIntervalSeconds: double.NaN), "flush_interval_seconds" },
        { new(FlushIntervalSeconds: BufferRules.MaxFlushIntervalSeconds + 1), "flush_interval_seconds" },
        { new(Strategy: (BufferStrategy)42), "strategy" },
        { new(PassThroughTool: " "), "pass_through_tool" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void Settings_out_of_range_are_refused_naming_the_field(BufferSettingsUpdate settings, string field)
    {
        var error = Assert.Throws<ToolGrainsException>(() => BufferRules.Validate(settings));
        Assert.Equal(ErrorCodes.InvalidRequest, error.Code);
        Assert.Equal(field, error.Field);
    }

    [Fact]
    public void Settings_at_the_limits_and_unset_ones_pass()
    {
        BufferRules.Validate(new BufferSettingsUpdate());
        BufferRules.Validate(new BufferSettingsUpdate(BufferStrategy.Batched, 1, 0.001, "sink"));
        BufferRules.Validate(new BufferSettingsUpdate(BufferStrategy.Manual, BufferRules.MaxMaxSize, BufferRules.MaxFlushIntervalSeconds));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("line\nbreak")]
    [InlineData("tab\tinside")]
    public void A_missing_or_unprintable_buffer_id_is_refused(string? bufferId)
    {
        var error = Assert.Throws<ToolGrainsException>(() => BufferRules.ValidateBufferId(bufferId));
        Assert.Equal(("invalid_request", "buffer_id"), (error.Code, error.Field));
        Assert.False(BufferRules.IsValidBufferId(bufferId)); // the grain's activation skips storage for such a key
    }

    [Fact]
    public void A_buffer_id_may_be_as_long_as_the_limit_and_no_longer()
    {
        BufferRules.ValidateBufferId(new string('b', BufferRules.MaxBufferIdLength));
        Assert.True(BufferRules.IsValidBufferId(new string('b', BufferRules.MaxBufferIdLength)));
        Assert.False(BufferRules.IsValidBufferId(new string('b', BufferRules.MaxBufferIdLength + 1)));
        var error = Assert.Throws<ToolGrainsException>(() => BufferRules.ValidateBufferId(new string('b', BufferRules.MaxBufferIdLength + 1)));
        Assert.Equal("buffer_id", error.Field);
    }

    public static TheoryData<string[], string, string> BadItems => new()
    {
        { [], ErrorCodes.InvalidRequest, "at least one item" },
        { ["1", null!], ErrorCodes.InvalidRequest, "Item 1 is null" },
        { ["\"\u00e9\u00e9\""], ErrorCodes.ItemTooLarge, "Item 0 is 6 bytes; the limit is 5" }, // 2 + 2 x 2 bytes of UTF-8
        { ["1", "{"], ErrorCodes.InvalidRequest, "Item 1 is not one JSON value" },
        { ["1 2"], ErrorCodes.InvalidRequest, "Item 0 is not one JSON value" },
        { ["\"a\0\""], ErrorCodes.InvalidRequest, "Item 0 is not one JSON value" }, // a raw NUL inside a string
    };

    [Theory]
    [MemberData(nameof(BadItems))]
    public void A_write_without_items_or_with_a_bad_one_is_refused_on_data_naming_the_item(string[] items, string code, string message)
    {
        var error = Assert.Throws<ToolGrainsException>(() => BufferRules.ValidateItems([.. items], maxItemBytes: 5));
        Assert.Equal((code, "data"), (error.Code, error.Field));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Items_of_exactly_the_byte_limit_and_any_JSON_kind_pass()
    {
        BufferRules.ValidateItems(["\"\u00e9\u00e9\"", "{}", "[1]", "null", "-1.5e3"], maxItemBytes: 6);
        Assert.Throws<ToolGrainsException>(() => BufferRules.ValidateItems(default, maxItemBytes: 6));
    }

    [Fact]
    public void An_item_with_an_unpaired_surrogate_is_refused_as_not_valid_Unicode()
    {
        // Not theory data: xunit passes theory strings through UTF-8, which turns the lone surrogate into U+FFFD.
        var error = Assert.Throws<ToolGrainsException>(() => BufferRules.ValidateItems(["1", "\"\ud800\""], maxItemBytes: 100));
        Assert.Equal((ErrorCodes.InvalidRequest, "data"), (error.Code, error.Field));
        Assert.Contains("Item 1 is not one JSON value in valid Unicode text", error.Message);
    }
}
