using System.Buffers;

namespace StreamHub.Tests.Infrastructure;

/// <summary>Builds multi-segment <see cref="ReadOnlySequence{T}"/>s, so parsers meet input split across buffers the
/// way a socket delivers it.</summary>
public sealed class TestSequenceSegment : ReadOnlySequenceSegment<byte>
{
    private TestSequenceSegment(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    /// <summary>One segment per part (empty parts included: real sequences can hold them).</summary>
    public static ReadOnlySequence<byte> Create(params byte[][] parts)
    {
        if (parts.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }
        var first = new TestSequenceSegment(parts[0], 0);
        var last = first;
        for (var i = 1; i < parts.Length; i++)
        {
            var next = new TestSequenceSegment(parts[i], last.RunningIndex + last.Memory.Length);
            last.Next = next;
            last = next;
        }
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary><paramref name="data"/> cut every <paramref name="segmentSize"/> bytes.</summary>
    public static ReadOnlySequence<byte> Split(byte[] data, int segmentSize) =>
        Create(data.Chunk(Math.Max(1, segmentSize)).ToArray() is { Length: > 0 } parts ? parts : [[]]);

    /// <summary><paramref name="data"/> cut at <paramref name="at"/> into two segments.</summary>
    public static ReadOnlySequence<byte> SplitAt(byte[] data, int at) => Create(data[..at], data[at..]);
}
