namespace StreamHub.Diagnostics;

/// <summary>Bytes the server has sent to viewers since start (HLS playlists and segments, HTTP-FLV).</summary>
public sealed class TrafficCounters
{
    private long _bytesSent;

    public long BytesSent => Interlocked.Read(ref _bytesSent);

    public void Sent(long bytes) => Interlocked.Add(ref _bytesSent, bytes);
}
