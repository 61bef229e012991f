using System.Collections.Concurrent;

namespace ToolGrains.Core.Tests.Buffers;

/// <summary>The client-side coalescing of <see cref="BufferWriter"/>, against a send that the test holds and releases.</summary>
public sealed class BufferWriterTests
{
    /// <summary>Records every call and answers it when the test says so (or at once when <see cref="Auto"/>).</summary>
    private sealed class HeldSend
    {
        public ConcurrentQueue<(string BufferId, BufferWriteRequest Request, TaskCompletionSource<BufferWriteResult> Answer)> Calls { get; } = new();
        public Func<string, BufferWriteRequest, BufferWriteResult>? Auto { get; set; }

        public Task<BufferWriteResult> SendAsync(string bufferId, BufferWriteRequest request)
        {
            if (Auto is { } auto)
            {
                Calls.Enqueue((bufferId, request, new TaskCompletionSource<BufferWriteResult>()));
                try { return Task.FromResult(auto(bufferId, request)); }
                catch (Exception ex) { return Task.FromException<BufferWriteResult>(ex); }
            }
            var answer = new TaskCompletionSource<BufferWriteResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            Calls.Enqueue((bufferId, request, answer));
            return answer.Task;
        }

        public async Task<(string BufferId, BufferWriteRequest Request, TaskCompletionSource<BufferWriteResult> Answer)> NextAsync()
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (DateTime.UtcNow < deadline)
            {
                if (Calls.TryDequeue(out var call)) return call;
                await Task.Delay(5);
            }
            throw new TimeoutException("no call was sent");
        }
    }

    private static BufferWriteResult Ok(string id, int buffered = 1) => new(id, buffered, false, 0);

    [Fact(Timeout = 30_000)] // a writer that loses an answer hangs its writer: fail instead
    public async Task Writes_waiting_while_a_call_is_in_flight_share_the_next_call_in_order()
    {
        var send = new HeldSend();
        var writer = new BufferWriter(send.SendAsync);
        var first = writer.WriteAsync("b", "1");
        var call1 = await send.NextAsync();
        Assert.Equal(["1"], call1.Request.Items.ToArray());
        var rest = Enumerable.Range(2, 9).Select(i => writer.WriteAsync("b", i.ToString())).ToArray();
        Assert.True(send.Calls.IsEmpty); // one call in flight per buffer
        Assert.All(rest, t => Assert.False(t.IsCompleted));

        call1.Answer.SetResult(Ok("b", 1));
        Assert.Equal(1, (await first).Buffered);
        var call2 = await send.NextAsync();
        Assert.Equal(Enumerable.Range(2, 9).Select(i => i.ToString()), call2.Request.Items.ToArray());
        call2.Answer.SetResult(Ok("b", 10));
        Assert.All(await Task.WhenAll(rest), r => Assert.Equal(10, r.Buffered)); // the answer of the call that carried it
        Assert.Equal(2, writer.CallsSent);
    }

    [Fact(Timeout = 30_000)]
    public async Task Buffers_do_not_wait_for_each_other_and_limits_split_calls()
    {
        var send = new HeldSend();
        var writer = new BufferWriter(send.SendAsync, new BufferWriterOptions { MaxItemsPerCall = 3, MaxCharsPerCall = 5 });
        var a1 = writer.WriteAsync("a", "1");
        var b1 = writer.WriteAsync("b", "1");
        var calls = new[] { await send.NextAsync(), await send.NextAsync() };
        Assert.Equal(["a", "b"], calls.Select(c => c.BufferId).Order());

        var waiting = new[] { "2", "3", "4", "5", "\"long\"", "7" }.Select(i => writer.WriteAsync("a", i)).ToArray();
        calls.Single(c => c.BufferId == "a").Answer.SetResult(Ok("a"));
        var byCount = await send.NextAsync();
        Assert.Equal(["2", "3", "4"], byCount.Request.Items.ToArray()); // MaxItemsPerCall
        byCount.Answer.SetResult(Ok("a"));
        var byChars = await send.NextAsync();
        Assert.Equal(["5"], byChars.Request.Items.ToArray()); // "5" + "long" would pass MaxCharsPerCall
        byChars.Answer.SetResult(Ok("a"));
        var alone = await send.NextAsync();
        Assert.Equal(["\"long\""], alone.Request.Items.ToArray()); // larger than the limit, so it goes alone
        alone.Answer.SetResult(Ok("a"));
        (await send.NextAsync()).Answer.SetResult(Ok("a"));
        await Task.WhenAll(waiting.Append(a1));
        Assert.False(b1.IsCompleted);
    }

    [Fact(Timeout = 30_000)]
    public async Task Only_writes_with_equal_settings_share_a_call()
    {
        var send = new HeldSend();
        var writer = new BufferWriter(send.SendAsync);
        var manual = new BufferSettingsUpdate(BufferStrategy.Manual);
        _ = writer.WriteAsync("b", "0");
        var head = await send.NextAsync();
        var writes = new[]
        {
            writer.WriteAsync("b", "1", manual), writer.WriteAsync("b", "2", new BufferSettingsUpdate(BufferStrategy.Manual)),
            writer.WriteAsync("b", "3"), writer.WriteAsync("b", "4", manual),
        };
        head.Answer.SetResult(Ok("b"));
        var seen = new List<(BufferSettingsUpdate? Settings, string[] Items)>();
        for (var i = 0; i < 3; i++)
        {
            var call = await send.NextAsync();
            seen.Add((call.Request.Settings, [.. call.Request.Items]));
            call.Answer.SetResult(Ok("b"));
        }
        await Task.WhenAll(writes);
        Assert.Equal(["1", "2"], seen[0].Items);
        Assert.Equal(manual, seen[0].Settings);
        Assert.Equal(["3"], seen[1].Items);
        Assert.Null(seen[1].Settings);
        Assert.Equal(["4"], seen[2].Items);
    }

    [Theory(Timeout = 30_000)]
    [InlineData(ErrorCodes.InvalidRequest, "data")]
    [InlineData(ErrorCodes.ItemTooLarge, "data")]
    [InlineData(ErrorCodes.BufferFull, "buffer_id")]
    public async Task A_call_refused_for_an_item_or_for_room_is_sent_again_item_by_item(string code, string field)
    {
        var send = new HeldSend();
        var writer = new BufferWriter(send.SendAsync);
        _ = writer.WriteAsync("b", "0");
        var head = await send.NextAsync();
        var writes = new[] { "1", "bad", "3" }.Select(i => writer.WriteAsync("b", i)).ToArray();
        send.Auto = (id, request) => request.Items.Contains("bad") ? throw new ToolGrainsException(code, "refused", field) : Ok(id, request.Items.Length);
        head.Answer.SetResult(Ok("b"));

        Assert.Equal(1, (await writes[0]).Buffered);
        var refused = await Assert.ThrowsAsync<ToolGrainsException>(() => writes[1]);
        Assert.Equal(code, refused.Code);
        Assert.Equal(1, (await writes[2]).Buffered);
        // The whole call first, then each item alone, in order.
        Assert.Equal([3, 1, 1, 1], send.Calls.Select(c => c.Request.Items.Length));
        Assert.Equal(["1", "bad", "3"], send.Calls.Skip(1).Select(c => c.Request.Items[0]));
    }

    [Fact(Timeout = 30_000)]
    public async Task Storage_and_transport_failures_fail_every_item_of_the_call_without_sending_them_again()
    {
        var send = new HeldSend();
        var writer = new BufferWriter(send.SendAsync);
        _ = writer.WriteAsync("b", "0");
        var head = await send.NextAsync();
        var unavailable = new[] { "1", "2" }.Select(i => writer.WriteAsync("b", i)).ToArray();
        head.Answer.SetResult(Ok("b"));
        var call = await send.NextAsync();
        var timedOut = new[] { "3", "4" }.Select(i => writer.WriteAsync("b", i)).ToArray();
        call.Answer.SetException(new ToolGrainsException(ErrorCodes.StorageUnavailable, "the database did not answer"));
        foreach (var write in unavailable)
            Assert.Equal(ErrorCodes.StorageUnavailable, (await Assert.ThrowsAsync<ToolGrainsException>(() => write)).Code);

        // A timeout may have been stored: sending again could store it twice, so each item fails as a direct call would.
        (await send.NextAsync()).Answer.SetException(new TimeoutException("no answer"));
        foreach (var write in timedOut) await Assert.ThrowsAsync<TimeoutException>(() => write);
        Assert.True(send.Calls.IsEmpty);
        Assert.Equal(3, writer.CallsSent);
    }

    [Fact(Timeout = 30_000)]
    public async Task Concurrent_writers_to_many_buffers_each_get_an_answer_and_idle_buffers_start_over()
    {
        var send = new HeldSend { Auto = (id, request) => Ok(id, request.Items.Length) };
        var writer = new BufferWriter(send.SendAsync);
        var seed = Environment.GetEnvironmentVariable("TOOLGRAINS_FUZZ_SEED") is { } s ? int.Parse(s) : Random.Shared.Next();
        Console.WriteLine($"BufferWriterTests seed {seed} (TOOLGRAINS_FUZZ_SEED)");
        var random = new Random(seed);
        var plan = Enumerable.Range(0, 32).Select(_ => random.Next(1, 6)).ToArray();
        await Task.WhenAll(plan.Select((buffers, w) => Task.Run(async () =>
        {
            for (var i = 0; i < 500; i++) await writer.WriteAsync($"b{(w + i) % buffers}", $"{w * 1000 + i}");
        })));
        var stored = send.Calls.SelectMany(c => c.Request.Items).ToList();
        Assert.Equal(32 * 500, stored.Count);
        Assert.Equal(stored.Count, stored.Distinct().Count());
        // Each writer's items reach each buffer in the order it wrote them.
        foreach (var (id, items) in send.Calls.GroupBy(c => c.BufferId).Select(g => (g.Key, g.SelectMany(c => c.Request.Items).Select(int.Parse).ToList())))
            foreach (var byWriter in items.GroupBy(n => n / 1000))
                Assert.Equal(byWriter.Order(), byWriter);
        // Once idle a buffer's next write is sent at once again.
        var before = writer.CallsSent;
        await writer.WriteAsync("b0", "1");
        Assert.Equal(before + 1, writer.CallsSent);
    }

    [Fact]
    public void Limits_below_one_are_refused_naming_the_setting()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new BufferWriter((_, _) => Task.FromResult(Ok("b")), new BufferWriterOptions { MaxItemsPerCall = 0 }));
        Assert.Contains("MaxItemsPerCall", error.Message);
        error = Assert.Throws<ArgumentOutOfRangeException>(() => new BufferWriter((_, _) => Task.FromResult(Ok("b")), new BufferWriterOptions { MaxCharsPerCall = -1 }));
        Assert.Contains("MaxCharsPerCall", error.Message);
    }
}
