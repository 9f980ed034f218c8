using StreamHub.Media;

namespace StreamHub.Tests.Hls.Support;

/// <summary>Small, valid-looking H.264 and AAC frames for segmenter tests (the segmenter does not decode them).</summary>
public static class SyntheticFrames
{
    /// <summary>avcC with lengthSizeMinusOne 3, one SPS, one PPS.</summary>
    public static readonly byte[] AvcRecord =
    [
        0x01, 0x64, 0x00, 0x1F, 0xFF, 0xE1, 0x00, 0x05, 0x67, 0x64, 0x00, 0x1F, 0xAC,
        0x01, 0x00, 0x04, 0x68, 0xEE, 0x3C, 0x80,
    ];

    /// <summary>AAC LC, 44.1 kHz, stereo.</summary>
    public static readonly byte[] AacConfig = [0x12, 0x10];

    public const double AacFrameMs = 1024 * 1000.0 / 44100;

    /// <summary>AAC LC, 48 kHz, stereo.</summary>
    public static readonly byte[] AacConfig48k = [0x11, 0x90];

    public static MediaFrame VideoConfig(long dts = 0) =>
        MediaFrame.Create(AvcRecord, MediaKind.Video, MediaFrameKind.SequenceHeader, dts, isKeyframe: true, videoCodec: VideoCodec.H264);

    public static MediaFrame AudioConfig(long dts = 0, byte[]? config = null) =>
        MediaFrame.Create(config ?? AacConfig, MediaKind.Audio, MediaFrameKind.SequenceHeader, dts, audioCodec: AudioCodec.Aac);

    public static MediaFrame Video(long dts, bool idr, int compositionOffset = 0, int size = 600)
    {
        var payload = new byte[4 + size];
        payload[0] = (byte)(size >> 24);
        payload[1] = (byte)(size >> 16);
        payload[2] = (byte)(size >> 8);
        payload[3] = (byte)size;
        payload[4] = idr ? (byte)0x65 : (byte)0x41;
        return MediaFrame.Create(payload, MediaKind.Video, MediaFrameKind.Coded, dts, compositionOffset, idr, VideoCodec.H264);
    }

    public static MediaFrame Audio(long dts, int size = 200) =>
        MediaFrame.Create(new byte[size], MediaKind.Audio, MediaFrameKind.Coded, dts, audioCodec: AudioCodec.Aac);

    /// <summary>Interleaved audio+video, by DTS: 25 fps video with an IDR every <paramref name="gopFrames"/> frames
    /// and AAC frames, from <paramref name="startMs"/> for <paramref name="durationMs"/>; each video frame carries
    /// <paramref name="videoSize"/> bytes of NAL unit.</summary>
    public static IEnumerable<MediaFrame> Interleaved(long startMs, long durationMs, int gopFrames, bool video = true, bool audio = true,
        int videoSize = 600, int sampleRate = 44100)
    {
        var aacFrameMs = 1024 * 1000.0 / sampleRate;
        var frames = new List<(double At, Func<MediaFrame> Make)>();
        if (video)
        {
            for (var i = 0; i * 40 < durationMs; i++)
            {
                var index = i;
                frames.Add((startMs + i * 40, () => Video(startMs + index * 40, index % gopFrames == 0, size: videoSize)));
            }
        }
        if (audio)
        {
            for (var i = 0; i * aacFrameMs < durationMs; i++)
            {
                var at = startMs + (long)Math.Round(i * aacFrameMs);
                frames.Add((at + 0.5, () => Audio(at)));
            }
        }
        return frames.OrderBy(f => f.At).Select(f => f.Make());
    }
}
