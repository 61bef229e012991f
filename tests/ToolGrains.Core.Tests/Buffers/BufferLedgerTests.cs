using Microsoft.Extensions.Time.Testing;
using ToolGrains.Core.Buffers;

namespace ToolGrains.Core.Tests.Buffers;

public sealed class BufferLedgerTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private BufferLedger New(BufferSealMode mode = BufferSealMode.Batched, int maxSize = 3, double interval = 5, BufferSnapshot? snapshot = null, bool plainAppends = true)
    {
        var ledger = new BufferLedger("b", snapshot ?? BufferSnapshot.Empty, _time, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8), plainAppends);
        if (snapshot is null) ledger.Configure(mode, maxSize, interval, "sink");
        return ledger;
    }

    private static string[] Items(params int[] n) => n.Select(i => i.ToString()).ToArray();

    [Fact]
    public void A_write_appends_only_its_own_items_whatever_is_already_held()
    {
        var ledger = New(maxSize: 1000);
        for (var i = 0; i < 50; i++) ledger.Append(Items(i));
        var (change, sealedNow) = ledger.Append(Items(50, 51));
        Assert.Empty(sealedNow);
        Assert.Equal([51L, 52L], change.Appended.Select(a => a.Sequence));
        Assert.Empty(change.Sealed);
        Assert.Null(change.RemoveThroughSequence);
        Assert.Equal(52, ledger.PendingCount);
    }

    [Fact]
    public void Size_seals_every_full_batch_and_records_only_its_boundary()
    {
        var ledger = New(maxSize: 3);
        ledger.Append(Items(1, 2));
        var (change, sealedNow) = ledger.Append(Items(3, 4, 5, 6, 7));
        Assert.Equal(["b:1", "b:2"], sealedNow.Select(b => b.BatchId));
        Assert.Equal([new BatchBoundary(1, 3, "size"), new BatchBoundary(2, 6, "size")], change.Sealed);
        Assert.Equal(["1", "2", "3"], sealedNow[0].Items);
        Assert.Equal(1, ledger.PendingCount);
        Assert.Equal(7, ledger.BufferedCount);
    }

    [Fact]
    public void Time_seals_when_the_oldest_item_is_as_old_as_the_interval_not_after_a_quiet_spell()
    {
        var ledger = New(maxSize: 100, interval: 5);
        ledger.Append(Items(1));
        _time.Advance(TimeSpan.FromSeconds(3));
        ledger.Append(Items(2)); // a trickle must not postpone the flush
        Assert.Null(ledger.SealIfDue());
        _time.Advance(TimeSpan.FromSeconds(2));
        var change = ledger.SealIfDue();
        Assert.NotNull(change);
        Assert.Equal("time", Assert.Single(change.Sealed).Reason);
        Assert.Equal(0, ledger.PendingCount);
        Assert.Null(ledger.OldestPendingAgeSeconds);
    }

    [Fact]
    public void Manual_and_immediate_seal_as_their_modes_say()
    {
        var manual = New(BufferSealMode.Manual, maxSize: 1, interval: 0.1);
        manual.Append(Items(1, 2, 3));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(manual.SealIfDue());
        Assert.Empty(manual.Sealed);

        var immediate = New(BufferSealMode.Immediate, maxSize: 100);
        var (_, sealedNow) = immediate.Append(Items(1, 2));
        Assert.Equal(["1", "2"], Assert.Single(sealedNow).Items);
    }

    [Fact]
    public void A_failed_batch_backs_off_doubling_up_to_the_cap_and_stays_first_in_line()
    {
        var ledger = New(maxSize: 1);
        var (_, sealedNow) = ledger.Append(Items(1, 2));
        var first = sealedNow[0];
        Assert.Same(first, ledger.NextDelivery(force: false));
        Assert.Equal(TimeSpan.FromSeconds(1), ledger.Fail(first, "failure: down"));
        Assert.Null(ledger.NextDelivery(force: false));
        Assert.Same(first, ledger.NextDelivery(force: true));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Same(first, ledger.NextDelivery(force: false));
        Assert.Equal(TimeSpan.FromSeconds(2), ledger.Fail(first, "x"));
        Assert.Equal(TimeSpan.FromSeconds(4), ledger.Fail(first, "x"));
        Assert.Equal(TimeSpan.FromSeconds(8), ledger.Fail(first, "x"));
        Assert.Equal(TimeSpan.FromSeconds(8), ledger.Fail(first, "x"));
        Assert.Equal(5, ledger.FailedAttempts);
        Assert.Contains("attempt 5", ledger.Record.LastError);
        Assert.Throws<InvalidOperationException>(() => ledger.Confirm(sealedNow[1]));
    }

    [Fact]
    public void A_confirmation_removes_its_range_and_counts_it()
    {
        var ledger = New(maxSize: 2);
        var (_, sealedNow) = ledger.Append(Items(1, 2, 3, 4, 5));
        var change = ledger.Confirm(sealedNow[0]);
        Assert.Equal(2, change.RemoveThroughSequence);
        Assert.Empty(change.Appended);
        Assert.Equal(2, ledger.Record.TotalFlushed);
        Assert.Equal(1, ledger.Record.BatchesFlushed);
        Assert.Null(ledger.Record.LastError);
        Assert.Equal(3, ledger.BufferedCount);
    }

    [Fact]
    public void A_removal_starts_at_the_oldest_row_held_so_a_store_need_not_scan_from_the_first_key()
    {
        var ledger = New(maxSize: 2);
        var (_, sealedNow) = ledger.Append(Items(1, 2, 3, 4, 5));
        Assert.Equal(new RemovalStart(1, 1), ledger.Confirm(sealedNow[0]).RemoveFrom);
        var second = ledger.Confirm(sealedNow[1]);
        Assert.Equal(new RemovalStart(3, 2), second.RemoveFrom);
        Assert.Equal((3L, 2L, 4L), second.Removal);
        // A queue's flush takes the pending items: from the first of them, at the next batch number.
        Assert.Equal(new RemovalStart(5, 3), ledger.TakeAll("manual")!.Value.Change.RemoveFrom);
        // A clear removes everything, wherever it is.
        ledger.Append(Items(6));
        Assert.Equal((long.MinValue, long.MinValue, long.MaxValue), ledger.Clear().Change.Removal);
        Assert.Null(ledger.Append(Items(7)).Change.Removal);
    }

    [Fact]
    public void A_ledger_loaded_from_storage_starts_its_removals_at_the_first_stored_item_of_each_batch()
    {
        var stored = new BufferSnapshot(3, new BufferRecord { Mode = BufferSealMode.Batched, MaxSize = 2, NextSequence = 20, NextBatch = 9, Configured = true },
            [new StoredItem(14, "14"), new StoredItem(15, "15"), new StoredItem(17, "17"), new StoredItem(18, "18"), new StoredItem(19, "19")],
            [new BatchBoundary(6, 13, "size"), new BatchBoundary(7, 15, "size"), new BatchBoundary(8, 18, "size")]);
        var ledger = New(snapshot: stored);
        Assert.Equal([14L, 17L], ledger.Sealed.Select(b => b.FirstSequence));
        var change = ledger.Confirm(ledger.Sealed.First());
        Assert.Equal((14L, 7L, 15L), change.Removal);
    }

    [Fact]
    public void Each_change_expects_the_version_the_previous_one_made_and_carries_a_snapshot_of_the_record()
    {
        var ledger = New(maxSize: 3);
        var (a, _) = ledger.Append(Items(1));
        var (b, _) = ledger.Append(Items(2));
        var (c, _) = ledger.Append(Items(3));
        Assert.Equal(a.NewVersion, b.ExpectedVersion);
        Assert.Equal(1, a.Record!.TotalWritten);
        // A plain append stores no record and keeps the version; the seal after it stores both counters.
        Assert.Null(b.Record);
        Assert.Equal(b.ExpectedVersion, b.NewVersion);
        Assert.Equal(b.NewVersion, c.ExpectedVersion);
        Assert.Equal(3, c.Record!.TotalWritten);
        Assert.Equal(4, c.Record.NextSequence);
    }

    [Fact]
    public void An_append_stores_the_record_when_anything_but_its_counters_moved()
    {
        var ledger = New(maxSize: 10);
        ledger.Append(Items(1));
        Assert.Null(ledger.Append(Items(2)).Change.Record);
        ledger.Configure(BufferSealMode.Batched, 10, 7, "sink"); // a new interval
        Assert.Equal(7, ledger.Append(Items(3)).Change.Record!.FlushIntervalSeconds);
        ledger.Fail(new LedgerBatch { Number = 9, BatchId = "b:9", FirstSequence = 0, LastSequence = 0, Items = [], Reason = "size" }, "down");
        Assert.Contains("down", ledger.Append(Items(4)).Change.Record!.LastError);
        Assert.Null(ledger.Append(Items(5)).Change.Record);
        ledger.SealAll("manual");
        Assert.NotNull(ledger.Append(Items(6)).Change.Record); // the clock of a new pending item starts
    }

    [Fact]
    public void For_a_store_without_plain_appends_every_change_carries_the_record_and_advances_the_version()
    {
        var ledger = New(maxSize: 10, plainAppends: false);
        var changes = Enumerable.Range(1, 4).Select(n => ledger.Append(Items(n)).Change).ToList();
        Assert.All(changes, c => Assert.NotNull(c.Record));
        Assert.Equal([1L, 2L, 3L, 4L], changes.Select(c => c.NewVersion));
        Assert.Equal(4, changes[^1].Record!.TotalWritten);
    }

    [Fact]
    public void A_ledgers_changes_share_one_origin_and_another_ledger_has_its_own()
    {
        var ledger = New(maxSize: 2);
        var first = ledger.Append(Items(1)).Change;
        var second = ledger.Append(Items(2)).Change;
        Assert.NotNull(first.Origin);
        Assert.Same(first.Origin, second.Origin);
        Assert.NotSame(first.Origin, New().Append(Items(1)).Change.Origin);
        Assert.False(second.Orphaned);
        first.Origin!.Fail();
        Assert.True(second.Orphaned);
        Assert.Same(first.Origin, BufferChange.Merge([first, second]).Origin);
    }

    [Fact]
    public void A_reloaded_ledger_counts_the_appends_that_stored_no_record()
    {
        var ledger = New(maxSize: 10);
        var (first, _) = ledger.Append(Items(1, 2));
        ledger.Append(Items(3));
        ledger.Append(Items(4, 5));
        // Stored: the first write's record (next sequence 3, 2 written) and all five items.
        var stored = new BufferSnapshot(first.NewVersion, BufferRecord.FromJson(first.Record!.ToJson()),
            [.. Enumerable.Range(1, 5).Select(n => new StoredItem(n, n.ToString()))], []);

        var again = New(snapshot: stored);
        Assert.Equal(5, again.Record.TotalWritten);
        Assert.Equal(6, again.Record.NextSequence);
        Assert.Equal(5, again.PendingCount);
        var (next, _) = again.Append(Items(6));
        Assert.Equal(6, Assert.Single(next.Appended).Sequence);
        Assert.Equal(first.NewVersion, next.ExpectedVersion);
    }

    [Fact]
    public void A_reloaded_ledger_has_the_same_batches_ids_and_pending_items()
    {
        var ledger = New(maxSize: 2, interval: 5);
        var (_, sealedNow) = ledger.Append(Items(1, 2, 3, 4, 5));
        ledger.Confirm(sealedNow[0]);
        var record = BufferRecord.FromJson(ledger.Record.ToJson());
        var stored = new BufferSnapshot(ledger.Version, record,
            [new StoredItem(3, "3"), new StoredItem(4, "4"), new StoredItem(5, "5")],
            [new BatchBoundary(2, 4, "size")]);

        var again = New(snapshot: stored);
        Assert.Equal("b:2", Assert.Single(again.Sealed).BatchId);
        Assert.Equal(["3", "4"], again.Sealed.Single().Items);
        Assert.Equal(1, again.PendingCount);
        var (next, more) = again.Append(Items(6));
        Assert.Equal(6, Assert.Single(next.Appended).Sequence);
        Assert.Equal(ledger.Version, next.ExpectedVersion);
        Assert.Equal("b:3", Assert.Single(more).BatchId); // batch numbers are never reused
        Assert.Equal(["5", "6"], more[0].Items);
    }

    [Fact]
    public void A_queue_flush_refuses_while_sealed_batches_are_held_and_changes_nothing()
    {
        var ledger = New(maxSize: 2);
        ledger.Append(Items(1, 2, 3));
        var error = Assert.Throws<InvalidOperationException>(() => ledger.TakeAll("manual"));
        Assert.Contains("sealed", error.Message);
        Assert.Single(ledger.Sealed);
        Assert.Equal(1, ledger.PendingCount);
        Assert.Equal(3, ledger.BufferedCount);
    }

    [Fact]
    public void A_queue_flush_takes_everything_under_a_new_batch_id_and_clear_drops_all()
    {
        var ledger = New(BufferSealMode.Manual);
        ledger.Append(Items(1, 2));
        var taken = ledger.TakeAll("manual");
        Assert.NotNull(taken);
        Assert.Equal("b:1", taken.Value.BatchId);
        Assert.Equal(["1", "2"], taken.Value.Items);
        Assert.Equal(2, taken.Value.Change.RemoveThroughSequence);
        Assert.Null(ledger.TakeAll("manual"));

        ledger.Append(Items(3));
        var (clear, cleared) = ledger.Clear();
        Assert.True(clear.RemoveAll);
        Assert.Equal(1, cleared);
        Assert.Equal(0, ledger.BufferedCount);
    }
}

public sealed class BufferChangeMergeTests
{
    private static BufferChange C(long version, long[] appended, long? through = null, bool all = false, long[]? sealedLast = null) =>
        new("b", version, new BufferRecord { TotalWritten = version }, appended.Select(s => new StoredItem(s, s.ToString())).ToArray(),
            (sealedLast ?? []).Select((l, i) => new BatchBoundary(version * 10 + i, l, "size")).ToArray(), through, all);

    [Fact]
    public void A_merged_change_appends_what_survives_removes_the_furthest_range_and_advances_the_version_by_its_count()
    {
        var merged = BufferChange.Merge([C(4, [1, 2], sealedLast: [2]), C(5, [3]), C(6, [], through: 2), C(7, [4])]);
        Assert.Equal(4, merged.ExpectedVersion);
        Assert.Equal(8, merged.NewVersion);
        Assert.Equal([3L, 4L], merged.Appended.Select(a => a.Sequence));
        Assert.Empty(merged.Sealed); // its batch was confirmed within the group
        Assert.Equal(2, merged.RemoveThroughSequence);
        Assert.Equal(7, merged.Record!.TotalWritten); // the last change's record
        Assert.False(merged.RemoveAll);
    }

    [Fact]
    public void Appends_that_stored_no_record_keep_the_last_record_and_add_no_version()
    {
        var plain = new BufferChange("b", 5, null, [new StoredItem(9, "9")], [], null, false, VersionStep: 0);
        var merged = BufferChange.Merge([C(4, [8]), plain, plain with { Appended = [new StoredItem(10, "10")] }]);
        Assert.Equal(4, merged.Record!.TotalWritten);
        Assert.Equal(5, merged.NewVersion);
        Assert.Equal([8L, 9L, 10L], merged.Appended.Select(a => a.Sequence));
        Assert.Null(BufferChange.Merge([plain, plain]).Record);
        Assert.Equal(5, BufferChange.Merge([plain, plain]).NewVersion);
    }

    [Fact]
    public void A_merged_removal_starts_at_the_earliest_start_and_at_the_first_row_when_one_has_none()
    {
        var first = C(4, [], through: 5) with { RemoveFrom = new RemovalStart(3, 2) };
        var second = C(5, [], through: 9) with { RemoveFrom = new RemovalStart(6, 3) };
        Assert.Equal((3L, 2L, 9L), BufferChange.Merge([first, second]).Removal);
        Assert.Equal(new RemovalStart(3, 2), BufferChange.Merge([C(3, [7]), first, C(5, [8])]).RemoveFrom);
        Assert.Null(BufferChange.Merge([first, C(5, [], through: 9)]).RemoveFrom);
        Assert.Equal((long.MinValue, long.MinValue, 9L), BufferChange.Merge([first, C(5, [], through: 9)]).Removal);
    }

    [Fact]
    public void A_clear_in_the_group_drops_what_came_before_it()
    {
        var merged = BufferChange.Merge([C(1, [1, 2]), C(2, [], all: true), C(3, [3])]);
        Assert.True(merged.RemoveAll);
        Assert.Equal([3L], merged.Appended.Select(a => a.Sequence));
        Assert.Equal(4, merged.NewVersion);
    }
}

public sealed class BufferChangeChainTests
{
    [Fact]
    public void Only_changes_that_chain_versions_share_a_run_so_a_stale_change_fails_alone()
    {
        BufferChange C(string id, long expected) => new(id, expected, new BufferRecord(), [], [], null, false);
        var queued = new[] { C("a", 3), C("b", 0), C("a", 4), C("a", 9), C("a", 10), C("b", 1) };
        var runs = BufferChange.Chains(queued, c => c);
        Assert.Equal(["a:3,4", "b:0,1", "a:9,10"], runs.Select(r => $"{r[0].BufferId}:{string.Join(",", r.Select(c => c.ExpectedVersion))}"));
    }

    [Fact]
    public void Plain_appends_of_two_ledgers_at_one_version_never_share_a_run()
    {
        // A plain append keeps the version, so two activations' appends expect the same one; only their origin tells them apart.
        ChangeOrigin one = new(), two = new();
        BufferChange Plain(ChangeOrigin origin, long seq) => new("a", 5, null, [new StoredItem(seq, "1")], [], null, false, VersionStep: 0) { Origin = origin };
        var runs = BufferChange.Chains([Plain(one, 7), Plain(one, 8), Plain(two, 7)], c => c);
        Assert.Equal(2, runs.Count);
        Assert.Equal([7L, 8L], runs[0].Select(c => c.Appended[0].Sequence));
        Assert.Same(two, Assert.Single(runs[1]).Origin);
    }

    [Fact]
    public void A_batch_reaches_its_tool_as_one_JSON_object_with_its_ids_escaped_and_its_items_as_written()
    {
        var batch = new LedgerBatch
        {
            Number = 7, BatchId = "team \"a\"/logs:7", FirstSequence = 1, LastSequence = 3, Reason = "size",
            Items = ["{\"n\": 1}", "\"caf\u00e9 \ud83d\ude00\"", "[null,true]"],
        };
        using var json = System.Text.Json.JsonDocument.Parse(batch.ToPassThroughJson("team \"a\"/logs\u2028"));
        var root = json.RootElement;
        Assert.Equal("team \"a\"/logs\u2028", root.GetProperty("buffer_id").GetString());
        Assert.Equal("team \"a\"/logs:7", root.GetProperty("batch_id").GetString());
        Assert.Equal(["{\"n\": 1}", "\"caf\u00e9 \ud83d\ude00\"", "[null,true]"], root.GetProperty("items").EnumerateArray().Select(i => i.GetRawText()));
    }
}
