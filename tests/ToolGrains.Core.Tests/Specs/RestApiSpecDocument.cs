using System.Text;

namespace ToolGrains.Core.Tests.Specs;

/// <summary>A generated specification in the shape of the classic "REST API Requirements" document.</summary>
internal static class RestApiSpecDocument
{
    public const string OverviewText =
        "This document specifies the Orders REST API, which lets partner systems create, read, update and cancel " +
        "customer orders over HTTPS with JSON payloads and OAuth 2.0 bearer tokens.";

    public static string Requirement(int i) =>
        $"REQ-{i:D3}: The API MUST expose resource {i} with validated input and return a documented error body when validation of field{i} fails.";

    public static string Constraint(int i) =>
        $"CON-{i:D3}: Requests to endpoint group {i} are limited to {100 + i} per minute per client, and payloads to {i * 10} KB.";

    /// <summary>About 50 KB: overview, <paramref name="requirements"/> requirements, constraints, examples, notes.</summary>
    public static string Build(int requirements = 60, int constraints = 25, int examples = 12, string newline = "\n")
    {
        var sb = new StringBuilder();
        sb.Append("# REST API Requirements\n\n");
        sb.Append("## Overview\n\n").Append(OverviewText).Append("\n\n");
        sb.Append("## Functional Requirements\n\n");
        for (int i = 1; i <= requirements; i++)
        {
            if (i % 20 == 1)
            {
                sb.Append($"### Area {i / 20 + 1}\n\n"); // nested, no keyword: inherits Requirements
            }
            sb.Append("- ").Append(Requirement(i)).Append('\n');
            sb.Append("  Rationale: partners depend on stable, well described behaviour for this resource.\n");
        }
        sb.Append("\n## Non-Functional Requirements\n\n");
        for (int i = 1; i <= constraints; i++)
        {
            sb.Append("- ").Append(Constraint(i)).Append('\n');
        }
        sb.Append("\n## Examples\n\n");
        for (int i = 1; i <= examples; i++)
        {
            sb.Append($"### Example {i}: fetch order {i}\n\n");
            sb.Append($"Request for order {i}:\n\n");
            sb.Append("```http\n").Append($"GET /orders/{i} HTTP/1.1\nAuthorization: Bearer token{i}\n").Append("```\n\n");
            sb.Append("```json\n").Append($"{{\"id\": {i}, \"status\": \"open\", \"total\": {i * 3}.50}}\n").Append("```\n\n");
        }
        sb.Append("## Notes\n\n");
        for (int i = 1; i <= 30; i++)
        {
            sb.Append($"- Note {i}: the changelog lists every release of the API with its date.\n");
        }
        sb.Append('\n');
        // Filler prose (no keywords) up to ~50 KB, as real specs carry background and glossary.
        sb.Append("## Background\n\n");
        int n = 0;
        while (sb.Length < 50_000)
        {
            sb.Append($"Paragraph {++n} of background describes the history of order handling in plain words and explains terms.\n\n");
        }
        return newline == "\n" ? sb.ToString() : sb.ToString().Replace("\n", newline);
    }
}
