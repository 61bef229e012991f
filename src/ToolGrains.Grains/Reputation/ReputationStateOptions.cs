namespace ToolGrains.Grains.Reputation;

/// <summary>Limits of what a tool's reputation state keeps, beyond those of <see cref="QualityPolicy"/>.</summary>
public sealed class ReputationStateOptions
{
    /// <summary>Most quality changes kept in the history (oldest dropped). Default 100.</summary>
    public int MaxQualityHistory { get; set; } = 100;

    /// <summary>Most failure patterns shown as common failures in a status. Default 5.</summary>
    public int CommonFailuresShown { get; set; } = 5;

    /// <summary>Usage batch ids remembered per tool for redelivery detection. Default 32.</summary>
    public int UsageBatchesRemembered { get; set; } = 32;

    /// <summary>Latest call durations a tool's activation keeps for its latency percentiles. Default 256.</summary>
    public int LatenciesRemembered { get; set; } = 256;

    /// <summary>Kinds of request shown with their evidence in a status, most calls first. Default 5.</summary>
    public int CompetenceKindsShown { get; set; } = 5;
}
