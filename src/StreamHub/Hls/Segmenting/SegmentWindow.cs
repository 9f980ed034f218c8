using System.Buffers;
using StreamHub.Hls.Playlists;

namespace StreamHub.Hls.Segmenting;

/// <summary>The live sliding window of one stream: the last <c>WindowSegments</c> segments are listed; a segment that
/// leaves the list stays fetchable for one more window (RFC 8216 §6.2.2: available for the playlist's duration after
/// removal), then is dropped. Memory is bounded by two windows. Written by one thread at a time (the stream's lock);
/// read through <see cref="Snapshot"/> from any thread.
/// <para>EXT-X-TARGETDURATION is the longest segment's duration rounded to whole seconds (RFC 8216 §4.3.3.1), and at
/// least the minimum given; it never goes down, so a playlist never announces less than a segment it has listed.</para></summary>
public sealed class SegmentWindow
{
    private readonly int _windowSegments;
    private int _targetDuration;
    private readonly Queue<Segment> _listed = new();
    private readonly Queue<Segment> _retired = new();
    private long _discontinuitySequence;
    private long _segmentsProduced;
    private bool _ended;
    private volatile PlaylistSnapshot _snapshot = PlaylistSnapshot.Empty;

    /// <param name="minimumTargetDuration">EXT-X-TARGETDURATION before any longer segment raises it.</param>
    /// <param name="firstSequence">The media sequence number of the first segment.</param>
    public SegmentWindow(int windowSegments, int minimumTargetDuration, long firstSequence)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(windowSegments, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(minimumTargetDuration, 1);
        _windowSegments = windowSegments;
        _targetDuration = minimumTargetDuration;
        NextSequence = firstSequence;
    }

    /// <summary>EXT-X-TARGETDURATION, whole seconds. Read from any thread.</summary>
    public int TargetDuration => Volatile.Read(ref _targetDuration);

    /// <summary>A duration in 90 kHz ticks rounded to whole seconds, half up, as EXTINF is compared with
    /// TARGETDURATION.</summary>
    public static int RoundedSeconds(long ticks) => (int)Math.Min(int.MaxValue, (ticks + 45_000) / 90_000);

    /// <summary>The sequence number the next segment gets.</summary>
    public long NextSequence { get; private set; }

    public bool Ended => _ended;

    public PlaylistSnapshot Snapshot => _snapshot;

    /// <summary>Segments added since this window was created (over every publish of the stream).</summary>
    public long SegmentsProduced => Interlocked.Read(ref _segmentsProduced);

    /// <summary>Lists a finished segment (it must carry <see cref="NextSequence"/>) and publishes the new playlist.</summary>
    public void Add(Segment segment)
    {
        Interlocked.Increment(ref _segmentsProduced);
        if (segment.Sequence != NextSequence)
        {
            throw new ArgumentException($"Expected segment {NextSequence}, got {segment.Sequence}.", nameof(segment));
        }
        NextSequence++;
        var rounded = (int)Math.Min(int.MaxValue, (segment.Entry.Duration.Ticks + TimeSpan.TicksPerSecond / 2) / TimeSpan.TicksPerSecond);
        if (rounded > _targetDuration)
        {
            Volatile.Write(ref _targetDuration, rounded);
        }
        _listed.Enqueue(segment);
        while (_listed.Count > _windowSegments)
        {
            var leaving = _listed.Dequeue();
            if (leaving.Entry.Discontinuity)
            {
                _discontinuitySequence++;
            }
            _retired.Enqueue(leaving);
        }
        // At most one segment leaves per segment added.
        var dropped = _retired.Count > _windowSegments ? _retired.Dequeue() : null;
        Publish();
        // Released after the new snapshot is out, so no snapshot taken from now on holds it; a reader with an older
        // snapshot fails to lease it and answers 404, as it would have a moment later.
        dropped?.Release();
    }

    /// <summary>The publisher stopped: EXT-X-ENDLIST.</summary>
    public void End()
    {
        _ended = true;
        Publish();
    }

    /// <summary>The publisher came back: the playlist is live again (its next segment carries a discontinuity).</summary>
    public void Reopen()
    {
        _ended = false;
        Publish();
    }

    /// <summary>The stream is going away: every segment is released and the playlist is empty. A response that holds
    /// a lease finishes; later requests find nothing.</summary>
    public void Discard()
    {
        Segment[] dropped = [.. _retired, .. _listed];
        _retired.Clear();
        _listed.Clear();
        _snapshot = PlaylistSnapshot.Empty;
        foreach (var segment in dropped)
        {
            segment.Release();
        }
    }

    private void Publish()
    {
        if (_listed.Count == 0)
        {
            _snapshot = new PlaylistSnapshot([], [], _ended);
            return;
        }
        var entries = _listed.Select(s => s.Entry).ToArray();
        var playlist = new MediaPlaylist(_targetDuration, entries[0].Sequence, _discontinuitySequence, _ended, entries);
        var text = new ArrayBufferWriter<byte>(512);
        MediaPlaylistWriter.Write(text, playlist);
        _snapshot = new PlaylistSnapshot(text.WrittenSpan.ToArray(), [.. _retired, .. _listed], _ended);
    }
}
