using ToolGrains.Core.Reputation;

namespace ToolGrains.Core.Tests.Reputation;

public sealed class FaultKindTests
{
    [Theory]
    [InlineData(200, FaultKind.None)]
    [InlineData(400, FaultKind.CallerError)]
    [InlineData(422, FaultKind.CallerError)]
    [InlineData(404, FaultKind.Permanent)]
    [InlineData(415, FaultKind.Permanent)]
    [InlineData(408, FaultKind.Transient)]
    [InlineData(429, FaultKind.Transient)]
    [InlineData(500, FaultKind.Transient)]
    [InlineData(503, FaultKind.Transient)]
    [InlineData(501, FaultKind.Permanent)]
    public void Http_statuses(int status, FaultKind kind) => Assert.Equal(kind, FaultClassifier.OfHttpStatus(status));

    [Theory]
    [InlineData(0, FaultKind.None)]
    [InlineData(1, FaultKind.Permanent)]
    [InlineData(75, FaultKind.Transient)]
    [InlineData(69, FaultKind.Transient)]
    [InlineData(64, FaultKind.CallerError)]
    [InlineData(137, FaultKind.Permanent)]
    public void Exit_codes(int code, FaultKind kind) => Assert.Equal(kind, FaultClassifier.OfExitCode(code));

    [Fact]
    public void A_json_error_field_names_the_kind_and_retry_after()
    {
        var parsed = FaultClassifier.ParseErrorJson("""{"error":{"kind":"Transient","message":"quota","retry_after_seconds":2.5}}""");
        Assert.Equal((FaultKind.Transient, "quota", TimeSpan.FromSeconds(2.5)), parsed);
        Assert.Equal(FaultKind.CallerError, FaultClassifier.ParseErrorJson("""{"error":{"kind":"invalid_request"}}""")!.Value.Kind);
        Assert.Null(FaultClassifier.ParseErrorJson("""{"error":{"kind":"sometimes"}}"""));
        Assert.Null(FaultClassifier.ParseErrorJson("""{"error":"plain text"}"""));
        Assert.Null(FaultClassifier.ParseErrorJson("not json {"));
        Assert.Null(FaultClassifier.ParseErrorJson(""));
    }

    [Fact]
    public void Retry_after_as_seconds_or_a_date()
    {
        var now = new DateTimeOffset(2026, 5, 1, 8, 0, 0, TimeSpan.Zero);
        Assert.Equal(TimeSpan.FromSeconds(1), FaultClassifier.ParseRetryAfter("1", now));
        Assert.Equal(TimeSpan.FromSeconds(30), FaultClassifier.ParseRetryAfter(now.AddSeconds(30).ToString("r"), now));
        Assert.Equal(TimeSpan.Zero, FaultClassifier.ParseRetryAfter(now.AddSeconds(-30).ToString("r"), now));
        Assert.Null(FaultClassifier.ParseRetryAfter("soon", now));
        Assert.Null(FaultClassifier.ParseRetryAfter(null, now));
        Assert.Null(FaultClassifier.ParseRetryAfter("-5", now));
    }
}
