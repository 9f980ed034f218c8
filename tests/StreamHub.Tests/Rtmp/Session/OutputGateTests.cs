using StreamHub.Rtmp.Session;

namespace StreamHub.Tests.Rtmp.Session;

/// <summary>The gate a session's read and play loops write under: free at once when nobody holds it, handed to one
/// waiter at a time, and a cancelled waiter neither gets it nor keeps it from the next.</summary>
public sealed class OutputGateTests
{
    [Fact]
    public async Task A_free_gate_is_taken_at_once_and_a_second_taker_waits_for_the_release()
    {
        var gate = new OutputGate();
        Assert.True(gate.WaitAsync(CancellationToken.None).IsCompletedSuccessfully);

        var second = gate.WaitAsync(CancellationToken.None).AsTask();
        await Task.Delay(50);
        Assert.False(second.IsCompleted);

        gate.Release();
        await second.WaitAsync(TimeSpan.FromSeconds(5));
        var third = gate.WaitAsync(CancellationToken.None).AsTask();
        Assert.False(third.IsCompleted);
        gate.Release();
        await third.WaitAsync(TimeSpan.FromSeconds(5));
        gate.Release();
        Assert.True(gate.WaitAsync(CancellationToken.None).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task A_cancelled_waiter_throws_and_the_gate_still_goes_to_the_next_one()
    {
        var gate = new OutputGate();
        await gate.WaitAsync(CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var cancelled = gate.WaitAsync(cancel.Token).AsTask();
        var next = gate.WaitAsync(CancellationToken.None).AsTask();

        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.False(next.IsCompleted);

        gate.Release();
        await next.WaitAsync(TimeSpan.FromSeconds(5));
        gate.Release();
        await gate.WaitAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(gate.WaitAsync(new CancellationToken(canceled: true)).IsCanceled);
    }

    [Fact]
    public async Task Only_one_holder_at_a_time_under_contention()
    {
        var gate = new OutputGate();
        var inside = 0;
        var most = 0;
        var total = 0;
        var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 2000; i++)
            {
                await gate.WaitAsync(CancellationToken.None);
                var now = Interlocked.Increment(ref inside);
                most = Math.Max(most, now);
                total++; // not atomic: only right if the gate excludes
                if (i % 100 == 0)
                {
                    await Task.Yield();
                }
                Interlocked.Decrement(ref inside);
                gate.Release();
            }
        })).ToArray();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, most);
        Assert.Equal(8000, total);
    }
}
