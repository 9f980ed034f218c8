using System.Buffers;
using StreamHub.Media;
using StreamHub.Media.Av1;
using StreamHub.Media.Flv;
using StreamHub.Rtmp.Amf;
using StreamHub.Rtmp.Commands;
using StreamHub.Rtmp.Messages;

namespace StreamHub.Rtmp.Session;

/// <summary>Media and metadata: each audio/video message becomes one <see cref="MediaFrame"/> (the only copy of its
/// bytes), handed to the live stream and released.</summary>
public sealed partial class RtmpSession
{
    private bool _warnedAv1Keyframe;

    private void OnMedia(RtmpMessageType type, ReadOnlySequence<byte> body, long clock)
    {
        var stream = _stream;
        if (stream is null || body.IsEmpty)
        {
            // Media before publish is accepted or refused has nowhere to go; empty tags carry nothing.
            return;
        }
        var header = MediaMessageReader.ReadHeader(type, ref body);
        if (header.LeftOutTracks > 0)
        {
            stream.IgnoreTrack(header.Kind, header.LeftOutTrackId);
        }
        if (!header.IsMedia)
        {
            return;
        }
        var keyframe = header.IsKeyframe;
        if (header.VideoCodec == VideoCodec.Av1 && header.FrameKind == MediaFrameKind.Coded)
        {
            keyframe = Av1Keyframe(body, header.IsKeyframe, stream.Name);
        }
        var frame = MediaMessageReader.CreateFrame(header, body, clock, keyframe);
        try
        {
            stream.Write(frame);
        }
        finally
        {
            frame.Release();
        }
    }

    /// <summary>An AV1 frame is a keyframe when its bitstream says so: segments, LL-HLS parts, GOP caches and players
    /// start at keyframes, and a flagged frame that is not a random access point would give them a start that does not
    /// decode. The encoder's flag saying otherwise is logged once per publish.</summary>
    private bool Av1Keyframe(ReadOnlySequence<byte> unit, bool flagged, string streamName)
    {
        var access = Av1TemporalUnit.ReadRandomAccess(unit);
        var keyframe = access == Av1RandomAccess.RandomAccessPoint;
        if (flagged && !keyframe && !_warnedAv1Keyframe)
        {
            _warnedAv1Keyframe = true;
            RtmpLog.Av1KeyframeFlagWrong(_logger, _connectionId, streamName, access);
        }
        return keyframe;
    }

    /// <summary>onMetaData, with or without FFmpeg's "@setDataFrame" in front.</summary>
    private void OnData(ReadOnlySequence<byte> payload, bool amf3)
    {
        var values = AmfMessageReader.ReadValues(payload, amf3, _options.MaxAmfDepth, _options.MaxAmfValues);
        var start = values.Count > 0 && values[0] is CommandNames.SetDataFrame ? 1 : 0;
        if (_stream is null || values.Count < start + 2 || values[start] is not CommandNames.OnMetaData)
        {
            return;
        }
        if (values[start + 1] is AmfObject metadata)
        {
            _stream.SetMetadata(metadata);
        }
    }
}
