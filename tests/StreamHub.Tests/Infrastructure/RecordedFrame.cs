using StreamHub.Media;

namespace StreamHub.Tests.Infrastructure;

/// <summary>A frame as a <see cref="RecordingMediaSink"/> saw it.</summary>
public sealed record RecordedFrame(string Stream, MediaKind Kind, MediaFrameKind FrameKind, VideoCodec VideoCodec,
    AudioCodec AudioCodec, bool IsKeyframe, long Dts, long Pts, int CompositionOffset, byte TrackId, byte[] Payload);
