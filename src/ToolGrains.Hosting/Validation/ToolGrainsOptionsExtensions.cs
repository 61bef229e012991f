using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ToolGrains.Core.Reputation;
using ToolGrains.Grains.Analytics;
using ToolGrains.Grains.Buffers;
using ToolGrains.Grains.Invocation;
using ToolGrains.Grains.Reputation;
using ToolGrains.Grains.Usage;
using ToolGrains.Qdrant;

namespace ToolGrains.Hosting.Validation;

/// <summary>
/// The one way ToolGrains options are registered and validated: each options class with its sealed
/// <see cref="IValidateOptions{TOptions}"/>, checked when the host starts.
/// </summary>
public static class ToolGrainsOptionsExtensions
{
    /// <summary>
    /// Registers <typeparamref name="TOptions"/>, bound from <paramref name="section"/> when given and then
    /// configured by <paramref name="configure"/>, with <typeparamref name="TValidator"/>, validated on start.
    /// </summary>
    public static OptionsBuilder<TOptions> AddToolGrainsOptions<TOptions, TValidator>(
        this IServiceCollection services, IConfiguration? section = null, Action<TOptions>? configure = null)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        var options = services.AddOptions<TOptions>();
        if (section is not null) options.Bind(section);
        if (configure is not null) options.Configure(configure);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        return options.ValidateOnStart();
    }

    /// <summary>
    /// Every options class a silo binds from the <c>ToolGrains</c> section (<paramref name="toolGrainsSection"/>; without
    /// one, defaults apply): <see cref="ToolGrainsOptions"/> itself, <c>Buffers</c>, <c>Reputation</c> (the
    /// <see cref="QualityPolicy"/> and <see cref="ReputationStateOptions"/>, with <c>UsageTracking</c>, <c>Breaker</c> and
    /// <c>Competence</c> under it), <c>Invoker</c>, <c>Analytics</c> and <c>Qdrant</c>.
    /// </summary>
    public static IServiceCollection AddToolGrainsOptions(this IServiceCollection services, IConfiguration? toolGrainsSection)
    {
        var reputation = toolGrainsSection?.GetSection("Reputation");
        services.AddToolGrainsOptions<ToolGrainsOptions, ToolGrainsOptionsValidator>(toolGrainsSection);
        services.AddToolGrainsOptions<BufferOptions, BufferOptionsValidator>(toolGrainsSection?.GetSection("Buffers"));
        services.AddToolGrainsOptions<QualityPolicy, QualityPolicyValidator>(reputation);
        services.AddToolGrainsOptions<ReputationStateOptions, ReputationStateOptionsValidator>(reputation);
        services.AddToolGrainsOptions<UsageTrackingOptions, UsageTrackingOptionsValidator>(reputation?.GetSection("UsageTracking"));
        services.AddToolGrainsOptions<BreakerPolicy, BreakerPolicyValidator>(reputation?.GetSection("Breaker"));
        services.AddToolGrainsOptions<CompetencePolicy, CompetencePolicyValidator>(reputation?.GetSection("Competence"));
        services.AddToolGrainsOptions<ResilientInvokerOptions, ResilientInvokerOptionsValidator>(toolGrainsSection?.GetSection("Invoker"));
        services.AddToolGrainsOptions<AnalyticsOptions, AnalyticsOptionsValidator>(toolGrainsSection?.GetSection("Analytics"));
        services.AddToolGrainsOptions<QdrantFailureOptions, QdrantFailureOptionsValidator>(toolGrainsSection?.GetSection("Qdrant"));
        return services;
    }

    /// <summary>
    /// Every error of the options a silo would bind from <paramref name="configuration"/>, by the same registrations and
    /// validators the silo uses, before any of it starts; empty when all are valid.
    /// </summary>
    public static IReadOnlyList<string> ToolGrainsOptionsErrors(this IConfiguration configuration)
    {
        using var services = new ServiceCollection()
            .AddToolGrainsOptions(configuration.GetSection(ToolGrainsOptions.SectionName))
            .BuildServiceProvider();
        try
        {
            services.GetRequiredService<IStartupValidator>().Validate();
            return [];
        }
        catch (OptionsValidationException ex)
        {
            return [.. ex.Failures];
        }
        catch (AggregateException ex)
        {
            return [.. ex.InnerExceptions.OfType<OptionsValidationException>().SelectMany(e => e.Failures)];
        }
        catch (InvalidOperationException ex)
        {
            // A value the binder cannot convert; its message names the key ("... at 'ToolGrains:SiloPort' to type ...").
            return [ex.Message];
        }
    }
}
