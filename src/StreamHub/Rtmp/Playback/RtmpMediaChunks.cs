using System.Buffers;
using System.Buffers.Binary;
using StreamHub.Media;
using StreamHub.Media.Flv;
using StreamHub.Rtmp.Messages;

namespace StreamHub.Rtmp.Playback;

/// <summary>An audio or video frame as one RTMP message, already cut into chunks: a format 0 chunk (absolute
/// timestamp, so the same bytes suit every player) then format 3 continuations, the body being the FLV audio/video
/// tag header (<see cref="FlvTagWriter.WriteBodyPrefix"/>) and the frame's payload. Players that share a chunk size and
/// message stream id share these bytes (<see cref="MediaFrame.GetOrAddEncoding"/>).</summary>
public static class RtmpMediaChunks
{
    public const int AudioChunkStreamId = 4;
    public const int VideoChunkStreamId = 6;

    /// <summary>The encoder <see cref="MediaFrame.GetOrAddEncoding"/> calls: the frame at its own DTS, the chunk size
    /// and message stream id taken from the key.</summary>
    public static readonly MediaFrame.Encoder Shared = static (frame, destination, key) =>
        Write(destination, frame, unchecked((uint)frame.Dts), key >> 8, (uint)(key & 0xFF));

    /// <summary>The sharing key of a chunk size and message stream id, or -1 when the stream id is too large to share
    /// (a client that created more than 255 streams on one connection encodes for itself).</summary>
    public static int SharedKey(int chunkSize, uint messageStreamId) => messageStreamId is > 0 and < 256 ? chunkSize << 8 | (int)messageStreamId : -1;

    /// <summary>An upper bound of the bytes <see cref="Write(Span{byte}, MediaFrame, uint, int, uint)"/> takes.</summary>
    public static int MaxLength(MediaFrame frame, int chunkSize)
    {
        var body = FlvTagWriter.MaxBodyPrefixLength + frame.Payload.Length;
        var chunks = (body + chunkSize - 1) / chunkSize;
        return 16 + (chunks - 1) * 5 + body;
    }

    /// <summary>Writes the frame's chunks at <paramref name="timestamp"/> into <paramref name="output"/>.</summary>
    public static int Write(IBufferWriter<byte> output, MediaFrame frame, uint timestamp, int chunkSize, uint messageStreamId)
    {
        var written = Write(output.GetSpan(MaxLength(frame, chunkSize)), frame, timestamp, chunkSize, messageStreamId);
        output.Advance(written);
        return written;
    }

    /// <summary>Writes the frame's chunks into <paramref name="destination"/> (at least <see cref="MaxLength"/>
    /// bytes); returns the length. When the timestamp needs the extended field every continuation repeats it, as
    /// <see cref="Chunking.ChunkWriter"/> does.</summary>
    public static int Write(Span<byte> destination, MediaFrame frame, uint timestamp, int chunkSize, uint messageStreamId)
    {
        Span<byte> prefix = stackalloc byte[FlvTagWriter.MaxBodyPrefixLength];
        var prefixLength = FlvTagWriter.WriteBodyPrefix(prefix, frame);
        prefix = prefix[..prefixLength];
        var payload = frame.Payload.Span;
        var bodyLength = prefixLength + payload.Length;
        var video = frame.Kind == MediaKind.Video;
        var chunkStreamId = video ? VideoChunkStreamId : AudioChunkStreamId;
        var extended = timestamp >= 0xFFFFFF;

        destination[0] = (byte)chunkStreamId;
        WriteUInt24(destination[1..], extended ? 0xFFFFFF : timestamp);
        WriteUInt24(destination[4..], (uint)bodyLength);
        destination[7] = (byte)(video ? RtmpMessageType.Video : RtmpMessageType.Audio);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], messageStreamId);
        var at = 12;
        if (extended)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination[at..], timestamp);
            at += 4;
        }

        var offset = 0;
        while (true)
        {
            var count = Math.Min(chunkSize, bodyLength - offset);
            CopyBody(prefix, payload, offset, destination.Slice(at, count));
            at += count;
            offset += count;
            if (offset >= bodyLength)
            {
                return at;
            }
            destination[at++] = (byte)(0xC0 | chunkStreamId);
            if (extended)
            {
                BinaryPrimitives.WriteUInt32BigEndian(destination[at..], timestamp);
                at += 4;
            }
        }
    }

    /// <summary>Copies <paramref name="destination"/>.Length bytes from <paramref name="offset"/> of prefix + payload.</summary>
    private static void CopyBody(ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> payload, int offset, Span<byte> destination)
    {
        if (offset < prefix.Length)
        {
            var fromPrefix = Math.Min(prefix.Length - offset, destination.Length);
            prefix.Slice(offset, fromPrefix).CopyTo(destination);
            payload[..(destination.Length - fromPrefix)].CopyTo(destination[fromPrefix..]);
            return;
        }
        payload.Slice(offset - prefix.Length, destination.Length).CopyTo(destination);
    }

    private static void WriteUInt24(Span<byte> destination, uint value)
    {
        destination[0] = (byte)(value >> 16);
        destination[1] = (byte)(value >> 8);
        destination[2] = (byte)value;
    }
}
