namespace StreamHub.Rtmp.Session;

/// <summary>The lock a session's read loop and play loop take to write to the connection's output, one at a time.
/// Almost always free when taken (the read loop writes only when the player sends something), so taking it is one
/// atomic increment and letting it go one decrement; a <see cref="SemaphoreSlim"/> is waited on only when the other
/// loop holds it. (A <see cref="SemaphoreSlim"/> alone takes and leaves its own lock on every call, once a batch per
/// player.)
/// <para>The count is holders plus waiters: who brings it to 1 holds the gate; who leaves it above 0 hands the gate
/// to one waiter through the semaphore. A waiter whose wait is cancelled still counts, so it takes its turn in the
/// background and passes the gate straight on.</para></summary>
public sealed class OutputGate
{
    private readonly SemaphoreSlim _handOver = new(0);
    private int _count;

    /// <summary>Takes the gate; throws <see cref="OperationCanceledException"/> if <paramref name="cancellationToken"/>
    /// fires while the other holder keeps it.</summary>
    public ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }
        if (Interlocked.Increment(ref _count) == 1)
        {
            return ValueTask.CompletedTask;
        }
        return new ValueTask(WaitForHandOverAsync(cancellationToken));
    }

    private async Task WaitForHandOverAsync(CancellationToken cancellationToken)
    {
        var wait = _handOver.WaitAsync(cancellationToken);
        try
        {
            await wait.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Still counted: its turn comes, and is given up at once.
            _ = _handOver.WaitAsync().ContinueWith(static (_, gate) => ((OutputGate)gate!).Release(), this,
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            throw;
        }
    }

    /// <summary>Lets the gate go, to a waiter if there is one.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _count) > 0)
        {
            _handOver.Release();
        }
    }
}
