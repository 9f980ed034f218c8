using System.Buffers;
using System.Buffers.Binary;
using StreamHub.Rtmp.Messages;

namespace StreamHub.Rtmp.Chunking;

/// <summary>Writes a message as chunks: a format 0 chunk, then format 3 continuations (RTMP 1.0 §5.3.1). When the
/// timestamp needs the extended field, every continuation repeats it (the 2012 reading, which FFmpeg follows).</summary>
public static class ChunkWriter
{
    public static void WriteMessage(IBufferWriter<byte> output, int chunkStreamId, uint timestamp, RtmpMessageType type,
        uint messageStreamId, ReadOnlySpan<byte> payload, int chunkSize)
    {
        var extended = timestamp >= 0xFFFFFF;
        var header = output.GetSpan(18);
        var written = WriteBasicHeader(header, 0, chunkStreamId);
        var field = extended ? 0xFFFFFFu : timestamp;
        WriteUInt24(header[written..], field);
        WriteUInt24(header[(written + 3)..], (uint)payload.Length);
        header[written + 6] = (byte)type;
        BinaryPrimitives.WriteUInt32LittleEndian(header[(written + 7)..], messageStreamId);
        written += 11;
        if (extended)
        {
            BinaryPrimitives.WriteUInt32BigEndian(header[written..], timestamp);
            written += 4;
        }
        output.Advance(written);

        var offset = 0;
        while (true)
        {
            var count = Math.Min(chunkSize, payload.Length - offset);
            output.Write(payload.Slice(offset, count));
            offset += count;
            if (offset >= payload.Length)
            {
                break;
            }
            var continuation = output.GetSpan(7);
            var length = WriteBasicHeader(continuation, 3, chunkStreamId);
            if (extended)
            {
                BinaryPrimitives.WriteUInt32BigEndian(continuation[length..], timestamp);
                length += 4;
            }
            output.Advance(length);
        }
    }

    /// <summary>The 1-, 2- or 3-byte basic header; returns its length.</summary>
    public static int WriteBasicHeader(Span<byte> destination, int format, int chunkStreamId)
    {
        if (chunkStreamId is < 2 or > 65599)
        {
            throw new ArgumentOutOfRangeException(nameof(chunkStreamId), chunkStreamId, "Chunk stream ids run from 2 to 65599.");
        }
        var top = (byte)(format << 6);
        if (chunkStreamId < 64)
        {
            destination[0] = (byte)(top | chunkStreamId);
            return 1;
        }
        if (chunkStreamId < 320)
        {
            destination[0] = top;
            destination[1] = (byte)(chunkStreamId - 64);
            return 2;
        }
        destination[0] = (byte)(top | 1);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[1..], (ushort)(chunkStreamId - 64));
        return 3;
    }

    private static void WriteUInt24(Span<byte> destination, uint value)
    {
        destination[0] = (byte)(value >> 16);
        destination[1] = (byte)(value >> 8);
        destination[2] = (byte)value;
    }
}
