using System.Security.Cryptography;
using System.Text;
using Qdrant.Client.Grpc;
using ToolGrains.Grains.Reputation;

namespace ToolGrains.Qdrant;

/// <summary>
/// How a tool failure is stored in Qdrant, and how it is looked up: one point per failure, whose
/// vector is the scenario's embedding and whose payload is <c>tool_id</c>, <c>scenario</c>,
/// <c>error</c>, <c>severity</c>, <c>time</c> (ISO 8601) and <c>time_unix</c> (seconds, for range filters).
/// Pure functions, tested without a server.
/// </summary>
public static class QdrantFailurePoints
{
    /// <summary>
    /// A point id derived from the failure itself (SHA-256 of tool, time, scenario, severity and error,
    /// shaped as a version-8 UUID), so a batch redelivered by the buffer upserts the same points
    /// instead of adding copies.
    /// </summary>
    public static Guid PointId(FailureItem failure)
    {
        var key = string.Join('\u001f', failure.ToolId, failure.Time.UtcTicks, failure.Scenario, failure.Severity, failure.Error ?? "");
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(key), hash);
        var bytes = hash[..16].ToArray();
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80); // version 8: custom
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(bytes, bigEndian: true);
    }

    public static PointStruct ToPoint(FailureItem failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        if (failure.Vector is not { Length: > 0 })
            throw new ArgumentException($"The failure of '{failure.ToolId}' has no scenario vector.", nameof(failure));
        var point = new PointStruct { Id = PointId(failure), Vectors = failure.Vector };
        point.Payload["tool_id"] = failure.ToolId;
        point.Payload["scenario"] = failure.Scenario;
        point.Payload["error"] = failure.Error ?? "";
        point.Payload["severity"] = failure.Severity;
        point.Payload["time"] = failure.Time.UtcDateTime.ToString("O");
        point.Payload["time_unix"] = failure.Time.ToUnixTimeSeconds();
        return point;
    }

    /// <summary>The failures of one tool, optionally only those at or after <paramref name="since"/>.</summary>
    public static Filter ForTool(string toolId, DateTimeOffset? since = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(toolId);
        var filter = new Filter();
        filter.Must.Add(Conditions.MatchKeyword("tool_id", toolId));
        if (since is { } from)
            filter.Must.Add(Conditions.Range("time_unix", new global::Qdrant.Client.Grpc.Range { Gte = from.ToUnixTimeSeconds() }));
        return filter;
    }

    /// <summary>The collection's vector settings for embeddings of <paramref name="dimensions"/> floats, compared by cosine as the ranking does.</summary>
    public static VectorParams Vectors(int dimensions) => new() { Size = (ulong)dimensions, Distance = Distance.Cosine };
}
