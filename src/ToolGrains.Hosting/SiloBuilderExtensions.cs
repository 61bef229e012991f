using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using ToolGrains.Grains;
using ToolGrains.Grains.Buffers;
using ToolGrains.Grains.Tools;
using ToolGrains.Storage.Sqlite;

namespace ToolGrains.Hosting;

public static class SiloBuilderExtensions
{
    /// <summary>The ADO.NET invariant of Npgsql, as the Orleans ADO.NET providers name it.</summary>
    public const string NpgsqlInvariant = "Npgsql";

    /// <summary>
    /// Everything a ToolGrains silo needs: clustering, grain storage and reminders for the configured
    /// profile (DESIGN.md §3), the grains' services and options.
    /// </summary>
    public static ISiloBuilder AddToolGrains(this ISiloBuilder silo, IConfiguration configuration)
    {
        var section = configuration.GetSection(ToolGrainsOptions.SectionName);
        var options = section.Get<ToolGrainsOptions>() ?? new ToolGrainsOptions();
        var errors = options.Validate().ToList();
        if (errors.Count > 0) throw new OptionsValidationException(ToolGrainsOptions.SectionName, typeof(ToolGrainsOptions), errors);

        silo.Services.Configure<ToolGrainsOptions>(section);
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = options.ClusterId;
            o.ServiceId = options.ServiceId;
        });
        silo.UseToolGrainsStorage(options);
        silo.AddToolGrainsServices(section.GetSection("Buffers"));
        return silo;
    }

    /// <summary>Clustering, grain storage and reminders of the embedded or the postgres profile.</summary>
    public static ISiloBuilder UseToolGrainsStorage(this ISiloBuilder silo, ToolGrainsOptions options)
    {
        if (options.IsPostgres)
        {
            var advertised = options.AdvertisedIp is { Length: > 0 } ip ? IPAddress.Parse(ip) : FirstNonLoopbackAddress();
            silo.ConfigureEndpoints(advertised, options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: true);
            silo.UseAdoNetClustering(o =>
            {
                o.Invariant = NpgsqlInvariant;
                o.ConnectionString = options.ConnectionString;
            });
            silo.AddAdoNetGrainStorage(StorageNames.Default, o =>
            {
                o.Invariant = NpgsqlInvariant;
                o.ConnectionString = options.ConnectionString;
            });
            // Orleans' binary serializer: about ten times cheaper than the default JSON on large states (DESIGN.md §8).
            silo.Services.AddOptions<Orleans.Configuration.AdoNetGrainStorageOptions>(StorageNames.Default)
                .PostConfigure<IServiceProvider>((o, sp) => o.GrainStorageSerializer = ActivatorUtilities.CreateInstance<Orleans.Storage.OrleansGrainStorageSerializer>(sp));
            silo.UseAdoNetReminderService(o =>
            {
                o.Invariant = NpgsqlInvariant;
                o.ConnectionString = options.ConnectionString;
            });
        }
        else
        {
            var loopback = options.AdvertisedIp is { Length: > 0 } ip ? IPAddress.Parse(ip) : IPAddress.Loopback;
            silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, serviceId: options.ServiceId, clusterId: options.ClusterId);
            silo.Configure<EndpointOptions>(o => o.AdvertisedIPAddress = loopback);
            silo.UseSqliteStorage(o => o.DatabasePath = Path.Combine(options.DataDir, "toolgrains.db"), StorageNames.Default);
        }
        return silo;
    }

    /// <summary>The services the grains take: tool runner and built-in tools, buffer options and metrics.</summary>
    public static ISiloBuilder AddToolGrainsServices(this ISiloBuilder silo, IConfiguration? bufferSection = null)
    {
        var services = silo.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<ToolRunnerOptions>();
        var buffers = services.AddOptions<BufferOptions>();
        if (bufferSection is not null) buffers.Bind(bufferSection);
        buffers.Validate(o => !o.Validate().Any(), "ToolGrains:Buffers is invalid").ValidateOnStart();
        services.AddSingleton<IValidateOptions<BufferOptions>, BufferOptionsValidator>();
        services.TryAddSingleton<ToolRunner>();
        services.TryAddSingleton<BufferMetrics>();
        services.AddMetrics();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IBuiltinTool, JsonlFileWriterTool>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IBuiltinTool, LogBatchWriterTool>());
        return silo;
    }

    private static IPAddress FirstNonLoopbackAddress() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? IPAddress.Loopback;

    private sealed class BufferOptionsValidator : IValidateOptions<BufferOptions>
    {
        public ValidateOptionsResult Validate(string? name, BufferOptions options)
        {
            var errors = options.Validate().ToList();
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }
}
