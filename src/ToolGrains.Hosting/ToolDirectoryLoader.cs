using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using ToolGrains.Core.Protocol;
using ToolGrains.Grains.Catalog;

namespace ToolGrains.Hosting;

/// <summary>Registers every <c>*.yaml</c> under <c>ToolsDir</c> once the silo is active; a bad file is logged and skipped.</summary>
public sealed class ToolDirectoryLoader(
    IOptions<ToolGrainsOptions> options, IGrainFactory grains, ILogger<ToolDirectoryLoader> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(ToolDirectoryLoader), ServiceLifecycleStage.Active, LoadAsync);

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var dir = Path.GetFullPath(options.Value.ToolsDir);
        if (!Directory.Exists(dir))
        {
            logger.LogInformation("Tools folder {ToolsDir} does not exist; no tools registered at start", dir);
            return;
        }
        var catalog = grains.GetGrain<IToolCatalogGrain>("default");
        var registered = 0;
        foreach (var file in Directory.EnumerateFiles(dir, "*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            try
            {
                await catalog.RegisterAsync(ToolDescriptorParser.ParseYamlFile(file));
                registered++;
            }
            catch (ToolGrainsException ex)
            {
                logger.LogWarning("Tool file {File} skipped: {Error} (field {Field})", file, ex.Message, ex.Field);
            }
        }
        logger.LogInformation("Registered {Count} tools from {ToolsDir}", registered, dir);
    }
}
