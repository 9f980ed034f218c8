using System.Buffers;

namespace StreamHub.Media.Flv;

/// <summary>Reads the video tag header in front of a video message's payload (FLV 10.1 §E.4.3.1; Enhanced RTMP v1/v2
/// ExVideoTagHeader).
/// <code>
/// legacy:   frameType(4) codecId(4) | AVC/HEVC: AVCPacketType(8) CompositionTime(SI24)
/// enhanced: IsExHeader(1)=1 frameType(3) packetType(4) [ModEx blocks] [multitrack byte] FourCC(32) [trackId]
///           | CodedFrames of avc1/hvc1: CompositionTime(SI24)
///           several tracks in one message: only the default track (0) is read (ExHeaderReader.TryFindDefaultTrack)
/// </code>
/// On success slices <c>body</c> to the codec payload; false (consuming nothing) when the body is shorter
/// than its header.</summary>
public static class FlvVideoHeaderReader
{
    private const int FrameTypeKey = 1;
    private const int FrameTypeCommand = 5;
    private const int CodecAvc = 7;
    private const int CodecHevcLegacy = 12;

    public static bool TryRead(ref ReadOnlySequence<byte> body, out FlvMediaHeader header)
    {
        header = default;
        var reader = new SequenceReader<byte>(body);
        if (!reader.TryRead(out var first))
        {
            return false;
        }
        if ((first & 0x80) != 0)
        {
            if (!TryReadEnhanced(ref reader, first, out header, out var payload))
            {
                return false;
            }
            body = payload;
            return true;
        }
        if (!TryReadLegacy(ref reader, first, out header))
        {
            return false;
        }
        body = body.Slice(reader.Position);
        return true;
    }

    private static bool TryReadLegacy(ref SequenceReader<byte> reader, byte first, out FlvMediaHeader header)
    {
        var frameType = first >> 4;
        var codecId = first & 0x0F;
        header = default;
        if (frameType == FrameTypeCommand)
        {
            header = new FlvMediaHeader(MediaKind.Video, false, MediaFrameKind.Coded, false, 0, VideoCodec.None, AudioCodec.None, 0);
            reader.Advance(reader.Remaining);
            return true;
        }
        if (codecId is CodecAvc or CodecHevcLegacy)
        {
            if (!reader.TryRead(out var packetType) || !TryReadSi24(ref reader, out var cts))
            {
                return false;
            }
            var kind = packetType switch
            {
                0 => MediaFrameKind.SequenceHeader,
                1 => MediaFrameKind.Coded,
                _ => MediaFrameKind.EndOfSequence,
            };
            header = new FlvMediaHeader(MediaKind.Video, true, kind, frameType == FrameTypeKey,
                kind == MediaFrameKind.Coded ? cts : 0,
                codecId == CodecAvc ? VideoCodec.H264 : VideoCodec.Hevc, AudioCodec.None, 0);
            return true;
        }
        header = new FlvMediaHeader(MediaKind.Video, true, MediaFrameKind.Coded, frameType == FrameTypeKey, 0, VideoCodec.Unknown, AudioCodec.None, 0);
        return true;
    }

    private static bool TryReadEnhanced(ref SequenceReader<byte> reader, byte first, out FlvMediaHeader header, out ReadOnlySequence<byte> payload)
    {
        header = default;
        payload = default;
        var frameType = (first >> 4) & 0x07;
        var packetType = first & 0x0F;
        if (!ExHeaderReader.TrySkipModEx(ref reader, ref packetType, ExHeaderReader.VideoModEx))
        {
            return false;
        }
        if (frameType == FrameTypeCommand && packetType != 4)
        {
            // A command frame (seek start/end) carries one VideoCommand byte and no FourCC (E-RTMP v2).
            reader.Advance(reader.Remaining);
            payload = reader.UnreadSequence;
            header = new FlvMediaHeader(MediaKind.Video, false, MediaFrameKind.Coded, false, 0, VideoCodec.None, AudioCodec.None, 0);
            return true;
        }
        byte trackId = 0;
        uint fourCc;
        if (packetType == ExHeaderReader.VideoMultitrack)
        {
            if (!reader.TryRead(out var multitrack))
            {
                return false;
            }
            packetType = multitrack & 0x0F;
            var multitrackType = multitrack >> 4;
            if (multitrackType is ExHeaderReader.ManyTracks or ExHeaderReader.ManyTracksManyCodecs)
            {
                // Several tracks in one message: the default track's frame alone, the others counted as left out.
                if (!ExHeaderReader.TryFindDefaultTrack(ref reader, multitrackType, out fourCc, out var track, out var found,
                    out var leftOut, out var firstLeftOut))
                {
                    return false;
                }
                payload = reader.UnreadSequence;
                if (!found)
                {
                    header = new FlvMediaHeader(MediaKind.Video, false, MediaFrameKind.Coded, false, 0, VideoCodec.Unknown, AudioCodec.None, 0,
                        leftOut, firstLeftOut);
                    return true;
                }
                var trackReader = new SequenceReader<byte>(track);
                if (!TryReadPacket(ref trackReader, frameType, packetType, fourCc, 0, out header))
                {
                    return false;
                }
                header = header with { LeftOutTracks = leftOut, LeftOutTrackId = firstLeftOut };
                payload = trackReader.UnreadSequence;
                return true;
            }
            if (multitrackType != ExHeaderReader.OneTrack)
            {
                // A reserved multitrack type: nothing here can tell where its tracks are.
                reader.Advance(reader.Remaining);
                payload = reader.UnreadSequence;
                header = new FlvMediaHeader(MediaKind.Video, false, MediaFrameKind.Coded, false, 0, VideoCodec.Unknown, AudioCodec.None, 0);
                return true;
            }
            if (!ExHeaderReader.TryReadFourCc(ref reader, out fourCc) || !reader.TryRead(out trackId))
            {
                return false;
            }
        }
        else if (!ExHeaderReader.TryReadFourCc(ref reader, out fourCc))
        {
            return false;
        }
        if (!TryReadPacket(ref reader, frameType, packetType, fourCc, trackId, out header))
        {
            return false;
        }
        payload = reader.UnreadSequence;
        return true;
    }

    /// <summary>One track's packet after its FourCC (and track id): the composition time of avc1/hvc1 coded frames.</summary>
    private static bool TryReadPacket(ref SequenceReader<byte> reader, int frameType, int packetType, uint fourCc, byte trackId,
        out FlvMediaHeader header)
    {
        header = default;
        var codec = FourCc.ToVideoCodec(fourCc);
        var isKey = frameType == FrameTypeKey;
        switch (packetType)
        {
            case 0: // SequenceStart
                header = new FlvMediaHeader(MediaKind.Video, true, MediaFrameKind.SequenceHeader, isKey, 0, codec, AudioCodec.None, trackId);
                return true;
            case 1: // CodedFrames: avc1 and hvc1 carry a composition time
                var cts = 0;
                if (codec is VideoCodec.H264 or VideoCodec.Hevc && !TryReadSi24(ref reader, out cts))
                {
                    return false;
                }
                header = new FlvMediaHeader(MediaKind.Video, true, MediaFrameKind.Coded, isKey, cts, codec, AudioCodec.None, trackId);
                return true;
            case 2: // SequenceEnd
                header = new FlvMediaHeader(MediaKind.Video, true, MediaFrameKind.EndOfSequence, false, 0, codec, AudioCodec.None, trackId);
                return true;
            case 3: // CodedFramesX: composition time implied zero
                header = new FlvMediaHeader(MediaKind.Video, true, MediaFrameKind.Coded, isKey, 0, codec, AudioCodec.None, trackId);
                return true;
            default: // 4 Metadata (AMF colorInfo), 5 MPEG2TSSequenceStart, unknown: no frame
                reader.Advance(reader.Remaining);
                header = new FlvMediaHeader(MediaKind.Video, false, MediaFrameKind.Coded, false, 0, codec, AudioCodec.None, trackId);
                return true;
        }
    }

    /// <summary>SI24: a signed 24-bit big-endian integer, sign-extended (a negative composition time is legal).</summary>
    internal static bool TryReadSi24(ref SequenceReader<byte> reader, out int value)
    {
        value = 0;
        if (!reader.TryRead(out var b0) || !reader.TryRead(out var b1) || !reader.TryRead(out var b2))
        {
            return false;
        }
        value = (b0 << 24 | b1 << 16 | b2 << 8) >> 8;
        return true;
    }
}
