namespace StreamHub.Hls.Segmenting;

/// <summary>One immutable view of a stream's playlist: the rendered playlist bytes (and, with parts, the delta update
/// a player asks for with <c>_HLS_skip=YES</c>), every segment still fetchable (the listed window plus the ones that
/// left it recently, contiguous by sequence number), the parts listed, and the init segments they need. Readers take a
/// snapshot without locking; the segmenter swaps in a new one after each change, and <see cref="Superseded"/> tells a
/// waiting reader (a blocking playlist reload, a preload-hinted part) that it has.</summary>
public sealed class PlaylistSnapshot
{
    public static readonly PlaylistSnapshot Empty = new([], [], false);

    private readonly Segment[] _segments;
    private string? _publishedAtText;
    private readonly (int Version, ReadOnlyMemory<byte> Bytes)[] _inits;
    // Completed on one thread-pool work item per snapshot (Supersede), where the waiting requests' continuations then
    // run one after the other: no work item per waiting request, and never on the publisher's thread.
    private readonly TaskCompletionSource _superseded = new();

    public PlaylistSnapshot(byte[] playlist, Segment[] segments, bool ended)
        : this(playlist, [], segments, [], ended, null, segments.Length == 0 ? 0 : segments[^1].Sequence + 1, 0)
    {
    }

    internal PlaylistSnapshot(byte[] playlist, byte[] deltaPlaylist, Segment[] segments,
        (int, ReadOnlyMemory<byte>)[] inits, bool ended, Segment? open, long nextSequence, long nextPartNumber)
    {
        NextPartNumber = nextPartNumber;
        Playlist = playlist;
        DeltaPlaylist = deltaPlaylist.Length > 0 ? deltaPlaylist : playlist;
        _segments = segments;
        _inits = inits;
        Ended = ended;
        Open = open;
        OpenParts = open?.Parts.Length ?? 0;
        NextSequence = nextSequence;
    }

    /// <summary>When the segmenter swapped this snapshot in, after the part or segment that made it was written: what a
    /// blocking reload's wake-up delay is measured from.</summary>
    public DateTimeOffset PublishedAt { get; internal set; }

    /// <summary><see cref="PublishedAt"/> as Unix milliseconds with three decimals, written once per snapshot rather
    /// than once per blocking answer.</summary>
    public string PublishedAtUnixMilliseconds => _publishedAtText ??=
        (PublishedAt.ToUnixTimeMilliseconds() + PublishedAt.Ticks % TimeSpan.TicksPerMillisecond / (double)TimeSpan.TicksPerMillisecond)
            .ToString("0.000", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The playlist, UTF-8. Empty before the first segment is finished.</summary>
    public ReadOnlyMemory<byte> Playlist { get; }

    /// <summary>The delta update (EXT-X-SKIP); the full playlist when nothing can be skipped or there are no parts.</summary>
    public ReadOnlyMemory<byte> DeltaPlaylist { get; }

    public bool HasPlaylist => Playlist.Length > 0;

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
    public Task Superseded => _superseded.Task;

    internal void Supersede()
    {
        if (!_superseded.Task.IsCompleted)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static snapshot => snapshot._superseded.TrySetResult(), this, preferLocal: false);
        }
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
