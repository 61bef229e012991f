using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Hosting;
using Orleans.Runtime.Hosting;
using Orleans.Storage;

namespace ToolGrains.Storage.Sqlite;

public static class SqliteStorageExtensions
{
    /// <summary>
    /// Keeps grain state (under each of <paramref name="providerNames"/>), reminders and buffer items in one SQLite file.
    /// State is written with Orleans' binary serializer, which is about ten times cheaper than JSON for large states.
    /// </summary>
    public static ISiloBuilder UseSqliteStorage(this ISiloBuilder builder, Action<SqliteStorageOptions> configure, params string[] providerNames)
    {
        var options = new SqliteStorageOptions();
        configure(options);
        options.Validate();
        builder.Services.TryAddSingleton(_ => new SqliteDatabase(options));
        foreach (var providerName in providerNames)
        {
            builder.Services.AddGrainStorage(providerName, (sp, name) => new SqliteGrainStorage(
                name,
                sp.GetRequiredService<SqliteDatabase>(),
                ActivatorUtilities.CreateInstance<OrleansGrainStorageSerializer>(sp)));
        }
        builder.Services.TryAddSingleton<ToolGrains.Core.Buffers.IBufferStore>(sp => new SqliteBufferStore(
            sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<Orleans.Configuration.ClusterOptions>>().Value.ServiceId));
        builder.AddReminders();
        builder.Services.AddSingleton<IReminderTable, SqliteReminderTable>();
        return builder;
    }
}
