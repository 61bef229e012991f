using System.Diagnostics;
using System.Diagnostics.Metrics;
using ToolGrains.Grains.Buffers;

namespace ToolGrains.Grains.Running;

/// <summary>
/// Tool attempts in the OpenTelemetry GenAI conventions (issue 15): one <c>execute_tool {tool}</c> span per attempt of the
/// resilient invoker, from the <see cref="ActivitySourceName"/> source, with <c>gen_ai.operation.name</c>,
/// <c>gen_ai.tool.name</c>, <c>gen_ai.tool.type</c>, <c>gen_ai.tool.call.id</c> and, on failure, <c>error.type</c>
/// (<c>transient</c>, <c>permanent</c>, <c>invalid_request</c>, <c>deadline</c>); and the
/// <c>gen_ai.execute_tool.duration</c> histogram (seconds) of the <c>ToolGrains</c> meter with the same tags.
/// The silo exports both (traces when <c>ToolGrains:OtlpEndpoint</c> is set, metrics on /metrics).
/// </summary>
public sealed class ToolTelemetry
{
    /// <summary>The activity source of the spans.</summary>
    public const string ActivitySourceName = "ToolGrains.Tools";

    /// <summary>The histogram's name.</summary>
    public const string DurationName = "gen_ai.execute_tool.duration";

    private static readonly ActivitySource Source = new(ActivitySourceName);
    private readonly Histogram<double> _duration;

    public ToolTelemetry(IMeterFactory meters)
    {
        var meter = meters.Create(BufferMetrics.MeterName);
        _duration = meter.CreateHistogram<double>(DurationName, "s", "Duration of tool executions by the resilient invoker",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] });
    }

    /// <summary>Starts the span of one attempt; null when nobody listens.</summary>
    public static Activity? Start(ToolDescriptor tool, string callId)
    {
        var activity = Source.StartActivity("execute_tool " + tool.Id, ActivityKind.Internal);
        if (activity is null) return null;
        activity.SetTag("gen_ai.operation.name", "execute_tool");
        activity.SetTag("gen_ai.tool.name", tool.Id);
        activity.SetTag("gen_ai.tool.description", tool.Description);
        activity.SetTag("gen_ai.tool.type", TypeOf(tool));
        activity.SetTag("gen_ai.tool.call.id", callId);
        return activity;
    }

    /// <summary>Ends an attempt: the span's outcome and the duration histogram.</summary>
    public void Finish(Activity? activity, ToolDescriptor tool, TimeSpan duration, string? errorType, string? error, string breaker)
    {
        var tags = new TagList
        {
            { "gen_ai.operation.name", "execute_tool" },
            { "gen_ai.tool.name", tool.Id },
        };
        if (errorType is not null) tags.Add("error.type", errorType);
        _duration.Record(duration.TotalSeconds, tags);
        if (activity is null) return;
        activity.SetTag("toolgrains.breaker", breaker);
        if (errorType is not null)
        {
            activity.SetTag("error.type", errorType);
            activity.SetStatus(ActivityStatusCode.Error, error);
        }
        activity.Dispose();
    }

    // GenAI's tool types: "function" runs here (a process or .NET code), "extension" is a remote service.
    private static string TypeOf(ToolDescriptor tool) => tool.Kind == ToolKind.Http ? "extension" : "function";
}
