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
    private volatile PlaylistSnapshot _snapshot;
    private readonly TimeSpan? _partTarget;
    private Segment? _open;
    private PlaylistEntry _openEntry;
    private readonly List<(int Version, ReadOnlyMemory<byte> Bytes)> _inits = [];

    // A new playlist version is published with every part (three times a second per stream): it is a snapshot of
    // values, and its text is written only if someone asks for it. The finished segments' part is made once per
    // segment and shared by the versions until the next one.
    private PlaylistHead? _head;
    private bool _headStale = true;
    private Segment[]? _fetchable;
    private (int, ReadOnlyMemory<byte>)[]? _initsArray;

    /// <summary>Finished segments whose parts a low-latency playlist still lists, besides the one being written: the
    /// spec asks for parts within three target durations of the live edge at least (RFC 8216bis §6.2.2).</summary>
    public const int SegmentsWithParts = 3;

    /// <param name="minimumTargetDuration">EXT-X-TARGETDURATION before any longer segment raises it.</param>
    /// <param name="firstSequence">The media sequence number of the first segment.</param>
    /// <param name="partTarget">Low-latency HLS: segments are listed part by part while they are written, no part
    /// longer than this; null for a playlist of whole segments.</param>
    /// <param name="time">Stamps each snapshot with when it was published (<see cref="PlaylistSnapshot.PublishedAt"/>).</param>
    public SegmentWindow(int windowSegments, int minimumTargetDuration, long firstSequence, TimeSpan? partTarget = null, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        ArgumentOutOfRangeException.ThrowIfLessThan(windowSegments, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(minimumTargetDuration, 1);
        _windowSegments = windowSegments;
        _targetDuration = minimumTargetDuration;
        _partTarget = partTarget;
        NextSequence = firstSequence;
        _firstSequence = firstSequence;
        _nextPartNumber = FirstPartNumber;
        _snapshot = new PlaylistSnapshot([], [], false);
    }

    /// <summary>The number of the stream's first part: the first sequence number (Unix seconds) times 100, so a
    /// stream packaged again after a server restart (whose sequence numbers start later) names no part as before,
    /// which a cache in front could still hold.</summary>
    public long FirstPartNumber => _firstSequence * 100;

    private readonly long _firstSequence;
    private readonly TimeProvider _time;
    private long _nextPartNumber;

    /// <summary>PART-TARGET, or null when segments are listed whole.</summary>
    public TimeSpan? PartTarget => _partTarget;

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

    /// <summary>The init segment <paramref name="version"/> (fMP4's EXT-X-MAP); kept while a listed or retained
    /// segment needs it.</summary>
    public void SetInit(int version, ReadOnlyMemory<byte> bytes)
    {
        if (version != 0 && FindInit(version) < 0)
        {
            _inits.Add((version, bytes));
            _initsArray = null;
        }
    }

    /// <summary>A segment starts being written (low-latency HLS): <paramref name="entry"/> says how it will be listed
    /// (its duration is not known yet); its parts are listed as <see cref="AddPart"/> hands them over. The segmenter
    /// keeps the segment's lease until <see cref="Add"/>.</summary>
    public void Open(Segment segment, PlaylistEntry entry)
    {
        _open = segment;
        _openEntry = entry;
    }

    /// <summary>A part of the open segment is written: it is listed, and the new playlist is published.</summary>
    public void AddPart(PartialSegment part)
    {
        part.Segment.AddPart(part);
        _nextPartNumber = part.Entry.Number + 1;
        Publish();
    }

    /// <summary>Lists a finished segment (it must carry <see cref="NextSequence"/>) and publishes the new playlist.</summary>
    public void Add(Segment segment)
    {
        if (ReferenceEquals(segment, _open))
        {
            _open = null;
        }
        if (segment.Parts.Length > 0)
        {
            _nextPartNumber = segment.Parts[^1].Entry.Number + 1;
        }
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
        _headStale = true;
        _fetchable = null;
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
        _open = null;
        _inits.Clear();
        _initsArray = null;
        _fetchable = null;
        _headStale = true;
        _head = null;
        var previous = _snapshot;
        _snapshot = PlaylistSnapshot.Empty;
        previous.Supersede();
        foreach (var segment in dropped)
        {
            segment.Release();
        }
    }

    private void Publish()
    {
        var previous = _snapshot;
        _snapshot = NewSnapshot();
        previous.Supersede();
    }

    private PlaylistSnapshot NewSnapshot()
    {
        if (_fetchable is null)
        {
            _fetchable = new Segment[_retired.Count + _listed.Count];
            _retired.CopyTo(_fetchable, 0);
            _listed.CopyTo(_fetchable, _retired.Count);
        }
        var open = _partTarget is not null && _open is { } o && o.Parts.Length > 0 ? o : null;
        var now = _time.GetUtcNow();
        if (_listed.Count == 0)
        {
            // No playlist before the first whole segment: players that ignore parts would find nothing to play.
            return new PlaylistSnapshot(null, _fetchable, [], _ended, null, default, _partTarget is not null, NextSequence, _nextPartNumber, now);
        }
        if (_headStale)
        {
            _headStale = false;
            _head = new PlaylistHead(_fetchable[_retired.Count..], _targetDuration, _partTarget, _discontinuitySequence,
                _partTarget is null ? 0 : Math.Min(SegmentsWithParts, _listed.Count));
        }
        PruneInits(_fetchable, open);
        _initsArray ??= [.. _inits];
        return new PlaylistSnapshot(_head, _fetchable, _initsArray, _ended, open, _openEntry, _partTarget is not null, NextSequence, _nextPartNumber, now);
    }

    private int FindInit(int version)
    {
        for (var i = 0; i < _inits.Count; i++)
        {
            if (_inits[i].Version == version)
            {
                return i;
            }
        }
        return -1;
    }

    private void PruneInits(Segment[] fetchable, Segment? open)
    {
        if (_inits.Count <= 1)
        {
            return;
        }
        var oldest = fetchable.Length > 0 ? fetchable[0].Entry.InitVersion : _openEntry.InitVersion;
        if (open is null && fetchable.Length == 0)
        {
            return;
        }
        for (var i = _inits.Count - 1; i >= 0; i--)
        {
            if (_inits[i].Version < oldest)
            {
                _inits.RemoveAt(i);
                _initsArray = null;
            }
        }
    }
}
