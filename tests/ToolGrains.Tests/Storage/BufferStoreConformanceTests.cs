using Microsoft.Extensions.Time.Testing;
using Npgsql;
using ToolGrains.Core.Buffers;
using ToolGrains.Hosting;
using ToolGrains.Storage.Sqlite;
using ToolGrains.Tests.Infrastructure;

namespace ToolGrains.Tests.Storage;

/// <summary>The buffer item store's contract, on the real SQLite file and the real PostgreSQL schema.</summary>
public abstract class BufferStoreConformanceTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new();
    private IAsyncDisposable? _owner;
    protected IBufferStore Store { get; private set; } = null!;

    protected abstract Task<(IBufferStore Store, IAsyncDisposable Owner)> CreateAsync();

    public async Task InitializeAsync() => (Store, _owner) = await CreateAsync();

    public async Task DisposeAsync()
    {
        if (_owner is not null) await _owner.DisposeAsync();
    }

    protected async Task<BufferLedger> LoadAsync(string id) =>
        new(id, await Store.LoadAsync(id), _time, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4), Store.TakesPlainAppends);

    protected static string NewId() => $"store-{Guid.NewGuid():N}"[..20];

    /// <summary>Items 1..7 in batches of two, the first two batches confirmed one by one as deliveries do; the buffer loaded again.</summary>
    protected async Task<(string Id, BufferLedger Loaded)> SevenItemsTwoBatchesConfirmedAsync()
    {
        var id = NewId();
        var ledger = await LoadAsync(id);
        ledger.Configure(BufferSealMode.Batched, 2, 60, "sink");
        var (append, sealedNow) = ledger.Append(["1", "2", "3", "4", "5", "6", "7"]);
        await Store.CommitAsync(append);
        // Each delete starts at the batch it removes.
        foreach (var batch in sealedNow.Take(2)) await Store.CommitAsync(ledger.Confirm(batch));
        return (id, await LoadAsync(id));
    }

    [Fact]
    public async Task Appends_seals_and_confirmations_read_back_as_the_same_batches_and_pending_items()
    {
        var id = NewId();
        var ledger = await LoadAsync(id);
        ledger.Configure(BufferSealMode.Batched, 2, 60, "sink");
        var (append, sealedNow) = ledger.Append(["1", "2", "3", "4", "5"]);
        await Store.CommitAsync(append);
        await Store.CommitAsync(ledger.Confirm(sealedNow[0]));

        var again = await LoadAsync(id);
        Assert.Equal(ledger.Version, again.Version);
        Assert.Equal(["b:2"], again.Sealed.Select(b => b.BatchId.Replace(id, "b")));
        Assert.Equal(["3", "4"], again.Sealed.Single().Items);
        Assert.Equal(1, again.PendingCount);
        Assert.Equal(2, again.Record.TotalFlushed);
        Assert.Equal(5, again.Record.TotalWritten);
    }

    [Fact]
    public async Task A_removal_deletes_its_range_from_where_it_starts_and_confirmed_batches_never_come_back()
    {
        var (id, again) = await SevenItemsTwoBatchesConfirmedAsync();
        Assert.Equal(["5", "6"], again.Sealed.Single().Items);
        Assert.Equal(1, again.PendingCount);

        await Store.CommitAsync(again.Confirm(again.Sealed.Single()));
        var snapshot = await Store.LoadAsync(id);
        Assert.Equal(["7"], snapshot.Items.Select(i => i.Json));
        Assert.Empty(snapshot.Batches);
    }

    [Fact]
    public async Task A_clear_removes_everything_held_and_items_written_after_it_read_back()
    {
        var id = NewId();
        var ledger = await LoadAsync(id);
        ledger.Configure(BufferSealMode.Batched, 2, 60, "sink");
        var (append, sealedNow) = ledger.Append(["1", "2", "3", "4", "5"]);
        await Store.CommitAsync(append);
        await Store.CommitAsync(ledger.Confirm(sealedNow[0]));
        var (clear, cleared) = ledger.Clear();
        Assert.Equal(3, cleared);
        await Store.CommitAsync(clear);
        Assert.Empty((await Store.LoadAsync(id)).Items);

        await Store.CommitAsync(ledger.Append(["6"]).Change);
        var again = await LoadAsync(id);
        Assert.Empty(again.Sealed);
        Assert.Equal(["6"], again.TakeAll("manual")!.Value.Items);
        Assert.Equal(6, again.Record.TotalWritten);
    }

    [Fact]
    public async Task Many_buffers_changed_at_once_each_commit_every_change_in_the_order_made()
    {
        // Fifty buffers, twenty changes each, interleaved and none awaited before the next is queued: groups mix
        // buffers and cut across each buffer's changes, yet a buffer's changes never pass each other.
        var ledgers = new List<BufferLedger>();
        for (var b = 0; b < 50; b++)
        {
            var ledger = await LoadAsync(NewId());
            ledger.Configure(BufferSealMode.Batched, 3, 60, "sink");
            ledgers.Add(ledger);
        }
        var commits = new List<Task>();
        for (var i = 0; i < 20; i++)
            foreach (var ledger in ledgers)
            {
                commits.Add(Store.CommitAsync(ledger.Append([$"{i}"]).Change));
                // The oldest batch is confirmed now and then, so removals interleave with appends.
                if (i % 4 == 3 && ledger.Sealed.Count > 0) commits.Add(Store.CommitAsync(ledger.Confirm(ledger.Sealed.First())));
            }
        await Task.WhenAll(commits);

        foreach (var ledger in ledgers)
        {
            var again = await LoadAsync(ledger.BufferId);
            Assert.Equal(ledger.Version, again.Version);
            Assert.Equal(ledger.Sealed.SelectMany(b => b.Items), again.Sealed.SelectMany(b => b.Items));
            Assert.Equal(ledger.Record.TotalFlushed, again.Record.TotalFlushed);
            Assert.Equal(20, again.Record.TotalWritten);
            Assert.Equal(ledger.PendingCount, again.PendingCount);
        }
    }

    [Fact]
    public async Task Items_read_back_exactly_as_written_unicode_and_large_ones_included()
    {
        var id = NewId();
        var ledger = await LoadAsync(id);
        ledger.Configure(BufferSealMode.Manual, 10, 60, null);
        string[] items = ["\"😀 é ü 漢字 \\u0000\"", "{\"k\":\"" + new string('x', 65_000) + "\"}", "[]", "\"\""];
        foreach (var item in items) await Store.CommitAsync(ledger.Append([item]).Change);

        var snapshot = await Store.LoadAsync(id);
        Assert.Equal(items, snapshot.Items.Select(i => i.Json));
    }

    [Fact]
    public async Task After_a_change_of_a_ledger_fails_its_later_changes_are_refused_even_with_the_stored_version()
    {
        var id = NewId();
        var ledger = await LoadAsync(id);
        ledger.Configure(BufferSealMode.Manual, 10, 60, null);
        await Store.CommitAsync(ledger.Append(["1"]).Change);
        var failed = ledger.Append(["2"]).Change with { ExpectedVersion = 99 };
        await Assert.ThrowsAsync<BufferVersionConflictException>(() => Store.CommitAsync(failed));
        // Made after the failure by the same ledger, and expecting the version storage holds: still refused, since
        // it would commit without the item before it.
        var later = ledger.Append(["3"]).Change with { ExpectedVersion = 1 };
        await Assert.ThrowsAsync<BufferVersionConflictException>(() => Store.CommitAsync(later));

        var snapshot = await Store.LoadAsync(id);
        Assert.Equal(1, snapshot.Version);
        Assert.Equal(["1"], snapshot.Items.Select(i => i.Json));
        // A ledger loaded again is a new origin and writes.
        var again = await LoadAsync(id);
        await Store.CommitAsync(again.Append(["4"]).Change);
        Assert.Equal(["1", "4"], (await Store.LoadAsync(id)).Items.Select(i => i.Json));
    }

    [Fact]
    public async Task Changes_queued_together_commit_in_order_and_a_stale_one_fails_alone()
    {
        var hot = NewId();
        var other = NewId();
        var ledger = await LoadAsync(hot);
        ledger.Configure(BufferSealMode.Batched, 10, 60, "sink");
        var otherLedger = await LoadAsync(other);
        otherLedger.Configure(BufferSealMode.Manual, 10, 60, null);
        // A hundred writes of one buffer and one of another, none awaited before the next is queued.
        var commits = Enumerable.Range(0, 100).Select(i => Store.CommitAsync(ledger.Append([i.ToString()]).Change)).ToList();
        var stale = new BufferChange(other, 7, otherLedger.Record, [new StoredItem(1, "\"lost\"")], [], null, false);
        var staleCommit = Store.CommitAsync(stale);
        commits.Add(Store.CommitAsync(otherLedger.Append(["\"kept\""]).Change));
        await Task.WhenAll(commits);
        await Assert.ThrowsAsync<BufferVersionConflictException>(() => staleCommit);

        var again = await LoadAsync(hot);
        // With plain appends: the first write, the ten seals and the nine writes that restarted the pending clock
        // after one (the other writes kept the version); without, every write.
        Assert.Equal(Store.TakesPlainAppends ? 20 : 100, again.Version);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => i.ToString()), again.Sealed.SelectMany(b => b.Items));
        Assert.Equal(10, again.Sealed.Count);
        var otherAgain = await LoadAsync(other);
        Assert.Equal(1, otherAgain.Version);
        Assert.Equal(["\"kept\""], otherAgain.TakeAll("manual")!.Value.Items);
    }
}

public sealed class SqliteBufferStoreTests : BufferStoreConformanceTests
{
    protected override Task<(IBufferStore Store, IAsyncDisposable Owner)> CreateAsync()
    {
        var database = new SqliteDatabase(new SqliteStorageOptions { DatabasePath = Path.Combine(Repo.NewTempDir("bufferstore"), "t.db") });
        return Task.FromResult<(IBufferStore, IAsyncDisposable)>((new SqliteBufferStore(database, "svc"), database));
    }

    [Fact]
    public async Task A_plain_append_checks_the_version_without_rewriting_the_record()
    {
        var id = NewId();
        var ledger = await LoadAsync(id);
        ledger.Configure(BufferSealMode.Batched, 10, 60, "sink");
        await Store.CommitAsync(ledger.Append(["1"]).Change);
        var plain = ledger.Append(["2", "3"]).Change;
        Assert.Null(plain.Record);
        await Store.CommitAsync(plain);
        var stale = plain with { ExpectedVersion = plain.ExpectedVersion + 1, Appended = [new StoredItem(4, "\"lost\"")] };
        await Assert.ThrowsAsync<BufferVersionConflictException>(() => Store.CommitAsync(stale));

        var snapshot = await Store.LoadAsync(id);
        Assert.Equal(1, snapshot.Version);
        Assert.Equal(1, snapshot.Record.TotalWritten); // as the first write stored it
        Assert.Equal([1L, 2L, 3L], snapshot.Items.Select(i => i.Sequence));
        var again = await LoadAsync(id);
        Assert.Equal(3, again.Record.TotalWritten);
        Assert.Equal(4, again.Append(["4"]).Change.Appended[0].Sequence);
    }

    [Fact]
    public async Task A_removal_deletes_from_the_start_it_is_given_not_from_the_buffers_first_row()
    {
        var (id, again) = await SevenItemsTwoBatchesConfirmedAsync();
        // A removal of 5..6 that claims to start at 6 leaves item 5 (a ledger never claims that; this shows the
        // bound is used: PostgreSQL walked every dead index entry below a delete that began at the first key).
        var removal = again.Confirm(again.Sealed.Single()) with { RemoveFrom = new RemovalStart(6, 3) };
        await Store.CommitAsync(removal);
        var snapshot = await Store.LoadAsync(id);
        Assert.Equal(["5", "7"], snapshot.Items.Select(i => i.Json));
        Assert.Empty(snapshot.Batches);
    }

    [Fact]
    public async Task An_unpaired_surrogate_is_stored_as_a_replacement_character_and_its_neighbour_kept()
    {
        // Writes refuse such items (JsonText.IsValid); this is the store's own encoding, which once let SQLite
        // merge the surrogate with the closing quote, so the stored item was no longer JSON.
        var change = new BufferChange("lone", 0, new BufferRecord(), [new StoredItem(1, "\"\uD800\"")], [], null, false);
        await Store.CommitAsync(change);
        Assert.Equal("\"\uFFFD\"", Assert.Single((await Store.LoadAsync("lone")).Items).Json);
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresBufferStoreTests(PostgresServer server) : BufferStoreConformanceTests
{
    private string _connectionString = "";

    protected override async Task<(IBufferStore Store, IAsyncDisposable Owner)> CreateAsync()
    {
        _connectionString = await server.CreateDatabaseAsync("bufferstore");
        var store = new PostgresBufferStore(_connectionString, "svc");
        return (store, store);
    }

    private static async Task<T?> ScalarAsync<T>(string connectionString, string sql, params object[] args)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var arg in args) command.Parameters.Add(new NpgsqlParameter { Value = arg });
        return (T?)await command.ExecuteScalarAsync();
    }

    [Fact]
    public async Task A_commit_appends_one_chunk_per_buffer_and_a_removal_deletes_the_chunks_it_empties_from_its_start()
    {
        var id = NewId();
        var ledger = await LoadAsync(id);
        ledger.Configure(BufferSealMode.Manual, 100, 60, null);
        // Seven commits of one item each: seven chunks; then three items in one commit: one more.
        for (var i = 1; i <= 7; i++) await Store.CommitAsync(ledger.Append([i.ToString()]).Change);
        await Store.CommitAsync(ledger.Append(["8", "9", "10"]).Change);
        const string chunks = "SELECT count(*) FROM toolgrains_buffer_chunk WHERE buffer_id = $1";
        Assert.Equal(8L, await ScalarAsync<long>(_connectionString, chunks, id));

        // A removal of everything through 9 that claims to start at 6 deletes the chunks of 6 and 7 only (the
        // bound is used), and 8..9 stay stored in the last chunk beside 10: the watermark hides them and 1..5.
        var removal = new BufferChange(id, ledger.Version, ledger.Record.Copy(), [], [], 9, false, VersionStep: 1)
        {
            RemoveFrom = new RemovalStart(6, 1),
        };
        await Store.CommitAsync(removal);
        Assert.Equal(6L, await ScalarAsync<long>(_connectionString, chunks, id));
        Assert.Equal(["10"], (await Store.LoadAsync(id)).Items.Select(i => i.Json));
    }

    [Fact]
    public async Task Applying_this_versions_schema_to_a_row_per_item_database_keeps_every_held_item_and_batch()
    {
        var connectionString = await server.CreateDatabaseAsync("upgrade");
        // The database as the previous version left it: its schema file, no chunk table.
        await ExecuteAsync(connectionString, "DROP TABLE toolgrains_buffer_chunk; ALTER TABLE toolgrains_buffer DROP COLUMN removed_through;");
        await ExecuteAsync(connectionString, await File.ReadAllTextAsync(Repo.PathOf("tests", "ToolGrains.Tests", "Storage", "Fixtures", "005-buffers-row-per-item.sql")));
        var time = new FakeTimeProvider();
        BufferLedger Ledger(string id, BufferSnapshot snapshot) => new(id, snapshot, time, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4), false);

        // Written through the previous version's functions (same signatures): rows in toolgrains_buffer_item.
        var ledger = Ledger("old", BufferSnapshot.Empty);
        var quiet = Ledger("quiet", BufferSnapshot.Empty);
        await using (var old = new PostgresBufferStore(connectionString, "svc"))
        {
            ledger.Configure(BufferSealMode.Batched, 2, 60, "sink");
            var (append, sealedNow) = ledger.Append(["1", "2", "3", "4", "5"]);
            await old.CommitAsync(append);
            await old.CommitAsync(ledger.Confirm(sealedNow[0]));
            quiet.Configure(BufferSealMode.Manual, 10, 60, null);
            await old.CommitAsync(quiet.Append([.. Enumerable.Range(0, 250).Select(i => $"\"q{i}\"")]).Change);
        }
        Assert.Equal(253L, await ScalarAsync<long>(connectionString, "SELECT count(*) FROM toolgrains_buffer_item"));

        await ExecuteAsync(connectionString, await File.ReadAllTextAsync(Repo.PathOf("deploy", "sql", "postgresql", "005-buffers.sql")));
        Assert.True(await ScalarAsync<bool>(connectionString, "SELECT to_regclass('toolgrains_buffer_item') IS NULL"));

        await using var store = new PostgresBufferStore(connectionString, "svc");
        var again = Ledger("old", await store.LoadAsync("old"));
        Assert.Equal(ledger.Version, again.Version);
        Assert.Equal(["3", "4"], again.Sealed.Single().Items);
        Assert.Equal(1, again.PendingCount);
        // The buffer goes on: its batch confirmed, a write after it.
        await store.CommitAsync(again.Confirm(again.Sealed.Single()));
        await store.CommitAsync(again.Append(["6"]).Change); // seals 5..6 (max_size 2)
        var last = Ledger("old", await store.LoadAsync("old"));
        Assert.Equal(["5", "6"], last.Sealed.Single().Items);
        Assert.Equal(0, last.PendingCount);
        // 250 items of one buffer became chunks of at most 100, read back in order.
        Assert.Equal(Enumerable.Range(0, 250).Select(i => $"\"q{i}\""), (await store.LoadAsync("quiet")).Items.Select(i => i.Json));
        Assert.Equal(3L, await ScalarAsync<long>(connectionString, "SELECT count(*) FROM toolgrains_buffer_chunk WHERE buffer_id = 'quiet'"));
    }

    [Fact]
    public async Task A_round_trip_carries_at_most_its_payload_bound_and_a_change_over_it_goes_alone()
    {
        await using var store = new PostgresBufferStore(_connectionString, "svc", maxPayloadCharsPerRoundTrip: 1_000);
        var item = $"\"{new string('x', 598)}\""; // 600 characters, 632 with an item's overhead
        var ledgers = NewQueues(20);
        var before = store.RoundTrips;
        // Twenty changes of one such item queued at once: two would pass the bound, so each goes in a round trip of its own.
        await Task.WhenAll(ledgers.Select(l => store.CommitAsync(l.Append([item]).Change)));
        Assert.Equal(20, store.RoundTrips - before);
        // A small change, one of eight items (over the bound alone) and another small one, queued at once: the big
        // one is still sent, alone, rather than held forever, and the small ones do not join it.
        var tiny = "1";
        await Task.WhenAll(
            store.CommitAsync(ledgers[1].Append([tiny]).Change),
            store.CommitAsync(ledgers[0].Append([.. Enumerable.Repeat(item, 8)]).Change),
            store.CommitAsync(ledgers[2].Append([tiny]).Change));
        Assert.Equal(23, store.RoundTrips - before);
        Assert.Equal(9, (await store.LoadAsync(ledgers[0].BufferId)).Items.Count);
        Assert.Equal([item, tiny], (await store.LoadAsync(ledgers[1].BufferId)).Items.Select(i => i.Json));
        foreach (var ledger in ledgers.Skip(3)) Assert.Equal([item], (await store.LoadAsync(ledger.BufferId)).Items.Select(i => i.Json));
    }

    [Fact]
    public async Task A_run_of_a_thousand_tiny_items_counts_their_overhead_against_the_bound()
    {
        // 1,000 one-character items are 1,000 characters of text but ~33,000 with their overhead in the arrays.
        await using var store = new PostgresBufferStore(_connectionString, "svc", maxPayloadCharsPerRoundTrip: 20_000);
        var ledgers = NewQueues(2);
        var before = store.RoundTrips;
        await Task.WhenAll(ledgers.Select(l => store.CommitAsync(l.Append([.. Enumerable.Repeat("1", 1_000)]).Change)));
        Assert.Equal(2, store.RoundTrips - before);
        foreach (var ledger in ledgers) Assert.Equal(1_000, (await store.LoadAsync(ledger.BufferId)).Items.Count);
    }

    [Fact]
    public async Task The_group_function_plans_once_per_session_and_never_scans_a_table_whole()
    {
        // Set by a DO block after the function on PostgreSQL 12 and later (plan_cache_mode does not exist on 11).
        var config = await ScalarAsync<string[]>(_connectionString,
            "SELECT proconfig FROM pg_proc WHERE proname = 'toolgrains_buffer_commit_group'");
        Assert.Equal(["enable_seqscan=off", "plan_cache_mode=force_generic_plan"], config!.Order());
    }

    private static Task ExecuteAsync(string connectionString, string sql) => ScalarAsync<object>(connectionString, sql);

    /// <summary>Ledgers of new buffers that only queue (manual, no tool), for tests that commit through a store of their own.</summary>
    private static List<BufferLedger> NewQueues(int count) => [.. Enumerable.Range(0, count).Select(_ =>
    {
        var ledger = new BufferLedger(NewId(), BufferSnapshot.Empty, new FakeTimeProvider(), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4), false);
        ledger.Configure(BufferSealMode.Manual, 100_000, 60, null);
        return ledger;
    })];

    [Fact]
    public async Task A_load_reads_one_snapshot_so_a_removal_committed_between_its_reads_is_seen_whole_or_not_at_all()
    {
        var id = NewId();
        var ledger = await LoadAsync(id);
        ledger.Configure(BufferSealMode.Manual, 100, 60, null);
        await Store.CommitAsync(ledger.Append(["1", "2", "3", "4", "5"]).Change);
        await Store.CommitAsync(ledger.Append(["6", "7", "8", "9", "10"]).Change);

        // A second activation's removal through 7, still open, with the chunk table locked: the load reads the
        // buffer's row (watermark 0), then waits for the chunks until the removal has committed.
        await using var other = new NpgsqlConnection(_connectionString);
        await other.OpenAsync();
        await using var removal = await other.BeginTransactionAsync();
        foreach (var sql in new[]
        {
            "LOCK TABLE toolgrains_buffer_chunk IN ACCESS EXCLUSIVE MODE",
            "DELETE FROM toolgrains_buffer_chunk WHERE buffer_id = $1 AND last_seq <= 7",
            "UPDATE toolgrains_buffer SET removed_through = 7, version = version + 1 WHERE buffer_id = $1",
        })
        {
            await using var command = new NpgsqlCommand(sql, other, removal);
            command.Parameters.Add(new NpgsqlParameter { Value = id });
            await command.ExecuteNonQueryAsync();
        }
        var load = Store.LoadAsync(id);
        const string waiting = "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = to_regclass('toolgrains_buffer_chunk') "
            + "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())";
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await ScalarAsync<long>(_connectionString, waiting) == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the load never waited for the chunk table");
            await Task.Delay(20);
        }
        await removal.CommitAsync();

        // The state before the removal, whole: every item and its version (read in separate snapshots, the
        // watermark of before and the chunks of after would show 6..10, items 6 and 7 removed and shown again).
        var snapshot = await load;
        Assert.Equal(ledger.Version, snapshot.Version);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => i.ToString()), snapshot.Items.Select(i => i.Json));
        var after = await Store.LoadAsync(id);
        Assert.Equal(["8", "9", "10"], after.Items.Select(i => i.Json));
    }
}
