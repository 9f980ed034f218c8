using StreamHub.Tests.Infrastructure;

namespace StreamHub.Tests.Rtmp.Playback;

/// <summary>The real RTMP players that write what they play to an FLV file: ffmpeg (<c>-c copy -copyts</c>, so the
/// file keeps the stream's timestamps), rtmpdump, GStreamer's rtmp2src and librtmp's rtmpsrc into filesink. Each runs
/// until the stream ends (or <see cref="PlaybackServerFixture.ClientLimit"/>).</summary>
public static class PlayerClients
{
    /// <summary>Starts all four on <paramref name="url"/>; <paramref name="file"/> names each one's output.</summary>
    public static Dictionary<string, Task<ExternalProcess.Result>> RecordUntilEnd(string url, Func<string, string> file) => new()
    {
        ["ffmpeg"] = Run("ffmpeg", "ffmpeg", ["-hide_banner", "-v", "error", "-nostdin", "-i", url, "-c", "copy", "-copyts", "-f", "flv", file("ffmpeg")]),
        ["rtmpdump"] = Run("rtmpdump", "rtmpdump", ["-q", "-r", url, "--live", "-o", file("rtmpdump")]),
        ["rtmp2src"] = Run("gst-launch-1.0", "gstreamer1.0-plugins-bad", ["-q", "rtmp2src", $"location={url}", "!", "filesink", $"location={file("rtmp2src")}"]),
        ["rtmpsrc"] = Run("gst-launch-1.0", "gstreamer1.0-plugins-bad", ["-q", "rtmpsrc", $"location={url} live=1", "!", "filesink", $"location={file("rtmpsrc")}"]),
    };

    private static Task<ExternalProcess.Result> Run(string binary, string package, string[] arguments) =>
        ExternalProcess.RunAsync(ExternalProcess.Require(binary, package), arguments, PlaybackServerFixture.ClientLimit);
}
