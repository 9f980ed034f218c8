using System.Buffers;
using StreamHub.Hls.Playlists;

namespace StreamHub.Hls.Segmenting;

/// <summary>A media segment: immutable bytes served as they are to every request.
/// A segment made by the <see cref="Segmenter"/> lives in a chain of pool blocks: its window holds one lease and
/// releases it when the segment is dropped; a reader that uses <see cref="Data"/> (or a part's data) after the call
/// that found the segment (an HTTP response) takes a lease first, and the blocks go back to the pool after the last
/// release. With low-latency HLS a segment is listed part by part while it is being written (<see cref="IsComplete"/>
/// false): its <see cref="Parts"/> are readable then, its <see cref="Entry"/> and <see cref="Data"/> only once
/// complete.</summary>
public sealed class Segment
{
    private SegmentBlock? _blocks;
    private readonly SegmentBlockPool? _pool;
    private int _leases = 1; // the window's (or, while open, the segmenter's)
    private PartialSegment[] _parts = [];
    private int _partCount;

    /// <summary>A segment over memory of its own (not pooled).</summary>
    public Segment(PlaylistEntry entry, ReadOnlyMemory<byte> data)
    {
        Sequence = entry.Sequence;
        Entry = entry;
        Data = new ReadOnlySequence<byte>(data);
        IsComplete = true;
    }

    /// <summary>A segment that owns the chain of blocks from <paramref name="blocks"/> on (as
    /// <see cref="SegmentBuffer.Detach"/> handed it over) and returns it to <paramref name="pool"/>.</summary>
    internal Segment(PlaylistEntry entry, ReadOnlySequence<byte> data, SegmentBlock? blocks, SegmentBlockPool pool)
    {
        Sequence = entry.Sequence;
        Entry = entry;
        Data = data;
        _blocks = blocks;
        _pool = pool;
        IsComplete = true;
    }

    /// <summary>A segment being written, whose blocks the segmenter hands over when it completes or is abandoned.</summary>
    internal Segment(long sequence, SegmentBlockPool pool)
    {
        Sequence = sequence;
        _pool = pool;
    }

    /// <summary>How it is listed; valid once <see cref="IsComplete"/>.</summary>
    public PlaylistEntry Entry { get; private set; }

    public long Sequence { get; }

    public bool IsComplete { get; private set; }

    /// <summary>The bytes, in order, one piece per block; valid once complete, while the window lists or retains the
    /// segment, or while a lease is held.</summary>
    public ReadOnlySequence<byte> Data { get; private set; }

    /// <summary>The parts written so far (low-latency HLS; empty otherwise). Parts are only added, by the segmenter,
    /// before the window publishes a snapshot that shows them.</summary>
    public ReadOnlySpan<PartialSegment> Parts => _parts.AsSpan(0, Volatile.Read(ref _partCount));

    internal void AddPart(PartialSegment part)
    {
        if (_partCount == _parts.Length)
        {
            Array.Resize(ref _parts, Math.Max(8, _parts.Length * 2));
        }
        _parts[_partCount] = part;
        Volatile.Write(ref _partCount, _partCount + 1);
    }

    /// <summary>The segmenter closed the segment: it takes over the blocks.</summary>
    internal void Complete(PlaylistEntry entry, ReadOnlySequence<byte> data, SegmentBlock? blocks)
    {
        Entry = entry;
        Data = data;
        _blocks = blocks;
        IsComplete = true;
    }

    /// <summary>The stream went away before the segment was finished: the blocks go back to the pool once the last
    /// lease (of a part being sent) is released.</summary>
    internal void Abandon(SegmentBlock? blocks) => _blocks = blocks;

    /// <summary>Takes a lease, so <see cref="Data"/> stays valid until it is disposed; null when the segment has
    /// already been dropped (its blocks may be reused: treat it as gone).</summary>
    public IDisposable? TryLease()
    {
        var leases = Volatile.Read(ref _leases);
        while (leases > 0)
        {
            var seen = Interlocked.CompareExchange(ref _leases, leases + 1, leases);
            if (seen == leases)
            {
                return new Lease(this);
            }
            leases = seen;
        }
        return null;
    }

    /// <summary>Drops one lease (the window's, when the segment leaves it).</summary>
    public void Release()
    {
        var left = Interlocked.Decrement(ref _leases);
        if (left == 0 && _blocks is not null)
        {
            _pool!.Return(_blocks);
            _blocks = null;
        }
        else if (left < 0)
        {
            throw new InvalidOperationException("Segment released more times than leased.");
        }
    }

    private sealed class Lease(Segment segment) : IDisposable
    {
        private Segment? _segment = segment;

        public void Dispose() => Interlocked.Exchange(ref _segment, null)?.Release();
    }
}
