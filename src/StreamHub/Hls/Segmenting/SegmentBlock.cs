using System.Buffers;

namespace StreamHub.Hls.Segmenting;

/// <summary>One fixed-size block of segment bytes from a <see cref="SegmentBlockPool"/>, and a link in the chain that
/// holds one segment: a <see cref="ReadOnlySequenceSegment{T}"/>, so a segment's bytes are a
/// <see cref="ReadOnlySequence{T}"/> over its blocks with no copy and no object per block beyond the block itself.</summary>
public sealed class SegmentBlock : ReadOnlySequenceSegment<byte>
{
    internal SegmentBlock(byte[] array)
    {
        Array = array;
    }

    /// <summary>The whole block (pinned, <see cref="SegmentBlockPool.BlockSize"/> bytes, uninitialised past what was
    /// written).</summary>
    internal byte[] Array { get; }

    internal SegmentBlock? NextBlock => (SegmentBlock?)Next;

    /// <summary>Exposes the first <paramref name="length"/> bytes as this link's memory.</summary>
    internal void Seal(int length) => Memory = Array.AsMemory(0, length);

    /// <summary>Chains <paramref name="next"/> after this sealed block.</summary>
    internal void Link(SegmentBlock next)
    {
        Next = next;
        next.RunningIndex = RunningIndex + Memory.Length;
    }

    /// <summary>Unlinks the block as it goes back to the pool, so a free block keeps no other block reachable.</summary>
    internal void Reset()
    {
        Memory = default;
        Next = null;
        RunningIndex = 0;
    }
}
