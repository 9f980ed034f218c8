namespace StreamHub.Live;

/// <summary>Bytes received per second over the last few whole seconds: a ring of one-second buckets written by the
/// publisher's thread only (no lock) and read, approximately, by the stats API.</summary>
public sealed class BitrateMeter(TimeProvider time)
{
    private const int Buckets = 8;
    private const int Window = 5;
    private readonly long[] _bytes = new long[Buckets];
    private readonly long[] _second = new long[Buckets];

    public void Add(int bytes)
    {
        var second = CurrentSecond();
        var slot = (int)(second % Buckets);
        if (Volatile.Read(ref _second[slot]) != second)
        {
            Volatile.Write(ref _bytes[slot], 0);
            Volatile.Write(ref _second[slot], second);
        }
        _bytes[slot] += bytes;
    }

    /// <summary>Average bits per second over the last <c>5</c> complete seconds.</summary>
    public long BitsPerSecond()
    {
        var now = CurrentSecond();
        long total = 0;
        for (var back = 1; back <= Window; back++)
        {
            var second = now - back;
            var slot = (int)(second % Buckets);
            if (Volatile.Read(ref _second[slot]) == second)
            {
                total += Volatile.Read(ref _bytes[slot]);
            }
        }
        return total * 8 / Window;
    }

    private long CurrentSecond() => (long)time.GetElapsedTime(0).TotalSeconds;
}
