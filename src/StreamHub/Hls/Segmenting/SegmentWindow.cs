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
    private volatile PlaylistSnapshot _snapshot;
    private readonly TimeSpan? _partTarget;
    private Segment? _open;
    private PlaylistEntry _openEntry;
    private readonly List<(int Version, ReadOnlyMemory<byte> Bytes)> _inits = [];

    // Rendering: a low-latency playlist changes with every part (three times a second per stream), but only its tail
    // does. The finished segments' text (and the delta update's) is kept here and rewritten when a segment is added;
    // the open segment's tags are written once and each part's line once, as it comes; each new playlist version is
    // then one copy of these into the snapshot's array. The buffers are reused for the life of the stream.
    private readonly ArrayBufferWriter<byte> _head = new(4096);
    private readonly ArrayBufferWriter<byte> _deltaHead = new(4096);
    private readonly ArrayBufferWriter<byte> _openTags = new(256);
    private readonly ArrayBufferWriter<byte> _deltaOpenTags = new(256);
    private readonly ArrayBufferWriter<byte> _openParts = new(1024);
    private readonly ArrayBufferWriter<byte> _tail = new(128);
    private bool _headStale = true;
    private int _headMap;
    private int _deltaMap;
    private int _skipped;
    private Segment? _openRendered;
    private int _openPartsRendered;
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
        _openRendered = null;
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
        _snapshot = Render();
        _snapshot.PublishedAt = _time.GetUtcNow();
        previous.Supersede();
    }

    private PlaylistSnapshot Render()
    {
        if (_fetchable is null)
        {
            _fetchable = new Segment[_retired.Count + _listed.Count];
            _retired.CopyTo(_fetchable, 0);
            _listed.CopyTo(_fetchable, _retired.Count);
        }
        var open = _partTarget is not null && _open is { } o && o.Parts.Length > 0 ? o : null;
        var partSegments = _partTarget is null ? 0 : Math.Min(SegmentsWithParts, _listed.Count);
        if (_listed.Count == 0)
        {
            // No playlist before the first whole segment: players that ignore parts would find nothing to play.
            return new PlaylistSnapshot([], [], _fetchable, [], _ended, null, NextSequence, _nextPartNumber);
        }
        if (_headStale)
        {
            RenderHead(partSegments);
        }
        byte[] full;
        var delta = Array.Empty<byte>();
        if (_partTarget is null)
        {
            _tail.ResetWrittenCount();
            if (_ended)
            {
                MediaPlaylistWriter.WriteEndList(_tail);
            }
            full = Concat(_head.WrittenSpan, [], [], _tail.WrittenSpan);
        }
        else
        {
            RenderOpen(open);
            // The tail: the hint for the part being written, or the end.
            _tail.ResetWrittenCount();
            if (_ended)
            {
                MediaPlaylistWriter.WriteEndList(_tail);
            }
            else
            {
                MediaPlaylistWriter.WritePreloadHint(_tail, _nextPartNumber);
            }
            var openTags = open is null ? [] : _openTags.WrittenSpan;
            var openParts = open is null ? [] : _openParts.WrittenSpan;
            full = Concat(_head.WrittenSpan, openTags, openParts, _tail.WrittenSpan);
            if (_skipped > 0)
            {
                delta = Concat(_deltaHead.WrittenSpan, open is null ? [] : _deltaOpenTags.WrittenSpan, openParts, _tail.WrittenSpan);
            }
        }
        PruneInits(_fetchable, open);
        _initsArray ??= [.. _inits];
        return new PlaylistSnapshot(full, delta, _fetchable, _initsArray, _ended, open, NextSequence, _nextPartNumber);
    }

    /// <summary>The text of the finished segments, with the header (and the delta update's, which leaves the oldest
    /// out): it changes only when a segment is added, so it is written once per segment and copied for each part.</summary>
    private void RenderHead(int partSegments)
    {
        _headStale = false;
        _openRendered = null;
        var fmp4 = false;
        var independent = true;
        foreach (var segment in _listed)
        {
            fmp4 |= segment.Entry.InitVersion != 0;
            independent &= segment.Entry.Independent;
        }
        var canSkipUntil = TimeSpan.FromSeconds(6 * _targetDuration);
        _skipped = _partTarget is null ? 0 : SkippableSegments(canSkipUntil);
        _headMap = RenderSegments(_head, fmp4, independent, canSkipUntil, partSegments, skipped: 0);
        _deltaHead.ResetWrittenCount();
        if (_skipped > 0)
        {
            _deltaMap = RenderSegments(_deltaHead, fmp4, independent, canSkipUntil, partSegments, _skipped);
        }
    }

    private int RenderSegments(ArrayBufferWriter<byte> output, bool fmp4, bool independent, TimeSpan canSkipUntil, int partSegments, int skipped)
    {
        output.ResetWrittenCount();
        var first = _listed.Peek().Entry.Sequence;
        MediaPlaylistWriter.WriteHeader(output, MediaPlaylistWriter.Version(fmp4, _partTarget is not null), _targetDuration, _partTarget,
            canSkipUntil, first, _discontinuitySequence, independent, skipped);
        var map = 0;
        var index = 0;
        foreach (var segment in _listed)
        {
            if (index >= skipped)
            {
                MediaPlaylistWriter.WriteSegmentTags(output, segment.Entry, programDateTime: index == skipped || _partTarget is not null, ref map);
                if (index >= _listed.Count - partSegments)
                {
                    foreach (var part in segment.Parts)
                    {
                        MediaPlaylistWriter.WritePart(output, part.Entry);
                    }
                }
                MediaPlaylistWriter.WriteSegmentLine(output, segment.Entry);
            }
            index++;
        }
        return map;
    }

    /// <summary>The segment being written: its tags once, each of its parts' lines once, as they come.</summary>
    private void RenderOpen(Segment? open)
    {
        if (open is null)
        {
            return;
        }
        if (!ReferenceEquals(open, _openRendered))
        {
            _openRendered = open;
            _openPartsRendered = 0;
            _openParts.ResetWrittenCount();
            _openTags.ResetWrittenCount();
            var map = _headMap;
            MediaPlaylistWriter.WriteSegmentTags(_openTags, _openEntry, programDateTime: true, ref map);
            _deltaOpenTags.ResetWrittenCount();
            map = _deltaMap;
            MediaPlaylistWriter.WriteSegmentTags(_deltaOpenTags, _openEntry, programDateTime: true, ref map);
        }
        var parts = open.Parts;
        for (; _openPartsRendered < parts.Length; _openPartsRendered++)
        {
            MediaPlaylistWriter.WritePart(_openParts, parts[_openPartsRendered].Entry);
        }
    }

    private static byte[] Concat(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c, ReadOnlySpan<byte> d)
    {
        var bytes = GC.AllocateUninitializedArray<byte>(a.Length + b.Length + c.Length + d.Length);
        a.CopyTo(bytes);
        b.CopyTo(bytes.AsSpan(a.Length));
        c.CopyTo(bytes.AsSpan(a.Length + b.Length));
        d.CopyTo(bytes.AsSpan(a.Length + b.Length + c.Length));
        return bytes;
    }

    /// <summary>Listed segments at the start whose end is at least <paramref name="skipUntil"/> before the end of the
    /// playlist (RFC 8216bis §4.4.3.8: a delta update may leave those out).</summary>
    private int SkippableSegments(TimeSpan skipUntil)
    {
        var total = TimeSpan.Zero;
        foreach (var segment in _listed)
        {
            total += segment.Entry.Duration;
        }
        // Walk from the start: segment i may be skipped when the segments after it last at least skipUntil.
        var skippable = 0;
        var after = total;
        foreach (var segment in _listed)
        {
            after -= segment.Entry.Duration;
            if (after < skipUntil)
            {
                break;
            }
            skippable++;
        }
        return skippable;
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
