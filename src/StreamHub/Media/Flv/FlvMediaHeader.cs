namespace StreamHub.Media.Flv;

/// <summary>What the FLV audio/video tag header (legacy or Enhanced RTMP) says about the payload behind it.</summary>
/// <param name="IsMedia">False for bodies that carry no frame: video command frames, E-RTMP metadata, MPEG-2 TS sequence
/// starts, a message of several tracks none of which is the default one.</param>
/// <param name="TrackId">The Enhanced RTMP track the frame belongs to (0: the default one).</param>
/// <param name="LeftOutTracks">Tracks other than the default one that a message of several tracks (ManyTracks) also
/// carried, and that were left out: the frame is the default track's alone, never a mix.</param>
/// <param name="LeftOutTrackId">The first of those tracks, for the log line (0 when none).</param>
public readonly record struct FlvMediaHeader(
    MediaKind Kind,
    bool IsMedia,
    MediaFrameKind FrameKind,
    bool IsKeyframe,
    int CompositionOffset,
    VideoCodec VideoCodec,
    AudioCodec AudioCodec,
    byte TrackId,
    int LeftOutTracks = 0,
    byte LeftOutTrackId = 0);
