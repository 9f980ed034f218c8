using System.Buffers;

namespace StreamHub.Media.Flv;

/// <summary>Reads the audio tag header in front of an audio message's payload (FLV 10.1 §E.4.2.1; Enhanced RTMP v2
/// ExAudioTagHeader).
/// <code>
/// legacy:   soundFormat(4) rate(2) size(1) type(1) | AAC (10): AACPacketType(8)   0 = AudioSpecificConfig, 1 = raw
/// enhanced: soundFormat(4)=9 packetType(4) [ModEx blocks] [multitrack byte] FourCC(32) [trackId]
///           several tracks in one message: only the default track (0) is read (ExHeaderReader.TryFindDefaultTrack)
/// </code>
/// On success slices <c>body</c> to the codec payload; false (consuming nothing) when too short.</summary>
public static class FlvAudioHeaderReader
{
    private const int FormatMp3 = 2;
    private const int FormatExHeader = 9;
    private const int FormatAac = 10;

    public static bool TryRead(ref ReadOnlySequence<byte> body, out FlvMediaHeader header)
    {
        header = default;
        var reader = new SequenceReader<byte>(body);
        if (!reader.TryRead(out var first))
        {
            return false;
        }
        var format = first >> 4;
        switch (format)
        {
            case FormatAac:
                if (!reader.TryRead(out var aacPacketType))
                {
                    return false;
                }
                header = Frame(aacPacketType == 0 ? MediaFrameKind.SequenceHeader : MediaFrameKind.Coded, AudioCodec.Aac, 0);
                break;
            case FormatMp3:
                header = Frame(MediaFrameKind.Coded, AudioCodec.Mp3, 0);
                break;
            case FormatExHeader:
                if (!TryReadEnhanced(ref reader, first & 0x0F, out header, out var payload))
                {
                    return false;
                }
                body = payload;
                return true;
            default:
                header = Frame(MediaFrameKind.Coded, AudioCodec.Unknown, 0);
                break;
        }
        body = body.Slice(reader.Position);
        return true;
    }

    private static bool TryReadEnhanced(ref SequenceReader<byte> reader, int packetType, out FlvMediaHeader header, out ReadOnlySequence<byte> payload)
    {
        header = default;
        payload = default;
        if (!ExHeaderReader.TrySkipModEx(ref reader, ref packetType, ExHeaderReader.AudioModEx))
        {
            return false;
        }
        byte trackId = 0;
        uint fourCc;
        if (packetType == ExHeaderReader.AudioMultitrack)
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
                    header = new FlvMediaHeader(MediaKind.Audio, false, MediaFrameKind.Coded, false, 0, VideoCodec.None, AudioCodec.Unknown, 0,
                        leftOut, firstLeftOut);
                    return true;
                }
                var trackReader = new SequenceReader<byte>(track);
                header = Packet(ref trackReader, packetType, fourCc, 0) with { LeftOutTracks = leftOut, LeftOutTrackId = firstLeftOut };
                payload = trackReader.UnreadSequence;
                return true;
            }
            if (multitrackType != ExHeaderReader.OneTrack)
            {
                // A reserved multitrack type: nothing here can tell where its tracks are.
                reader.Advance(reader.Remaining);
                payload = reader.UnreadSequence;
                header = new FlvMediaHeader(MediaKind.Audio, false, MediaFrameKind.Coded, false, 0, VideoCodec.None, AudioCodec.Unknown, 0);
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
        header = Packet(ref reader, packetType, fourCc, trackId);
        payload = reader.UnreadSequence;
        return true;
    }

    /// <summary>One track's packet after its FourCC (and track id); audio packets have no further header.</summary>
    private static FlvMediaHeader Packet(ref SequenceReader<byte> reader, int packetType, uint fourCc, byte trackId)
    {
        var codec = FourCc.ToAudioCodec(fourCc);
        switch (packetType)
        {
            case 0:
                return Frame(MediaFrameKind.SequenceHeader, codec, trackId);
            case 1:
                return Frame(MediaFrameKind.Coded, codec, trackId);
            case 2:
                return Frame(MediaFrameKind.EndOfSequence, codec, trackId);
            default: // 4 MultichannelConfig and unknown types: no frame
                reader.Advance(reader.Remaining);
                return new FlvMediaHeader(MediaKind.Audio, false, MediaFrameKind.Coded, false, 0, VideoCodec.None, codec, trackId);
        }
    }

    private static FlvMediaHeader Frame(MediaFrameKind kind, AudioCodec codec, byte trackId) =>
        new(MediaKind.Audio, true, kind, false, 0, VideoCodec.None, codec, trackId);
}
