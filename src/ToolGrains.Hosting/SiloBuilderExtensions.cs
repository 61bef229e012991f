using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Net;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;
using ToolGrains.Core.Embeddings;
using ToolGrains.Core.Reputation;
using ToolGrains.Embeddings.MiniLM;
using ToolGrains.Grains.Analytics;
using ToolGrains.Grains.Buffers;
using ToolGrains.Grains.Catalog;
using ToolGrains.Grains.Reputation;
using ToolGrains.Grains.Running;
using ToolGrains.Grains.Security;
using ToolGrains.Grains.Specs;
using ToolGrains.Grains.Usage;
using ToolGrains.Grains;
using ToolGrains.Hosting.Validation;
using ToolGrains.Qdrant;
using ToolGrains.Storage.Sqlite;

namespace ToolGrains.Hosting;

public static class SiloBuilderExtensions
{
    /// <summary>The ADO.NET invariant of Npgsql, as the Orleans ADO.NET providers name it.</summary>
    public const string NpgsqlInvariant = "Npgsql";

    /// <summary>
    /// Everything a ToolGrains silo needs: clustering, grain storage and reminders for the configured
    /// profile (docs/architecture.md), the grains' services and options.
    /// </summary>
    public static ISiloBuilder AddToolGrains(this ISiloBuilder silo, IConfiguration configuration)
    {
        var section = configuration.GetSection(ToolGrainsOptions.SectionName);
        var options = section.Get<ToolGrainsOptions>() ?? new ToolGrainsOptions();
        // The wiring below reads these options, so they are checked now by the validator that checks them again on start.
        var validation = new ToolGrainsOptionsValidator().Validate(null, options);
        if (validation.Failed) throw new OptionsValidationException(ToolGrainsOptions.SectionName, typeof(ToolGrainsOptions), validation.Failures);

        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = options.ClusterId;
            o.ServiceId = options.ServiceId;
        });
        if (options.SiloName is { Length: > 0 } siloName) silo.Configure<SiloOptions>(o => o.SiloName = siloName);
        // Executable tools run only from the tools folder and the folders named for them.
        silo.Services.Configure<ToolRunnerOptions>(o =>
        {
            o.AllowedExecutableDirectories = [Path.GetFullPath(options.ToolsDir), .. options.AllowedToolDirs.Select(Path.GetFullPath)];
            o.MaxConcurrentProcesses = options.MaxToolProcesses;
            o.SinkDirectory = options.EffectiveSinkDir;
            o.HttpTools = options.HttpTools;
        });
        // Who may call, and what a caller may name (docs/architecture.md, "Security").
        silo.Services.AddSingleton(new ApiKeyRing(options.AllApiKeys()));
        silo.Services.Configure<SpecExtractorOptions>(o => o.AllowedDirectories = [.. options.SpecDirs.Select(Path.GetFullPath)]);
        silo.UseToolGrainsClustering(options);
        silo.UseToolGrainsStorage(options);
        if (options.TlsCertificatePath is { Length: > 0 } certificate)
        {
            silo.UseTls(TlsCertificates.Load(certificate, options.TlsCertificatePassword), tls =>
            {
                if (options.TlsAllowAnyRemoteCertificate) tls.AllowAnyRemoteCertificate();
                if (options.TlsRequireClientCertificate) tls.ClientCertificateMode = Orleans.Connections.Security.RemoteCertificateMode.RequireCertificate;
            });
        }
        silo.AddToolGrainsServices(section);
        if (options.Qdrant.Url is { Length: > 0 })
            silo.Services.Configure<FailureExportOptions>(o => o.Enabled = true);
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
            silo.ConfigureEndpoints(advertised, options.SiloPort, options.GatewayPort);
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
        // Loopback unless configured otherwise (ToolGrainsOptions.ListenAddress): a silo is not reachable from
        // elsewhere by accident, and one that is must have keys (checked at start).
        var listen = options.EffectiveListenAddress;
        silo.Configure<EndpointOptions>(o =>
        {
            o.SiloListeningEndpoint = new IPEndPoint(listen, options.SiloPort);
            o.GatewayListeningEndpoint = new IPEndPoint(listen, options.GatewayPort);
        });
        return silo;
    }

    /// <summary>Grain storage (provider <see cref="StorageNames.Default"/>), reminders and the buffers' item store of the profile.</summary>
    public static ISiloBuilder UseToolGrainsStorage(this ISiloBuilder silo, ToolGrainsOptions options)
    {
        if (options.IsPostgres)
        {
            silo.AddAdoNetGrainStorage(StorageNames.Default, o =>
            {
                o.Invariant = NpgsqlInvariant;
                o.ConnectionString = options.ConnectionString;
            });
            // Orleans' binary serializer: about ten times cheaper than the default JSON on large states (docs/architecture.md, "Storage per profile").
            silo.Services.AddOptions<AdoNetGrainStorageOptions>(StorageNames.Default)
                .PostConfigure<IServiceProvider>((o, sp) => o.GrainStorageSerializer = ActivatorUtilities.CreateInstance<Orleans.Storage.OrleansGrainStorageSerializer>(sp));
            silo.UseAdoNetReminderService(o =>
            {
                o.Invariant = NpgsqlInvariant;
                o.ConnectionString = options.ConnectionString;
            });
            silo.Services.AddSingleton<ToolGrains.Core.Buffers.IBufferStore>(sp =>
                new PostgresBufferStore(options.ConnectionString!, sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId));
        }
        else
        {
            silo.UseSqliteStorage(o => o.DatabasePath = Path.Combine(options.DataDir, "toolgrains.db"), StorageNames.Default);
        }
        return silo;
    }

    /// <summary>
    /// The options bound from <paramref name="toolGrainsSection"/> (the <c>ToolGrains</c> section; without one, defaults
    /// apply), each with its validator (<see cref="ToolGrainsOptionsExtensions.AddToolGrainsOptions(IServiceCollection, IConfiguration?)"/>),
    /// and the services the grains take: tool runner and built-in tools, buffer metrics, the embedder
    /// (<see cref="ToolGrainsOptions.Embeddings"/>, cached), usage tracking and the failure export with the built-in
    /// pass-throughs registered at start, and the resilient invoker's catalog cache.
    /// </summary>
    public static ISiloBuilder AddToolGrainsServices(this ISiloBuilder silo, IConfiguration? toolGrainsSection = null)
    {
        var services = silo.Services;
        services.AddToolGrainsOptions(toolGrainsSection);
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<ToolRunnerOptions>();
        // A recovery reminder shorter than Orleans' one-minute floor lowers the floor with it.
        services.AddOptions<ReminderOptions>().Configure<IOptions<BufferOptions>>((reminders, buffer) =>
        {
            if (buffer.Value.RecoveryReminderPeriod < reminders.MinimumReminderPeriod)
                reminders.MinimumReminderPeriod = buffer.Value.RecoveryReminderPeriod;
        });
        services.TryAddSingleton<ToolRunner>();
        services.TryAddSingleton(ApiKeyRing.None);
        services.AddSingleton<IIncomingGrainCallFilter, ApiKeyCallFilter>();
        services.AddOptions<SpecExtractorOptions>();
        services.TryAddSingleton<BufferMetrics>();
        services.AddMetrics();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IBuiltinTool, JsonlFileWriterTool>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IBuiltinTool, LogBatchWriterTool>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IBuiltinTool, NoopTool>());
        services.AddToolGrainsReputation();
        services.TryAddSingleton<CatalogCache>();
        services.TryAddSingleton<ToolTelemetry>();
        return silo;
    }

    private static void AddToolGrainsReputation(this IServiceCollection services)
    {
        services.AddOptions<FailureExportOptions>();
        services.TryAddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(sp =>
        {
            var kind = sp.GetService<IOptions<ToolGrainsOptions>>()?.Value.Embeddings ?? EmbeddingKinds.MiniLm;
            // One model per silo process, shared by every grain; the cache spares repeated scenarios and descriptions.
            IEmbeddingGenerator<string, Embedding<float>> inner = string.Equals(kind, EmbeddingKinds.Hashing, StringComparison.OrdinalIgnoreCase)
                ? new HashingEmbeddingGenerator()
                : new MiniLmEmbeddingGenerator();
            return new LruCachingEmbeddingGenerator(inner);
        });
        services.TryAddKeyedSingleton<TimeProvider>(ReputationClock.Key, (sp, _) => sp.GetRequiredService<TimeProvider>());
        services.TryAddSingleton<ReputationMetrics>();
        services.TryAddSingleton<UsageTracker>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<UsageTracker>());
        services.TryAddSingleton<FailureExport>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IBuiltinTool, ToolUsageUpdateTool>());
        // Always known as a builtin (a YAML may name it); it fails each call while ToolGrains:Qdrant:Url is unset.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IBuiltinTool, QdrantBatchUpdateTool>());
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, BuiltinToolRegistrar>();
    }

    private static IPAddress FirstNonLoopbackAddress() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? IPAddress.Loopback;
}
