namespace StreamHub.Diagnostics.Metrics;

/// <summary>What one stream name has received from its publishers, over every publish since the process started. The
/// publisher adds to these plain fields on the media path (no instrument call, no label lookup per frame); the
/// <c>/metrics</c> scrape reads them through observable counters.</summary>
public sealed class IngestCounters
{
    private long _videoFrames;
    private long _audioFrames;
    private long _bytes;

    internal IngestCounters(string? stream)
    {
        Stream = stream;
    }

    /// <summary>The public stream name; null for the shared overflow counters once too many names were seen.</summary>
    public string? Stream { get; }

    public long VideoFrames => Interlocked.Read(ref _videoFrames);
    public long AudioFrames => Interlocked.Read(ref _audioFrames);
    public long Bytes => Interlocked.Read(ref _bytes);

    public void FrameReceived(bool video, int bytes)
    {
        Interlocked.Increment(ref video ? ref _videoFrames : ref _audioFrames);
        Interlocked.Add(ref _bytes, bytes);
    }
}
