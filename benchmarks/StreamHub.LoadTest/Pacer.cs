

namespace StreamHub.LoadTest;

/// <summary>One timer for every publisher: each tick pumps every stream whose messages are due.</summary>
public sealed class Pacer : IAsyncDisposable
{
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(10);

    private readonly Publisher[] _publishers;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public Pacer(Publisher[] publishers)
    {
        _publishers = publishers;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>The clock every timestamp in the load test is on: monotonic ms (Environment.TickCount64).</summary>
    public static long Now => Environment.TickCount64;

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(Tick);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                var now = Now;
                foreach (var publisher in _publishers)
                {
                    publisher.Pump(now);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
