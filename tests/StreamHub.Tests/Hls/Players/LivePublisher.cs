using System.Globalization;
using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Hls.Players;

/// <summary>ffmpeg publishing a live test pattern with a tone over RTMP in real time (<c>-re</c>), with a fixed
/// keyframe interval: x264 with a keyframe every <c>gopFrames</c> frames and no scene-cut keyframes, so the interval is
/// exactly what an encoder's "keyframe interval" setting would give (OBS's Simple mode: 250 frames).</summary>
public static class LivePublisher
{
    public const int Fps = 30;

    /// <summary>Longer than any test here needs; the test kills the publisher when it is done, and a test process
    /// that dies leaves no publisher running beyond this.</summary>
    private const int MaxSeconds = 600;

    public static BackgroundProcess Start(string name, string rtmpUrl, int gopFrames, int sampleRate = 48_000) =>
        BackgroundProcess.Start(name, ExternalProcess.Require("ffmpeg", "ffmpeg"),
            [.. Input(sampleRate), .. Encoding(gopFrames, sampleRate), "-f", "flv", rtmpUrl]);

    /// <summary>One encode sent to several servers at once (ffmpeg's tee muxer), so they are fed the very same
    /// frames at the same moment. FLV needs the codec configuration out of band: global headers.</summary>
    public static BackgroundProcess StartTee(string name, IEnumerable<string> rtmpUrls, int gopFrames, int sampleRate = 48_000) =>
        BackgroundProcess.Start(name, ExternalProcess.Require("ffmpeg", "ffmpeg"),
        [
            .. Input(sampleRate), .. Encoding(gopFrames, sampleRate), "-flags", "+global_header", "-map", "0:v", "-map", "1:a",
            "-f", "tee", string.Join('|', rtmpUrls.Select(u => $"[f=flv:onfail=abort]{u}")),
        ]);

    public static string GopSeconds(int gopFrames) => (gopFrames / (double)Fps).ToString("0.##", CultureInfo.InvariantCulture) + " s";

    private static string[] Input(int sampleRate) =>
    [
        "-v", "error", "-re",
        "-f", "lavfi", "-i", $"testsrc2=size=320x180:rate={Fps}",
        "-f", "lavfi", "-i", $"sine=frequency=440:sample_rate={sampleRate}",
        "-t", MaxSeconds.ToString(CultureInfo.InvariantCulture),
    ];

    private static string[] Encoding(int gopFrames, int sampleRate) =>
    [
        "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-pix_fmt", "yuv420p", "-b:v", "400k",
        "-g", gopFrames.ToString(CultureInfo.InvariantCulture), "-keyint_min", gopFrames.ToString(CultureInfo.InvariantCulture),
        "-sc_threshold", "0",
        "-c:a", "aac", "-b:a", "96k", "-ar", sampleRate.ToString(CultureInfo.InvariantCulture), "-ac", "2",
    ];
}
