using System.Buffers;
using StreamHub.Media;
using StreamHub.Media.Flv;

namespace StreamHub.Rtmp.Messages;

/// <summary>An RTMP audio or video message as a <see cref="MediaFrame"/>: the FLV tag header (legacy or Enhanced RTMP)
/// read, the codec payload copied once into the frame's pooled buffer. Ingest and the edge's pull from an origin read
/// media alike.</summary>
public static class MediaMessageReader
{
    /// <summary>Reads the tag header at the start of <paramref name="body"/> and leaves <paramref name="body"/> at the
    /// codec payload. A body shorter than its header is a protocol error.</summary>
    public static FlvMediaHeader ReadHeader(RtmpMessageType type, ref ReadOnlySequence<byte> body)
    {
        var parsed = type == RtmpMessageType.Video
            ? FlvVideoHeaderReader.TryRead(ref body, out var header)
            : FlvAudioHeaderReader.TryRead(ref body, out header);
        if (!parsed)
        {
            RtmpThrow.ProtocolError(RtmpError.MalformedMedia, $"{type} message of {body.Length} bytes is shorter than its tag header");
        }
        return header;
    }

    /// <summary>The frame of <paramref name="payload"/> (what <see cref="ReadHeader"/> left), at <paramref name="clock"/>
    /// ms on the stream's 64-bit clock. The caller releases it.</summary>
    public static MediaFrame CreateFrame(in FlvMediaHeader header, ReadOnlySequence<byte> payload, long clock, bool keyframe) =>
        MediaFrame.Create(payload, header.Kind, header.FrameKind, clock, header.CompositionOffset, keyframe, header.VideoCodec,
            header.AudioCodec, header.TrackId);
}
