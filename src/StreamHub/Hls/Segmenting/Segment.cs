using System.Buffers;
using StreamHub.Hls.Playlists;

namespace StreamHub.Hls.Segmenting;

/// <summary>A finished media segment: immutable bytes served as they are to every request.
/// A segment made by the <see cref="Segmenter"/> lives in a chain of pool blocks: its window holds one lease and
/// releases it when the segment is dropped; a reader that uses <see cref="Data"/> after the call that found the segment
/// (an HTTP response) takes a lease first, and the blocks go back to the pool after the last release.</summary>
public sealed class Segment
{
    private readonly SegmentBlock? _blocks;
    private readonly SegmentBlockPool? _pool;
    private int _leases = 1; // the window's

    /// <summary>A segment over memory of its own (not pooled).</summary>
    public Segment(PlaylistEntry entry, ReadOnlyMemory<byte> data)
    {
        Entry = entry;
        Data = new ReadOnlySequence<byte>(data);
    }

    /// <summary>A segment that owns the chain of blocks from <paramref name="blocks"/> on (as
    /// <see cref="SegmentBuffer.Detach"/> handed it over) and returns it to <paramref name="pool"/>.</summary>
    internal Segment(PlaylistEntry entry, ReadOnlySequence<byte> data, SegmentBlock? blocks, SegmentBlockPool pool)
    {
        Entry = entry;
        Data = data;
        _blocks = blocks;
        _pool = pool;
    }

    public PlaylistEntry Entry { get; }
    public long Sequence => Entry.Sequence;

    /// <summary>The bytes, in order, one piece per block; valid while the window lists or retains the segment, or
    /// while a lease is held.</summary>
    public ReadOnlySequence<byte> Data { get; }

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
