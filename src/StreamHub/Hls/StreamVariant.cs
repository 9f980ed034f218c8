using StreamHub.Hls.Playlists;
using StreamHub.Hls.Segmenting;
using StreamHub.Live;

namespace StreamHub.Hls;

/// <summary>The one variant of a live stream's multivariant playlist, from what the server has measured.</summary>
public static class StreamVariant
{
    /// <summary>BANDWIDTH before any segment is finished and the publisher's bit rate is not measured yet: a figure
    /// above what most single-bitrate live streams send, so a player does not start on a buffer too small.</summary>
    public const long UnmeasuredBandwidth = 6_000_000;

    /// <summary>The media playlist the variant points to: the one every HLS URL has always used.</summary>
    public const string MediaPlaylistUri = "index.m3u8";

    /// <summary>CODECS for what HLS packages of the stream: H.264, HEVC or AV1 video and AAC audio, as their sequence
    /// headers describe them; null when neither is known yet.</summary>
    public static string? Codecs(TrackInfo? video, TrackInfo? audio)
    {
        var videoCodec = video is { Codec: "H264" or "Hevc" or "Av1", CodecString: { } v } ? v : null;
        var audioCodec = audio is { Codec: "Aac", CodecString: { } a } ? a : null;
        return (videoCodec, audioCodec) switch
        {
            (null, null) => null,
            ({ } only, null) => only,
            (null, { } only) => only,
            ({ } both, { } and) => both + "," + and,
        };
    }

    /// <summary>Peak and average bit rate of the finished segments in <paramref name="snapshot"/> (bits per second);
    /// null when there is none.</summary>
    public static (long Peak, long Average)? MeasuredBandwidth(PlaylistSnapshot snapshot)
    {
        double peak = 0, bits = 0, seconds = 0;
        foreach (var segment in snapshot.Segments)
        {
            var duration = segment.Entry.Duration.TotalSeconds;
            if (!segment.IsComplete || duration <= 0)
            {
                continue;
            }
            var segmentBits = segment.Data.Length * 8.0;
            peak = Math.Max(peak, segmentBits / duration);
            bits += segmentBits;
            seconds += duration;
        }
        return seconds > 0 ? ((long)Math.Ceiling(peak), (long)Math.Ceiling(bits / seconds)) : null;
    }

    /// <summary>The variant and the playlist version for a live stream.</summary>
    internal static (int Version, Variant Variant) For(LiveStream live, HlsStream state, PlaylistSnapshot snapshot)
    {
        var measured = MeasuredBandwidth(snapshot);
        // Before the first segment: the publisher's measured rate, with room for the container's overhead.
        var bandwidth = measured?.Peak ?? (live.Bitrate.BitsPerSecond() is > 0 and var rate ? rate * 11 / 10 : UnmeasuredBandwidth);
        var video = live.Video;
        var version = state.PartsListed ? 9 : state.ContainerInUse == HlsContainer.Fmp4 ? 7 : 3;
        return (version, new Variant(bandwidth, measured?.Average, Codecs(video, live.Audio), video?.Width, video?.Height, live.FrameRate,
            MediaPlaylistUri));
    }
}
