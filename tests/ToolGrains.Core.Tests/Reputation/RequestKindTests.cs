using ToolGrains.Core.Reputation;

namespace ToolGrains.Core.Tests.Reputation;

public sealed class RequestKindTests
{
    [Fact]
    public void Terms_are_the_known_words_as_written_and_short_input_tokens()
    {
        Assert.Equal(["format=webp", "image", "jpeg", "png", "target=fr"],
            RequestKind.Terms("Convert this PNG image to jpeg", """{"format":"WEBP","data":"a long text with blanks","target":"fr","size":12,"nested":{"x":"y"}}"""));
        Assert.Equal(["ts"], RequestKind.Terms("lint app.ts please", null));
        Assert.Empty(RequestKind.Terms("summarize the article", "not json"));
        Assert.Empty(RequestKind.Terms("summarize the article", """["format=png"]"""));
    }

    [Theory]
    [InlineData(new[] { "png", "format=png" }, new[] { "png" }, true)]           // a missing input key does not conflict
    [InlineData(new[] { "image", "format=png" }, new[] { "image", "format=webp" }, false)]
    [InlineData(new[] { "png" }, new[] { "webp" }, false)]
    [InlineData(new[] { "png", "jpeg" }, new[] { "png" }, false)]              // scenario terms must be the same set
    [InlineData(new string[0], new string[0], true)]
    [InlineData(new[] { "from=usd" }, new[] { "to=eur" }, true)]
    public void Compatibility(string[] a, string[] b, bool expected)
    {
        Assert.Equal(expected, RequestKind.Compatible(a, b));
        Assert.Equal(expected, RequestKind.Compatible(b, a));
    }
}
