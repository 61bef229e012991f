using ToolGrains.Grains.Analytics;
using ToolGrains.Hosting;
using ToolGrains.Hosting.Validation;
using ToolGrains.Tests.Infrastructure;

namespace ToolGrains.Tests.Analytics;

public sealed class AnalyticsOptionsTests
{
    [Theory]
    [InlineData(0.0, 50, "ToolGrains:Analytics:GroupSimilarity")]
    [InlineData(1.5, 50, "ToolGrains:Analytics:GroupSimilarity")]
    [InlineData(0.6, 0, "ToolGrains:Analytics:MaxScenarioGroups")]
    public void Analytics_options_out_of_range_are_refused_with_their_key(double similarity, int groups, string key)
    {
        var result = new AnalyticsOptionsValidator().Validate(null, new AnalyticsOptions { GroupSimilarity = similarity, MaxScenarioGroups = groups });
        Assert.Contains(result.Failures ?? [], e => e.StartsWith(key, StringComparison.Ordinal));
    }

    [Fact]
    public void Analytics_API_key_too_short_or_with_spaces_is_refused_without_echoing_it()
    {
        var validator = new ToolGrainsOptionsValidator();
        foreach (var key in new[] { "short-secret", "has a space in the middle!" })
        {
            var error = Assert.Single(validator.Validate(null, new ToolGrainsOptions { ApiKey = key }).Failures ?? []);
            Assert.StartsWith("ToolGrains:ApiKey", error, StringComparison.Ordinal);
            Assert.DoesNotContain(key, error);
        }
        Assert.True(validator.Validate(null, new ToolGrainsOptions { ApiKey = "a-long-enough-key-0123" }).Succeeded);
        Assert.True(validator.Validate(null, new ToolGrainsOptions()).Succeeded);
    }
}

[Collection(ProcessCollection.Name)]
public sealed class AnalyticsApiKeyStartupTests
{
    [Fact]
    public async Task Analytics_a_short_API_key_stops_the_silo_naming_the_key_setting_not_the_key()
    {
        var dir = Repo.NewTempDir("cfg-key");
        await using var silo = await SiloProcess.StartAsync(dir, new() { ["DataDir"] = Path.Combine(dir, "data"), ["ApiKey"] = "tooshort" }, waitReady: false);
        Assert.NotEqual(0, await silo.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("ToolGrains:ApiKey", silo.Log);
        Assert.DoesNotContain("tooshort", silo.Log);
    }
}
