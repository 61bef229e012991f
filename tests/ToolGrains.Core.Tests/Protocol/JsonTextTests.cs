using ToolGrains.Core.Protocol;

namespace ToolGrains.Core.Tests.Protocol;

public sealed class JsonTextTests
{
    [Theory]
    [InlineData("{\"a\":[1,2,{\"b\":null}]}")]
    [InlineData("\"😀 é ü\"")]
    [InlineData("42")]
    [InlineData("\"\\ud800 escaped, not a raw surrogate\"")]
    public void One_well_formed_value_is_valid(string json) => Assert.True(JsonText.IsValid(json));

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("{\"a\":1} {\"b\":2}")]
    [InlineData("{\"a\":")]
    [InlineData("\"a\u0000b\"")] // a raw control character inside a string
    public void Anything_else_is_not(string json) => Assert.False(JsonText.IsValid(json));

    [Fact]
    public void Text_with_an_unpaired_surrogate_is_not()
    {
        // Built at run time: theory data passes through UTF-8 on its way to the test, which replaces the surrogate.
        Assert.False(JsonText.IsValid("\"" + (char)0xD800 + "\""));
        Assert.False(JsonText.IsValid("\"a" + (char)0xDC00 + "b\""));
        Assert.True(JsonText.IsValid("\"" + (char)0xD83D + (char)0xDE00 + "\"")); // a pair is fine
    }

    [Fact]
    public void Depth_is_limited_to_128()
    {
        Assert.True(JsonText.IsValid(new string('[', 128) + new string(']', 128)));
        Assert.False(JsonText.IsValid(new string('[', 129) + new string(']', 129)));
    }

    [Fact]
    public void A_large_value_is_checked_whole()
    {
        var big = "[" + string.Join(",", Enumerable.Repeat("\"xxxxxxxxxx\"", 50_000)) + "]";
        Assert.True(JsonText.IsValid(big));
        Assert.False(JsonText.IsValid(big[..^1]));
    }
}
