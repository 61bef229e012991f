using System.Text.Json;
using CsCheck;
using ToolGrains.Tests.Infrastructure;

namespace ToolGrains.Tests.Fuzz;

/// <summary>
/// Random JSON at every operation of the protocol: every answer is a result or a clean error (JSON
/// with a code and a message, no exception escaping), the cluster keeps answering, and items a
/// guard buffer acknowledged are all still there afterwards.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ProtocolFuzzTests(ClusterFixture fixture, Xunit.Abstractions.ITestOutputHelper output)
{
    private const string Guard = FuzzInputs.Guard;

    [Fact]
    public async Task Random_requests_get_a_result_or_a_clean_error_and_lose_nothing()
    {
        var acknowledged = 0;
        for (var i = 0; i < 5; i++)
        {
            await fixture.CallOkAsync("buffer", JsonSerializer.Serialize(new { operation = "write", buffer_id = Guard, data = i, strategy = "manual" }));
            acknowledged++;
        }

        var seed = new FuzzSeed(output);
        var requests = seed.Take(Gen.Select(Gen.OneOf(FuzzInputs.Operations), FuzzInputs.Body), 600);
        // Writes aimed at the guard buffer with every other field random: acknowledged ones must survive.
        requests.AddRange(seed.Take(FuzzInputs.GuardWrite, 150).Select(body => ("buffer", body)));

        var protocol = fixture.Client.GetGrain<IProtocolGrain>(0);
        foreach (var (tool, body) in requests)
        {
            ProtocolResponse response;
            try
            {
                response = await protocol.CallAsync(tool, body);
            }
            catch (Exception ex)
            {
                Assert.Fail($"{seed}: {tool} {body} threw {ex.GetType().Name}: {ex.Message}");
                return;
            }
            using var doc = JsonDocument.Parse(response.Json); // every answer is JSON
            if (response.Error is { } error)
            {
                Assert.False(string.IsNullOrWhiteSpace(error.Code), $"{seed}: {tool} {body}: empty error code");
                Assert.False(string.IsNullOrWhiteSpace(error.Message), $"{seed}: {tool} {body}: empty error message");
                Assert.True(error.Code == doc.RootElement.GetProperty("error").GetProperty("code").GetString(), $"{seed}: {tool} {body}: {response.Json}");
                Assert.True(error.Code != "internal_error", $"{seed}: {tool} {body}: {response.Json}");
            }
            else
            {
                acknowledged += FuzzInputs.AcknowledgedGuardItems(tool, body, doc.RootElement);
            }
        }

        Assert.True(acknowledged > 10, $"{seed}: the fuzzer never got a write to the guard buffer acknowledged");
        // The cluster still answers, and the guard buffer holds exactly what it acknowledged.
        var status = await fixture.CallOkAsync("buffer", JsonSerializer.Serialize(new { operation = "status", buffer_id = Guard }));
        Assert.True(acknowledged == status.GetProperty("buffered").GetInt32() + status.GetProperty("total_flushed").GetInt32(),
            $"{seed}: acknowledged {acknowledged}, the guard buffer holds {status}");
    }
}
