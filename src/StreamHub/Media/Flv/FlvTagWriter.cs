using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using StreamHub.Rtmp.Amf;

namespace StreamHub.Media.Flv;

/// <summary>Writes an FLV stream, the inverse of <see cref="FlvVideoHeaderReader"/> and
/// <see cref="FlvAudioHeaderReader"/>: what RTMP playback and HTTP-FLV send (FLV 10.1 §E.2–E.4; Enhanced RTMP v2).
/// <code>
/// file header: "FLV" | u8 version=1 | u8 flags (0x04 audio, 0x01 video) | u32 headerSize=9 | u32 PreviousTagSize0=0
/// tag:         u8 TagType | u24 DataSize | u24 Timestamp | u8 TimestampExtended | u24 StreamID=0
///              | body prefix (audio/video tag header) | payload | u32 PreviousTagSize = 11 + DataSize
/// </code>
/// Body prefixes, chosen so the project's readers give back every field of the frame:
/// <code>
/// H.264, track 0:       frameType(4) codecId(4)=7 | AVCPacketType(8) | CompositionTime(SI24)
/// AAC, track 0:         0xAF (format 10, 44 kHz, 16-bit, stereo: fixed for AAC) | AACPacketType(8)
/// MP3 coded, track 0:   0x2F (format 2; the decoder takes rate and channels from the MP3 frame header)
/// other video:          1(1) frameType(3) packetType(4) | FourCC | hvc1/avc1 coded: CompositionTime(SI24)
/// other audio:          soundFormat(4)=9 packetType(4) | FourCC
/// track id &gt; 0:         packetType=Multitrack, then OneTrack(4)=0 packetType(4) | FourCC | trackId
/// </code>
/// Nothing is allocated per frame: the payload is copied once into the writer, or, through
/// <see cref="WriteTagPrefix(Span{byte}, MediaFrame)"/>, not at all.</summary>
public static class FlvTagWriter
{
    public const int FileHeaderLength = 13;
    public const int TagHeaderLength = 11;
    public const int PreviousTagSizeLength = 4;

    /// <summary>Tag header plus the longest body prefix (multitrack video: byte, multitrack byte, FourCC, trackId, SI24).</summary>
    public const int MaxTagPrefixLength = TagHeaderLength + MaxBodyPrefixLength;

    /// <summary>The longest audio/video tag header before the payload (multitrack video).</summary>
    public const int MaxBodyPrefixLength = 10;

    /// <summary>DataSize is a UI24.</summary>
    public const int MaxDataSize = 0xFFFFFF;

    private const byte FlagAudio = 0x04;
    private const byte FlagVideo = 0x01;

    private const int FrameTypeKey = 1;
    private const int FrameTypeInter = 2;
    private const int CodecAvc = 7;
    private const byte LegacyAac = 0xAF;
    private const byte LegacyMp3 = 0x2F;
    private const int SoundFormatExHeader = 9;

    private const int PacketSequenceStart = 0;
    private const int PacketCodedFrames = 1;
    private const int PacketSequenceEnd = 2;

    /// <summary>The 9-byte FLV header and PreviousTagSize0.</summary>
    public static void WriteFileHeader(IBufferWriter<byte> output, bool hasAudio, bool hasVideo)
    {
        var span = output.GetSpan(FileHeaderLength);
        span[0] = (byte)'F';
        span[1] = (byte)'L';
        span[2] = (byte)'V';
        span[3] = 1;
        span[4] = (byte)((hasAudio ? FlagAudio : 0) | (hasVideo ? FlagVideo : 0));
        BinaryPrimitives.WriteUInt32BigEndian(span[5..], 9);
        BinaryPrimitives.WriteUInt32BigEndian(span[9..], 0);
        output.Advance(FileHeaderLength);
    }

    /// <summary>True for the frames this writer has a tag body for: any known codec. Frames the readers marked
    /// <see cref="VideoCodec.Unknown"/>/<see cref="AudioCodec.Unknown"/> lost their codec id and cannot be written.</summary>
    public static bool CanWrite(MediaFrame frame) => frame.Kind switch
    {
        MediaKind.Video => frame.VideoCodec is not (VideoCodec.None or VideoCodec.Unknown),
        MediaKind.Audio => frame.AudioCodec is not (AudioCodec.None or AudioCodec.Unknown),
        _ => false,
    };

    /// <summary>One tag for <paramref name="frame"/>, its payload copied once, and the PreviousTagSize after it.</summary>
    public static void WriteFrame(IBufferWriter<byte> output, MediaFrame frame) => WriteFrame(output, frame, frame.Dts);

    /// <summary>As <see cref="WriteFrame(IBufferWriter{byte}, MediaFrame)"/>, with the tag's timestamp given: a player
    /// that was re-sent old sequence headers needs them at its current time, not theirs.</summary>
    public static void WriteFrame(IBufferWriter<byte> output, MediaFrame frame, long timestamp)
    {
        var payload = frame.Payload.Span;
        var prefix = output.GetSpan(MaxTagPrefixLength);
        var prefixLength = WriteTagPrefix(prefix, frame, timestamp);
        output.Advance(prefixLength);
        output.Write(payload);
        WritePreviousTagSize(output, prefixLength + payload.Length);
    }

    /// <summary>Writes the 11-byte tag header and the body prefix into <paramref name="destination"/> (at least
    /// <see cref="MaxTagPrefixLength"/> bytes) and returns how many bytes that took. The caller sends the frame's
    /// payload after it, then <see cref="WritePreviousTagSize(Span{byte}, int)"/> with this length plus the
    /// payload's: header and pooled payload go out without a copy.</summary>
    public static int WriteTagPrefix(Span<byte> destination, MediaFrame frame) => WriteTagPrefix(destination, frame, frame.Dts);

    /// <inheritdoc cref="WriteTagPrefix(Span{byte}, MediaFrame)"/>
    /// <param name="timestamp">The tag's time in milliseconds, in place of the frame's DTS.</param>
    public static int WriteTagPrefix(Span<byte> destination, MediaFrame frame, long timestamp)
    {
        if (destination.Length < MaxTagPrefixLength)
        {
            ThrowArgument("The destination is shorter than MaxTagPrefixLength.", nameof(destination));
        }
        var bodyPrefixLength = WriteBodyPrefix(destination[TagHeaderLength..], frame);
        WriteTagHeader(destination, (FlvTagType)frame.Kind, bodyPrefixLength + frame.Payload.Length, timestamp);
        return TagHeaderLength + bodyPrefixLength;
    }

    /// <summary>Writes the audio/video tag header that goes before the frame's payload (an RTMP audio or video
    /// message is exactly this and the payload) into <paramref name="destination"/> (at least
    /// <see cref="MaxBodyPrefixLength"/> bytes); returns its length.</summary>
    public static int WriteBodyPrefix(Span<byte> destination, MediaFrame frame) => frame.Kind switch
    {
        MediaKind.Video => WriteVideoPrefix(destination, frame),
        MediaKind.Audio => WriteAudioPrefix(destination, frame),
        _ => ThrowUnwritable(frame),
    };

    /// <summary>The PreviousTagSize that ends a tag whose prefix and payload took <paramref name="tagLength"/> bytes
    /// (11 + DataSize).</summary>
    public static void WritePreviousTagSize(Span<byte> destination, int tagLength) =>
        BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)tagLength);

    /// <summary>A script-data tag: AMF0 "onMetaData" and an ECMA array of <paramref name="metadata"/>'s values
    /// (FLV 10.1 §E.4.4.2), at <paramref name="timestamp"/> (a player expects it first, at 0).</summary>
    public static void WriteMetadata(IBufferWriter<byte> output, IReadOnlyDictionary<string, object?> metadata, long timestamp = 0)
    {
        // DataSize comes before the AMF body, whose length is only known once written; metadata goes out once per
        // viewer, not per frame, so the body is staged.
        var body = new ArrayBufferWriter<byte>(256);
        Amf0Writer.WriteString(body, "onMetaData");
        Amf0Writer.WriteEcmaArrayStart(body, metadata.Count);
        foreach (var (name, value) in metadata)
        {
            Amf0Writer.WritePropertyName(body, name);
            Amf0Writer.WriteValue(body, value);
        }
        Amf0Writer.WriteObjectEnd(body);

        var header = output.GetSpan(TagHeaderLength);
        WriteTagHeader(header, FlvTagType.ScriptData, body.WrittenCount, timestamp);
        output.Advance(TagHeaderLength);
        output.Write(body.WrittenSpan);
        WritePreviousTagSize(output, TagHeaderLength + body.WrittenCount);
    }

    /// <summary>Timestamp (lower 24 bits) then TimestampExtended (upper 8 bits): together the 32-bit millisecond
    /// time (FLV 10.1 §E.4.1). The stream's 64-bit clock is written modulo 2³², as RTMP carries it: past 2³² ms
    /// (49.7 days) the tag time wraps to 0 and a reader unwraps it, as the ingest side does.</summary>
    private static void WriteTagHeader(Span<byte> destination, FlvTagType type, int dataSize, long timestamp)
    {
        if ((uint)dataSize > MaxDataSize)
        {
            ThrowArgument("The tag body is longer than the 24-bit DataSize allows.", nameof(dataSize));
        }
        var time = unchecked((uint)timestamp);
        destination[0] = (byte)type;
        WriteUInt24(destination[1..], (uint)dataSize);
        WriteUInt24(destination[4..], time & 0xFFFFFF);
        destination[7] = (byte)(time >> 24);
        WriteUInt24(destination[8..], 0);
    }

    private static int WriteVideoPrefix(Span<byte> body, MediaFrame frame)
    {
        var frameType = frame.IsKeyframe ? FrameTypeKey : FrameTypeInter;
        var packetType = frame.FrameKind switch
        {
            MediaFrameKind.SequenceHeader => PacketSequenceStart,
            MediaFrameKind.Coded => PacketCodedFrames,
            _ => PacketSequenceEnd,
        };
        if (frame.VideoCodec == VideoCodec.H264 && frame.TrackId == 0)
        {
            // Legacy AVC, which every FLV player reads. AVCPacketType matches the E-RTMP packet types 0/1/2.
            body[0] = (byte)(frameType << 4 | CodecAvc);
            body[1] = (byte)packetType;
            WriteSi24(body[2..], frame.FrameKind == MediaFrameKind.Coded ? frame.CompositionOffset : 0);
            return 5;
        }
        var fourCc = frame.VideoCodec switch
        {
            VideoCodec.H264 => FourCc.Avc1,
            VideoCodec.Hevc => FourCc.Hvc1,
            VideoCodec.Av1 => FourCc.Av01,
            VideoCodec.Vp9 => FourCc.Vp09,
            VideoCodec.Vp8 => FourCc.Vp08,
            VideoCodec.Vvc => FourCc.Vvc1,
            _ => (uint)ThrowUnwritable(frame),
        };
        var length = WriteExHeader(body, 0x80 | frameType << 4, packetType, ExHeaderReader.VideoMultitrack, fourCc, frame.TrackId);
        if (packetType == PacketCodedFrames && frame.VideoCodec is VideoCodec.H264 or VideoCodec.Hevc)
        {
            // Only avc1 and hvc1 CodedFrames carry a composition time; the other codecs have none.
            WriteSi24(body[length..], frame.CompositionOffset);
            length += 3;
        }
        return length;
    }

    private static int WriteAudioPrefix(Span<byte> body, MediaFrame frame)
    {
        if (frame.TrackId == 0)
        {
            // Legacy forms where they exist: AAC has AACPacketType 0/1 but no end of sequence; MP3 has no packet type.
            if (frame.AudioCodec == AudioCodec.Aac && frame.FrameKind != MediaFrameKind.EndOfSequence)
            {
                body[0] = LegacyAac;
                body[1] = frame.FrameKind == MediaFrameKind.SequenceHeader ? (byte)0 : (byte)1;
                return 2;
            }
            if (frame.AudioCodec == AudioCodec.Mp3 && frame.FrameKind == MediaFrameKind.Coded)
            {
                body[0] = LegacyMp3;
                return 1;
            }
        }
        var fourCc = frame.AudioCodec switch
        {
            AudioCodec.Aac => FourCc.Mp4a,
            AudioCodec.Mp3 => FourCc.Mp3,
            AudioCodec.Opus => FourCc.Opus,
            AudioCodec.Flac => FourCc.Flac,
            AudioCodec.Ac3 => FourCc.Ac3,
            AudioCodec.Eac3 => FourCc.Eac3,
            _ => (uint)ThrowUnwritable(frame),
        };
        var packetType = frame.FrameKind switch
        {
            MediaFrameKind.SequenceHeader => PacketSequenceStart,
            MediaFrameKind.Coded => PacketCodedFrames,
            _ => PacketSequenceEnd,
        };
        return WriteExHeader(body, SoundFormatExHeader << 4, packetType, ExHeaderReader.AudioMultitrack, fourCc, frame.TrackId);
    }

    /// <summary>First byte (high nibble given, packet type low), then the FourCC; for a track other than 0 the
    /// Multitrack packet type with a OneTrack byte in front of the FourCC and the track id after it.</summary>
    private static int WriteExHeader(Span<byte> body, int highNibble, int packetType, int multitrack, uint fourCc, byte trackId)
    {
        if (trackId == 0)
        {
            body[0] = (byte)(highNibble | packetType);
            BinaryPrimitives.WriteUInt32BigEndian(body[1..], fourCc);
            return 5;
        }
        body[0] = (byte)(highNibble | multitrack);
        body[1] = (byte)packetType; // AvMultitrackType OneTrack (0) in the high nibble
        BinaryPrimitives.WriteUInt32BigEndian(body[2..], fourCc);
        body[6] = trackId;
        return 7;
    }

    private static void WritePreviousTagSize(IBufferWriter<byte> output, int tagLength)
    {
        WritePreviousTagSize(output.GetSpan(PreviousTagSizeLength), tagLength);
        output.Advance(PreviousTagSizeLength);
    }

    private static void WriteUInt24(Span<byte> destination, uint value)
    {
        destination[0] = (byte)(value >> 16);
        destination[1] = (byte)(value >> 8);
        destination[2] = (byte)value;
    }

    /// <summary>SI24, two's complement: a negative composition time is legal.</summary>
    private static void WriteSi24(Span<byte> destination, int value)
    {
        if (value is < -0x800000 or > 0x7FFFFF)
        {
            ThrowArgument("The composition time does not fit in SI24.", nameof(value));
        }
        WriteUInt24(destination, unchecked((uint)value) & 0xFFFFFF);
    }

    [DoesNotReturn]
    private static int ThrowUnwritable(MediaFrame frame) =>
        throw new ArgumentException($"No FLV tag body for a {frame.Kind} frame of codec {(frame.Kind == MediaKind.Video ? frame.VideoCodec : frame.AudioCodec)}; check CanWrite first.", nameof(frame));

    [DoesNotReturn]
    private static void ThrowArgument(string message, string name) => throw new ArgumentException(message, name);
}
