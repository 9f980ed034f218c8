namespace StreamHub.Media.Flv;

/// <summary>What the FLV audio/video tag header (legacy or Enhanced RTMP) says about the payload behind it.</summary>
/// <param name="IsMedia">False for bodies that carry no frame: video command frames, E-RTMP metadata, multitrack forms
/// with several tracks in one message, MPEG-2 TS sequence starts.</param>
public readonly record struct FlvMediaHeader(
    MediaKind Kind,
    bool IsMedia,
    MediaFrameKind FrameKind,
    bool IsKeyframe,
    int CompositionOffset,
    VideoCodec VideoCodec,
    AudioCodec AudioCodec,
    byte TrackId);
