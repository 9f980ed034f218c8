using System.Buffers.Binary;

namespace StreamHub.Tests.Playback.HttpFlv;

/// <summary>Reads an FLV byte stream as it arrives (an HTTP-FLV response body), checking each PreviousTagSize.
/// <code>
/// header: "FLV" u8 version u8 flags u32 headerSize | u32 previousTagSize0
/// tag:    u8 type | u24 dataSize | u24 timestamp | u8 timestampExtended | u24 streamId | data | u32 previousTagSize
/// </code></summary>
public sealed class FlvStreamReader(Stream stream)
{
    /// <summary>The header's flags byte (0x04 audio, 0x01 video).</summary>
    public async Task<byte> ReadHeaderAsync(CancellationToken cancellationToken)
    {
        var header = new byte[13];
        await stream.ReadExactlyAsync(header, cancellationToken);
        Assert.Equal("FLV"u8.ToArray(), header[..3]);
        Assert.Equal(9u, BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(5)));
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(9)));
        return header[4];
    }

    public async Task<FlvTag> ReadTagAsync(CancellationToken cancellationToken)
    {
        var header = new byte[11];
        await stream.ReadExactlyAsync(header, cancellationToken);
        var size = header[1] << 16 | header[2] << 8 | header[3];
        var timestamp = (long)(uint)(header[7] << 24 | header[4] << 16 | header[5] << 8 | header[6]);
        var body = new byte[size];
        await stream.ReadExactlyAsync(body, cancellationToken);
        var trailer = new byte[4];
        await stream.ReadExactlyAsync(trailer, cancellationToken);
        Assert.Equal((uint)(11 + size), BinaryPrimitives.ReadUInt32BigEndian(trailer));
        return new FlvTag(header[0], timestamp, body);
    }
}
