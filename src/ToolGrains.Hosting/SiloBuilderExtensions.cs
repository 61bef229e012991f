using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime;
using ToolGrains.Grains;
using ToolGrains.Grains.Buffers;
using ToolGrains.Grains.Tools;
using Orleans.Hosting;
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
        if (options.SiloName is { Length: > 0 } siloName) silo.Configure<SiloOptions>(o => o.SiloName = siloName);
        silo.UseToolGrainsClustering(options);
        silo.UseToolGrainsStorage(options);
        silo.AddToolGrainsServices(section.GetSection("Buffers"));
        silo.Services.AddSingleton<StorageProbe>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, ToolDirectoryLoader>();
        silo.Services.AddSingleton<SiloActivity>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SiloActivity>());
        return silo;
    }

    /// <summary>Membership of the profile: localhost (embedded) or ADO.NET on PostgreSQL, advertising <c>AdvertisedIp</c>.</summary>
    public static ISiloBuilder UseToolGrainsClustering(this ISiloBuilder silo, ToolGrainsOptions options)
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
        }
        else
        {
            silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, serviceId: options.ServiceId, clusterId: options.ClusterId);
            if (options.AdvertisedIp is { Length: > 0 } ip)
                silo.Configure<EndpointOptions>(o => o.AdvertisedIPAddress = IPAddress.Parse(ip));
        }
        return silo;
    }

    /// <summary>Grain storage (provider <see cref="StorageNames.Default"/>) and reminders of the profile.</summary>
    public static ISiloBuilder UseToolGrainsStorage(this ISiloBuilder silo, ToolGrainsOptions options)
    {
        if (options.IsPostgres)
        {
            silo.AddAdoNetGrainStorage(StorageNames.Default, o =>
            {
                o.Invariant = NpgsqlInvariant;
                o.ConnectionString = options.ConnectionString;
            });
            // Orleans' binary serializer: about ten times cheaper than the default JSON on large states (DESIGN.md §8).
            silo.Services.AddOptions<AdoNetGrainStorageOptions>(StorageNames.Default)
                .PostConfigure<IServiceProvider>((o, sp) => o.GrainStorageSerializer = ActivatorUtilities.CreateInstance<Orleans.Storage.OrleansGrainStorageSerializer>(sp));
            silo.UseAdoNetReminderService(o =>
            {
                o.Invariant = NpgsqlInvariant;
                o.ConnectionString = options.ConnectionString;
            });
        }
        else
        {
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
        // A recovery reminder shorter than Orleans' one-minute floor lowers the floor with it.
        services.AddOptions<ReminderOptions>().Configure<IOptions<BufferOptions>>((reminders, buffer) =>
        {
            if (buffer.Value.RecoveryReminderPeriod < reminders.MinimumReminderPeriod)
                reminders.MinimumReminderPeriod = buffer.Value.RecoveryReminderPeriod;
        });
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
