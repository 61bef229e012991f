using ToolGrains.Core.Specs;

namespace ToolGrains.Core.Tests.Specs;

public sealed class OpenApiSpecParserTests
{
    private const string Yaml = """
        openapi: 3.0.3
        info:
          title: Orders API
          description: |
            Create and track customer orders.

            Clients are throttled to 100 requests per minute per token.
          version: 1.0.0
        paths:
          /orders:
            get:
              summary: List orders
              parameters:
                - name: limit
                  in: query
                  schema:
                    type: integer
                    minimum: 1
                    maximum: 100
            post:
              summary: Create an order
              description: Rate limit is 10 requests per second. Orders are validated.
              requestBody:
                content:
                  application/json:
                    schema:
                      $ref: '#/components/schemas/Order'
                    example:
                      maximum: 5
          /orders/{id}:
            delete:
              operationId: cancelOrder
        components:
          schemas:
            Order:
              type: object
              properties:
                note:
                  type: string
                  maxLength: 500
                lines:
                  type: array
                  maxItems: 50
        """;

    private const string Json = """
        {
          "openapi": "3.1.0",
          "info": { "title": "Pets", "version": "1" },
          "paths": {
            "/pets": {
              "get": { "summary": "List pets" },
              "put": { "description": "Replace a pet\nwith a new one" }
            }
          },
          "components": { "schemas": { "Pet": { "properties": { "name": { "type": "string", "maxLength": 64 } } } } }
        }
        """;

    [Fact]
    public void Yaml_operations_become_requirements_and_limits_constraints()
    {
        var s = OpenApiSpecParser.TryParse(Yaml);
        Assert.NotNull(s);
        Assert.Equal("Create and track customer orders.", s.Overview);
        Assert.Equal(
            ["GET /orders — List orders", "POST /orders — Create an order", "DELETE /orders/{id} — cancelOrder"],
            s.Requirements.Select(r => r.Text));
        Assert.Contains("GET /orders › limit: minimum 1, maximum 100", s.Constraints);
        Assert.Contains("Order › note: maxLength 500", s.Constraints);
        Assert.Contains("Order › lines: maxItems 50", s.Constraints);
        Assert.Contains("API: Clients are throttled to 100 requests per minute per token.", s.Constraints);
        Assert.Contains("POST /orders: Rate limit is 10 requests per second.", s.Constraints);
        Assert.DoesNotContain(s.Constraints, c => c.Contains("maximum 5")); // example data is not a limit
    }

    [Fact]
    public void Json_operations_become_requirements_and_limits_constraints()
    {
        var s = OpenApiSpecParser.TryParse(Json);
        Assert.NotNull(s);
        Assert.Equal("Pets", s.Overview);
        Assert.Equal(["GET /pets — List pets", "PUT /pets — Replace a pet"], s.Requirements.Select(r => r.Text));
        Assert.Equal(["Pet › name: maxLength 64"], s.Constraints);
    }

    [Fact]
    public void The_extractor_detects_openapi_by_content_and_summarizes_it()
    {
        var result = SpecExtractor.Default.Extract(Yaml, SummarizeMode.Always, 2_000);
        Assert.Contains("- GET /orders — List orders", result.OverseerSpec);
        Assert.Contains("## Constraints", result.OverseerSpec);
        Assert.Equal(3, result.Sections.Requirements.Count);
    }

    [Theory]
    [InlineData("# Guide\n\nThe API config looks like:\n\n```yaml\nopenapi: 3.0.0\npaths: {}\n```\n")]
    [InlineData("openapi: is a word we use\n\n# Heading\n\n- [broken: yaml\n")]
    [InlineData("{ \"openapi\": broken json")]
    [InlineData("swagger: '2.0'\npaths: {}\n")]
    public void Markdown_or_broken_documents_fall_back_to_markdown(string text)
    {
        Assert.Null(OpenApiSpecParser.TryParse(text));
        _ = SpecExtractor.Default.Extract(text); // and the Markdown path takes them
    }
}

public sealed class OpenApiPlannerDetailTests
{
    private const string Yaml = """
        openapi: 3.0.3
        info:
          title: Pets
          version: 1.0.0
        security:
          - bearerAuth: []
        paths:
          /pets:
            post:
              summary: Create a pet
              requestBody:
                content:
                  application/json:
                    schema:
                      type: object
                      properties:
                        kind:
                          type: string
                          enum: [cat, dog]
                        tag:
                          type: string
                          pattern: '^[a-z]+$'
                    example:
                      kind: cat
                      tag: tom
              responses:
                '201':
                  description: Created
                  content:
                    application/json:
                      examples:
                        created:
                          value: {id: 7, kind: cat}
        components:
          securitySchemes:
            bearerAuth:
              type: http
              scheme: bearer
              bearerFormat: JWT
            apiKey:
              type: apiKey
              in: header
              name: X-Api-Key
        """;

    [Fact]
    public void Security_schemes_enums_patterns_and_examples_are_kept()
    {
        var s = OpenApiSpecParser.TryParse(Yaml);
        Assert.NotNull(s);
        Assert.Contains(s.Requirements, r => r.Text == "Security scheme bearerAuth: HTTP bearer (JWT)");
        Assert.Contains(s.Requirements, r => r.Text == "Security scheme apiKey: API key in header 'X-Api-Key'");
        Assert.Contains(s.Requirements, r => r.Text.StartsWith("Every operation requires bearerAuth", StringComparison.Ordinal));
        Assert.Contains("POST /pets › kind: one of cat, dog", s.Constraints);
        Assert.Contains("POST /pets › tag: pattern ^[a-z]+$", s.Constraints);
        Assert.Contains(s.Examples, e => e.StartsWith("POST /pets request (application/json):\n\n```json\n", StringComparison.Ordinal) && e.Contains("\"kind\": \"cat\""));
        Assert.Contains(s.Examples, e => e.StartsWith("POST /pets response 201 (application/json, created):", StringComparison.Ordinal));
        Assert.Equal(2, s.CodeBlocks.Count);
    }
}
