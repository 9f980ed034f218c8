using System.Buffers;
using StreamHub.Hls.Playlists;

namespace StreamHub.Hls.Segmenting;

/// <summary>One immutable view of a stream's playlist: the playlist (and, with parts, the delta update a player asks
/// for with <c>_HLS_skip=YES</c>), every segment still fetchable (the listed window plus the ones that left it recently,
/// contiguous by sequence number), the parts listed, and the init segments they need. Readers take a snapshot without
/// locking; the segmenter swaps in a new one after each change, and <see cref="Superseded"/> tells a waiting reader (a
/// blocking playlist reload, a preload-hinted part) that it has.
/// <para>The playlist bytes are written on the first request for them, not when the snapshot is made: a low-latency
/// stream makes three snapshots a second, and most streams, most of the time, have nobody asking. They are written from
/// what the snapshot holds, which never changes: the finished segments' text (<see cref="PlaylistHead"/>, shared until
/// the next segment), the open segment's entry and its first <see cref="OpenParts"/> parts (a part, once added, never
/// changes), and the next part's number.</para></summary>
public sealed class PlaylistSnapshot
{
    public static readonly PlaylistSnapshot Empty = new([], [], false);

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_scratch;

    private readonly Segment[] _segments;
    private string? _publishedAtText;
    private readonly (int Version, ReadOnlyMemory<byte> Bytes)[] _inits;
    private readonly PlaylistHead? _head;
    private readonly PlaylistEntry _openEntry;
    private readonly bool _lowLatency;
    private byte[]? _playlist;
    private byte[]? _deltaPlaylist;

    // Made by the first waiter only: a snapshot nobody waits on is superseded without a task or a thread-pool work item.
    // Completed on one work item (Supersede), where the waiting requests' continuations then run one after the other:
    // no work item per waiting request, and never on the publisher's thread.
    private TaskCompletionSource? _superseded;
    private int _isSuperseded;

    public PlaylistSnapshot(byte[] playlist, Segment[] segments, bool ended)
        : this(null, segments, [], ended, null, default, lowLatency: false, segments.Length == 0 ? 0 : segments[^1].Sequence + 1, 0, default)
    {
        _playlist = playlist;
        _deltaPlaylist = playlist;
        HasPlaylist = playlist.Length > 0;
    }

    /// <param name="head">The finished segments' text; null before the first segment (no playlist then).</param>
    /// <param name="open">The segment being written, listed with its parts so far (low-latency HLS), or null.</param>
    /// <param name="openEntry">How <paramref name="open"/> is listed.</param>
    /// <param name="lowLatency">Parts are listed: the playlist ends with a preload hint while live.</param>
    internal PlaylistSnapshot(PlaylistHead? head, Segment[] segments, (int, ReadOnlyMemory<byte>)[] inits, bool ended, Segment? open,
        PlaylistEntry openEntry, bool lowLatency, long nextSequence, long nextPartNumber, DateTimeOffset publishedAt)
    {
        _head = head;
        HasPlaylist = head is not null;
        NextPartNumber = nextPartNumber;
        _segments = segments;
        _inits = inits;
        Ended = ended;
        Open = open;
        _openEntry = openEntry;
        _lowLatency = lowLatency;
        OpenParts = open?.Parts.Length ?? 0;
        NextSequence = nextSequence;
        PublishedAt = publishedAt;
    }

    /// <summary>When the segmenter swapped this snapshot in, after the part or segment that made it was written: what a
    /// blocking reload's wake-up delay is measured from.</summary>
    public DateTimeOffset PublishedAt { get; }

    /// <summary><see cref="PublishedAt"/> as Unix milliseconds with three decimals, written once per snapshot rather
    /// than once per blocking answer.</summary>
    public string PublishedAtUnixMilliseconds => _publishedAtText ??=
        (PublishedAt.ToUnixTimeMilliseconds() + PublishedAt.Ticks % TimeSpan.TicksPerMillisecond / (double)TimeSpan.TicksPerMillisecond)
            .ToString("0.000", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The playlist, UTF-8. Empty before the first segment is finished.</summary>
    public ReadOnlyMemory<byte> Playlist => Volatile.Read(ref _playlist) ?? Render(ref _playlist, delta: false);

    /// <summary>The delta update (EXT-X-SKIP); the full playlist when nothing can be skipped or there are no parts.</summary>
    public ReadOnlyMemory<byte> DeltaPlaylist => Volatile.Read(ref _deltaPlaylist) ?? Render(ref _deltaPlaylist, delta: true);

    public bool HasPlaylist { get; }

    public bool Ended { get; }

    public IReadOnlyList<Segment> Segments => _segments;

    /// <summary>The segment being written part by part, or null.</summary>
    public Segment? Open { get; }

    /// <summary>Parts of <see cref="Open"/> this snapshot lists.</summary>
    public int OpenParts { get; }

    /// <summary>The sequence number the next finished segment gets (the open one's, if any).</summary>
    public long NextSequence { get; }

    /// <summary>The number the part being written will have (the preload hint's).</summary>
    public long NextPartNumber { get; }

    /// <summary>Completes when a newer snapshot has replaced this one.</summary>
    public Task Superseded
    {
        get
        {
            if (Volatile.Read(ref _isSuperseded) != 0)
            {
                return Task.CompletedTask;
            }
            var source = Volatile.Read(ref _superseded);
            if (source is null)
            {
                var made = new TaskCompletionSource();
                source = Interlocked.CompareExchange(ref _superseded, made, null) ?? made;
            }
            // Supersede sets its flag, then looks for a source; this put the source in place, then looks at the flag:
            // with a full fence between each write and the read after it, at least one of the two sees the other's
            // write, so a waiter is never left with a source nobody completes.
            Interlocked.MemoryBarrier();
            return Volatile.Read(ref _isSuperseded) != 0 ? Task.CompletedTask : source.Task;
        }
    }

    /// <summary>Marks the snapshot superseded and wakes its waiters, if it has any.</summary>
    internal void Supersede()
    {
        if (Interlocked.Exchange(ref _isSuperseded, 1) == 0 && Volatile.Read(ref _superseded) is { } source)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static source => source.TrySetResult(), source, preferLocal: false);
        }
    }

    /// <summary>Whether a waiter ever asked for <see cref="Superseded"/> before it completed (tests).</summary>
    internal bool HadWaiters => Volatile.Read(ref _superseded) is not null;

    /// <summary>Writes the playlist (or delta update): the finished segments' text, then the segment being written (its
    /// tags and the parts this snapshot lists), then the preload hint or ENDLIST. Two readers that ask at once both
    /// write it; the first stored is what every later reader gets (the two are equal).</summary>
    private byte[] Render(ref byte[]? field, bool delta)
    {
        byte[] bytes;
        if (_head is null)
        {
            bytes = [];
        }
        else if (delta && _head.Skipped == 0)
        {
            bytes = Volatile.Read(ref _playlist) ?? Render(ref _playlist, delta: false);
        }
        else
        {
            var head = delta ? _head.Delta : _head.Full;
            var tail = t_scratch ??= new ArrayBufferWriter<byte>(1024);
            tail.ResetWrittenCount();
            if (Open is { } open)
            {
                var map = head.Map;
                MediaPlaylistWriter.WriteSegmentTags(tail, _openEntry, programDateTime: true, ref map);
                foreach (var part in open.Parts[..OpenParts])
                {
                    MediaPlaylistWriter.WritePart(tail, part.Entry);
                }
            }
            if (Ended)
            {
                MediaPlaylistWriter.WriteEndList(tail);
            }
            else if (_lowLatency)
            {
                MediaPlaylistWriter.WritePreloadHint(tail, NextPartNumber);
            }
            bytes = GC.AllocateUninitializedArray<byte>(head.Bytes.Length + tail.WrittenCount);
            head.Bytes.CopyTo(bytes, 0);
            tail.WrittenSpan.CopyTo(bytes.AsSpan(head.Bytes.Length));
        }
        return Interlocked.CompareExchange(ref field, bytes, null) ?? bytes;
    }

    public Segment? FindSegment(long sequence)
    {
        if (_segments.Length == 0)
        {
            return null;
        }
        var index = sequence - _segments[0].Sequence;
        return index >= 0 && index < _segments.Length ? _segments[index] : null;
    }

    /// <summary>A part by its number, or null: one listed, or one of a segment still fetchable whose parts the playlist
    /// no longer lists (a player that stalled asks for the parts it was given, after the window moved on: they are
    /// the segment's own bytes, kept as long as it is).</summary>
    public PartialSegment? FindPart(long number)
    {
        if (Open is { } open && FindPart(open.Parts[..OpenParts], number) is { } found)
        {
            return found;
        }
        for (var i = _segments.Length - 1; i >= 0; i--)
        {
            var parts = _segments[i].Parts;
            if (parts.IsEmpty)
            {
                continue;
            }
            if (number > parts[^1].Entry.Number)
            {
                return null; // numbers only grow: a part past this segment's last is in no older one
            }
            if (FindPart(parts, number) is { } part)
            {
                return part;
            }
        }
        return null;
    }

    private static PartialSegment? FindPart(ReadOnlySpan<PartialSegment> parts, long number)
    {
        if (parts.Length == 0 || number < parts[0].Entry.Number || number > parts[^1].Entry.Number)
        {
            return null;
        }
        // Parts are numbered consecutively within a segment.
        var part = parts[(int)(number - parts[0].Entry.Number)];
        return part.Entry.Number == number ? part : null;
    }

    public ReadOnlyMemory<byte>? FindInit(int version)
    {
        foreach (var (v, bytes) in _inits)
        {
            if (v == version)
            {
                return bytes;
            }
        }
        return null;
    }

    /// <summary>The playlist already holds segment <paramref name="sequence"/> (whole, when <paramref name="part"/> is
    /// null) or its part <paramref name="part"/> (RFC 8216bis §6.2.5.2: <c>_HLS_msn</c>, <c>_HLS_part</c>); always true
    /// once the stream has ended. A finished segment satisfies a request for any of its parts, even one past its
    /// last: the player then asks for the next segment's first.</summary>
    public bool Satisfies(long sequence, int? part) =>
        Ended || NextSequence > sequence || (part is { } index && Open?.Sequence == sequence && OpenParts > index);
}
