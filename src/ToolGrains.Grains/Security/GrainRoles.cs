using Orleans.Runtime;

namespace ToolGrains.Grains.Security;

/// <summary>
/// The least role a client needs for each grain method it may call (docs/architecture.md, "Security"). One table,
/// so that the roles can be read in one place; a method not listed needs <see cref="ToolGrainsRole.Admin"/>.
/// <see cref="IProtocolGrain"/> needs only a reader to be called and checks each operation itself.
/// </summary>
public static class GrainRoles
{
    private static readonly Dictionary<(Type, string), ToolGrainsRole> Table = new()
    {
        [(typeof(IBufferGrain), nameof(IBufferGrain.WriteAsync))] = ToolGrainsRole.Caller,
        [(typeof(IBufferGrain), nameof(IBufferGrain.FlushAsync))] = ToolGrainsRole.Caller,
        [(typeof(IBufferGrain), nameof(IBufferGrain.GetStatusAsync))] = ToolGrainsRole.Reader,
        [(typeof(IToolReputationGrain), nameof(IToolReputationGrain.GetDescriptorAsync))] = ToolGrainsRole.Reader,
        [(typeof(IToolReputationGrain), nameof(IToolReputationGrain.GetStatusAsync))] = ToolGrainsRole.Reader,
        [(typeof(IToolReputationGrain), nameof(IToolReputationGrain.AssessScenarioAsync))] = ToolGrainsRole.Reader,
        [(typeof(IToolReputationGrain), nameof(IToolReputationGrain.MarkFailureAsync))] = ToolGrainsRole.Caller,
        [(typeof(IToolReputationGrain), nameof(IToolReputationGrain.RecordSuccessAsync))] = ToolGrainsRole.Caller,
        [(typeof(IToolCatalogGrain), nameof(IToolCatalogGrain.ListAsync))] = ToolGrainsRole.Reader,
        [(typeof(IToolCatalogGrain), nameof(IToolCatalogGrain.GetVersionAsync))] = ToolGrainsRole.Reader,
        [(typeof(IToolCatalogGrain), nameof(IToolCatalogGrain.GetSnapshotAsync))] = ToolGrainsRole.Reader,
        [(typeof(IToolCallGrain), nameof(IToolCallGrain.CallToolAsync))] = ToolGrainsRole.Caller,
        [(typeof(IResilientInvokerGrain), nameof(IResilientInvokerGrain.InvokeAsync))] = ToolGrainsRole.Caller,
        [(typeof(IResilientInvokerGrain), nameof(IResilientInvokerGrain.RankAsync))] = ToolGrainsRole.Reader,
        [(typeof(IAnalyticsGrain), nameof(IAnalyticsGrain.GetReportAsync))] = ToolGrainsRole.Reader,
        [(typeof(IAnalyticsGrain), nameof(IAnalyticsGrain.GetReportJsonAsync))] = ToolGrainsRole.Reader,
        [(typeof(IProtocolGrain), nameof(IProtocolGrain.CallAsync))] = ToolGrainsRole.Reader,
        [(typeof(ISpecExtractorGrain), nameof(ISpecExtractorGrain.ExtractTextAsync))] = ToolGrainsRole.Caller,
        [(typeof(ISpecExtractorGrain), nameof(ISpecExtractorGrain.ExtractFileAsync))] = ToolGrainsRole.Caller,
        // `toolgrains cluster status`; everything else of the management grain (deactivations, GC) is the operator's.
        [(typeof(IManagementGrain), nameof(IManagementGrain.GetHosts))] = ToolGrainsRole.Reader,
        [(typeof(IManagementGrain), nameof(IManagementGrain.GetDetailedHosts))] = ToolGrainsRole.Reader,
    };

    public static ToolGrainsRole Required(System.Reflection.MethodInfo? method) =>
        method?.DeclaringType is { } type && Table.TryGetValue((type, method.Name), out var role) ? role : ToolGrainsRole.Admin;
}
