namespace ToolGrains.Storage.Sqlite;

/// <summary>Where and how the embedded profile keeps grain state and reminders.</summary>
public sealed class SqliteStorageOptions
{
    /// <summary>Path of the SQLite database file; its folder is created. Default: <c>./data/toolgrains.db</c>.</summary>
    public string DatabasePath { get; set; } = Path.Combine("data", "toolgrains.db");

    /// <summary>
    /// Most writes committed in one transaction (group commit). Default: 512.
    /// Concurrent writers share a transaction, so durability costs one fsync per group, not per write.
    /// </summary>
    public int MaxWritesPerTransaction { get; set; } = 512;

    /// <summary>
    /// <c>PRAGMA synchronous=FULL</c> when true. Default: false (NORMAL), which in WAL mode keeps every
    /// committed write through a process crash (kill -9); FULL also survives a power loss, at about a quarter of the rate.
    /// </summary>
    public bool SynchronousFull { get; set; }

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(DatabasePath))
            throw new ArgumentException("SqliteStorageOptions.DatabasePath is empty.", nameof(DatabasePath));
        if (MaxWritesPerTransaction is < 1 or > 100_000)
            throw new ArgumentOutOfRangeException(nameof(MaxWritesPerTransaction), MaxWritesPerTransaction, "must be 1..100000");
    }
}
