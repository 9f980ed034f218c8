using System.Buffers;

namespace StreamHub.Rtmp.Messages;

/// <summary>Reads the FLV tags inside an aggregate message (type 22, RTMP 1.0 §7.1.6):
/// <code>type(1) size(3) timestamp(3) timestampExtended(1) streamId(3) | data(size) | backPointer(4)</code></summary>
public static class AggregateReader
{
    public static bool TryReadTag(ref ReadOnlySequence<byte> buffer, out RtmpMessageType type, out uint timestamp, out ReadOnlySequence<byte> data)
    {
        type = 0;
        timestamp = 0;
        data = default;
        if (buffer.Length < 11)
        {
            return false;
        }
        Span<byte> header = stackalloc byte[11];
        buffer.Slice(0, 11).CopyTo(header);
        var size = header[1] << 16 | header[2] << 8 | header[3];
        if (buffer.Length < 11 + size)
        {
            return false;
        }
        type = (RtmpMessageType)header[0];
        timestamp = (uint)(header[7] << 24 | header[4] << 16 | header[5] << 8 | header[6]);
        data = buffer.Slice(11, size);
        // The back-pointer is optional at the very end.
        buffer = buffer.Slice(Math.Min(buffer.Length, 11L + size + 4));
        return true;
    }
}
