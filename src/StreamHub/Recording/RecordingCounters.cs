namespace StreamHub.Recording;

/// <summary>The recorder's running totals for /metrics, over all streams and publishes since start. Each recording
/// adds to them once per fragment written (never per frame), a gap or a stop; a scrape reads them.</summary>
public sealed class RecordingCounters
{
    private long _bytes;
    private long _fragments;
    private long _gaps;
    private readonly long[] _stops = new long[Enum.GetValues<RecordingStopReason>().Length];

    /// <summary>Bytes written to recording files (init segments and fragments).</summary>
    public long Bytes => Volatile.Read(ref _bytes);

    /// <summary>Fragments (moof + mdat) written to recording files.</summary>
    public long Fragments => Volatile.Read(ref _fragments);

    /// <summary>Times a recording fell behind and left frames out up to the next keyframe.</summary>
    public long Gaps => Volatile.Read(ref _gaps);

    /// <summary>Recordings stopped for <paramref name="reason"/> before their stream ended.</summary>
    public long Stops(RecordingStopReason reason) => Volatile.Read(ref _stops[(int)reason]);

    public void Written(long bytes, bool fragment)
    {
        Interlocked.Add(ref _bytes, bytes);
        if (fragment)
        {
            Interlocked.Increment(ref _fragments);
        }
    }

    public void Gap() => Interlocked.Increment(ref _gaps);

    public void Stopped(RecordingStopReason reason) => Interlocked.Increment(ref _stops[(int)reason]);
}
