namespace ToolGrains.Tests.Infrastructure;

/// <summary>
/// A real PostgreSQL server for the tests, run by scripts/postgres.sh: the one scripts/test.sh started
/// (TOOLGRAINS_PG_DIR), or a private one started here and stopped at the end. Each test class gets a
/// fresh database with deploy/sql/postgresql applied.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private string? _dir;
    private bool _owned;
    private int _databases;

    private static string Script => Path.Combine(Repo.Root, "scripts", "postgres.sh");

    public async Task InitializeAsync()
    {
        _dir = Environment.GetEnvironmentVariable("TOOLGRAINS_PG_DIR");
        if (string.IsNullOrEmpty(_dir) || !File.Exists(Path.Combine(_dir, "env")))
        {
            _dir = Repo.NewTempDir("pg");
            _owned = true;
            var start = await ProcessRunner.RunAsync("bash", [Script, "start", _dir], timeout: TimeSpan.FromMinutes(8));
            if (start.ExitCode != 0) throw new InvalidOperationException($"scripts/postgres.sh start failed: {start}");
        }
    }

    /// <summary>A new database with the schema applied; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix)
    {
        var name = $"{prefix}_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 14, 60)].ToLowerInvariant();
        var result = await ProcessRunner.RunAsync("bash", [Script, "createdb", _dir!, name], timeout: TimeSpan.FromMinutes(2));
        if (result.ExitCode != 0) throw new InvalidOperationException($"createdb failed: {result}");
        return result.Stdout.Split('\n').Last().Trim();
    }

    public async Task DisposeAsync()
    {
        if (_owned && _dir is not null)
            await ProcessRunner.RunAsync("bash", [Script, "stop", _dir], timeout: TimeSpan.FromMinutes(1));
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres";
}
