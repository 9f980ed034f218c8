namespace StreamHub.Hls.Ts;

/// <summary>The PES packet header (ISO/IEC 13818-1 §2.4.3.6) with PTS, or PTS and DTS, at 90 kHz.
/// <code>
/// 00 00 01 | stream_id | PES_packet_length:16 | 10 00 0 0 0 0 (0x80) | PTS_DTS_flags:2 000000 | header_data_length |
/// PTS (5 bytes, prefix 0010 or 0011) [| DTS (5 bytes, prefix 0001)]
/// </code>
/// Timestamps are 33 bits: callers keep 64-bit values and the writer masks them.</summary>
public static class PesHeader
{
    public const int MaxSize = 19;
    public const long TimestampMask = (1L << 33) - 1;

    /// <summary>Writes the header; returns its length (14 with PTS only, 19 with PTS and DTS). DTS is written only
    /// when it differs from PTS.</summary>
    /// <param name="payloadLength">Bytes of elementary stream data after the header; the PES_packet_length field
    /// then counts the header's optional part too. 0 when unknown or too long (allowed for video only).</param>
    public static int Write(Span<byte> destination, PesStreamId streamId, int payloadLength, long pts, long dts)
    {
        var withDts = (pts & TimestampMask) != (dts & TimestampMask);
        var headerDataLength = withDts ? 10 : 5;
        var packetLength = payloadLength == 0 ? 0 : 3 + headerDataLength + payloadLength;
        if (packetLength > ushort.MaxValue)
        {
            packetLength = 0;
        }
        destination[0] = 0x00;
        destination[1] = 0x00;
        destination[2] = 0x01;
        destination[3] = (byte)streamId;
        destination[4] = (byte)(packetLength >> 8);
        destination[5] = (byte)packetLength;
        destination[6] = 0x80;
        destination[7] = withDts ? (byte)0xC0 : (byte)0x80;
        destination[8] = (byte)headerDataLength;
        WriteTimestamp(destination[9..], withDts ? (byte)0x3 : (byte)0x2, pts);
        if (withDts)
        {
            WriteTimestamp(destination[14..], 0x1, dts);
        }
        return 9 + headerDataLength;
    }

    /// <summary>One 5-byte timestamp field: <c>prefix:4 ts[32..30] 1 | ts[29..15] 1 | ts[14..0] 1</c>.</summary>
    public static void WriteTimestamp(Span<byte> destination, byte prefix, long timestamp)
    {
        var t = timestamp & TimestampMask;
        destination[0] = (byte)((prefix << 4) | (int)((t >> 29) & 0x0E) | 1);
        var middle = ((t >> 14) & 0xFFFE) | 1;
        destination[1] = (byte)(middle >> 8);
        destination[2] = (byte)middle;
        var low = ((t << 1) & 0xFFFE) | 1;
        destination[3] = (byte)(low >> 8);
        destination[4] = (byte)low;
    }
}
