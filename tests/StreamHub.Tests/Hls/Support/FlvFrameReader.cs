using System.Buffers.Binary;
using StreamHub.Media;

namespace StreamHub.Tests.Hls.Support;

/// <summary>Reads an FLV file's audio and video tags and turns them into <see cref="MediaFrame"/>s exactly as RTMP
/// ingest does: the video payload is the tag body after the 5-byte AVC header (frame type/codec, AVCPacketType,
/// SI24 composition time), the audio payload is the body after the 2-byte AAC header. Script tags are skipped.
/// <code>
/// header: "FLV" u8 version u8 flags u32 headerSize | u32 previousTagSize0
/// tag:    u8 type | u24 dataSize | u24 timestamp | u8 timestampExtended | u24 streamId | data | u32 previousTagSize
/// </code></summary>
public static class FlvFrameReader
{
    public static List<MediaFrame> ReadFrames(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 13 || bytes[0] != 'F' || bytes[1] != 'L' || bytes[2] != 'V')
        {
            throw new InvalidDataException($"{path} is not an FLV file.");
        }
        var offset = (int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(5)) + 4;
        var frames = new List<MediaFrame>();
        while (offset + 11 <= bytes.Length)
        {
            var type = bytes[offset];
            var size = (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3];
            var timestamp = (uint)((bytes[offset + 7] << 24) | (bytes[offset + 4] << 16) | (bytes[offset + 5] << 8) | bytes[offset + 6]);
            var body = bytes.AsSpan(offset + 11, size);
            offset += 11 + size + 4;
            var frame = type switch
            {
                9 => Video(body, timestamp),
                8 => Audio(body, timestamp),
                _ => null,
            };
            if (frame is not null)
            {
                frames.Add(frame);
            }
        }
        return frames;
    }

    private static MediaFrame? Video(ReadOnlySpan<byte> body, long dts)
    {
        if (body.Length < 5 || (body[0] & 0x0F) != 7)
        {
            return null;
        }
        var keyframe = body[0] >> 4 == 1;
        var packetType = body[1];
        var cts = (body[2] << 16) | (body[3] << 8) | body[4];
        if ((cts & 0x800000) != 0)
        {
            cts |= unchecked((int)0xFF000000); // SI24: sign-extend
        }
        var kind = packetType switch
        {
            0 => MediaFrameKind.SequenceHeader,
            1 => MediaFrameKind.Coded,
            _ => MediaFrameKind.EndOfSequence,
        };
        return MediaFrame.Create(body[5..], MediaKind.Video, kind, dts, cts, keyframe, videoCodec: VideoCodec.H264);
    }

    private static MediaFrame? Audio(ReadOnlySpan<byte> body, long dts)
    {
        if (body.Length < 2 || body[0] >> 4 != 10)
        {
            return null;
        }
        var kind = body[1] == 0 ? MediaFrameKind.SequenceHeader : MediaFrameKind.Coded;
        return MediaFrame.Create(body[2..], MediaKind.Audio, kind, dts, audioCodec: AudioCodec.Aac);
    }
}
